// The config pipeline, in supervisord's order (options.py read_config,
// process_groups_from_parser, server_configs_from_parser, realize): locate,
// read the main file and its includes, read [supervisord], the rpcinterface
// sections, the groups, the servers, then apply the command line. The first
// problem stops the read, as in supervisord, but our error names the line.

/// Reads a supervisord configuration through an injected host.
public struct ConfigLoader: Sendable {
    public var host: any ConfigHost

    public init(host: any ConfigHost) { self.host = host }

    /// The factory `[rpcinterface:supervisor]` must name; the only one swiftvisord implements.
    public static let mainRPCInterfaceFactory = "supervisor.rpcinterface:make_main_rpcinterface"

    /// supervisord's search list when `-c` is not given (options.py:102-112).
    public static func defaultSearchPaths(argv0: String) -> [String] {
        let here = PythonSyntax.dirname(PythonSyntax.dirname(argv0))
        return [PythonSyntax.join(here, "etc/supervisord.conf"), PythonSyntax.join(here, "supervisord.conf"),
                "supervisord.conf", "etc/supervisord.conf", "/etc/supervisord.conf",
                "/etc/supervisor/supervisord.conf"]
    }

    /// The first existing file of the search list, or the error supervisord gives.
    public func locateDefaultConfig(argv0: String) throws(ConfigError) -> String {
        let paths = Self.defaultSearchPaths(argv0: argv0)
        for p in paths where host.fileExists(p) { return p }
        throw ConfigError(reason: "No config file found at default paths (\(paths.joined(separator: ", ")))",
                          hint: "use the -c option to specify a config file at a different path")
    }

    /// Read, validate and resolve the config at `path` (relative to the current directory).
    public func load(path: String, overrides: ConfigOverrides = ConfigOverrides()) throws(ConfigError) -> Configuration {
        var reader = ConfigReader(host: host, path: path)
        return try reader.run(overrides: overrides)
    }
}

/// The state of one read: the merged INI, the expansion names, what was found.
struct ConfigReader {
    let host: any ConfigHost
    let path: String
    let absolutePath: String
    let here: String
    var doc = INIDocument()
    /// `ENV_*`: the host environment, then `[supervisord] environment=` keys.
    var env: [String: ExpansionValue] = [:]
    var config: Configuration
    /// `[supervisord] user=`, resolved last as supervisord's realize() does.
    var pendingUser: (String, SourceLocation)? = nil
    /// Processes defined so far, against ConfigLimits.totalProcesses.
    var processCount = 0
    /// Bytes of config files read so far, against ConfigLimits.inputBytes.
    var inputBytes = 0
    /// Bytes of expanded values so far, against ConfigLimits.expandedTotal
    /// (a reference, so the non-mutating expand helpers can charge it).
    let budget = ExpansionBudget()
    /// Commands and exit code lists already read: a process whose value
    /// equals one of them keeps that one, so 10,000 programs with the same
    /// command hold one string, not 10,000 copies (docs/benchmarks.md, "Scale").
    var commands: Set<String> = []
    var exitCodeLists: Set<[Int]> = []
    var hostNodeName: String { host.hostName }

    init(host: any ConfigHost, path: String) {
        self.host = host
        self.path = path
        absolutePath = PythonSyntax.abspath(path, cwd: host.currentDirectory)
        here = PythonSyntax.dirname(absolutePath)
        config = Configuration(configFile: absolutePath)
        for (k, v) in host.environment { env["ENV_\(k)"] = .string(v) }
    }

    // MARK: pipeline

    mutating func run(overrides: ConfigOverrides) throws(ConfigError) -> Configuration {
        guard host.fileExists(path) else {
            throw ConfigError(file: path, reason: "the config file does not exist", hint: "check the path given to -c")
        }
        try readFile(path)
        try readIncludes()
        guard let sup = doc.section("supervisord") else {
            throw ConfigError(file: path, reason: "the file has no [supervisord] section",
                              hint: "a file with only program sections is a fragment: add a [supervisord] section or include it from a main config with [include] files=")
        }
        try readSupervisord(sup)
        try readRPCInterfaces()
        config.groups = try readGroups()
        try resolveDependencies()
        try readServers()
        readSupervisorctl()
        warnUnknown()
        try applyOverrides(overrides, sectionLocation: sup.location)
        return config
    }

    mutating func readFile(_ file: String) throws(ConfigError) {
        guard let bytes = host.readFile(file) else {
            throw ConfigError(file: file, reason: "the file cannot be read", hint: "check its permissions")
        }
        inputBytes += bytes.count
        guard inputBytes <= ConfigLimits.inputBytes else {
            throw ConfigError(file: file, reason: "the config files read so far are larger than \(ConfigLimits.inputBytes) bytes, the limit for a configuration (\(ConfigLimits.inputBytes >> 20) MiB)",
                              hint: "a configuration is text of a few kilobytes: check that the file is the one meant")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: file, line: Self.firstInvalidUTF8Line(bytes), reason: "the line is not valid UTF-8", hint: "save the file as UTF-8")
        }
        // A NUL cannot travel in a path, an argument, an environment entry or
        // a name (C strings end at it): read on, it cut `command=/bin/echo a<NUL>b`
        // to `/bin/echo a` and sent both logs of `[program:z<NUL>q]` to the
        // file `z`. supervisord fails later (Python's "embedded null byte").
        if let nul = bytes.firstIndex(of: 0) {
            throw ConfigError(file: file, line: Self.lineNumber(ofByte: nul, in: bytes), reason: "the line holds a NUL byte",
                              hint: "remove it: no name, path, command or value can hold a NUL byte")
        }
        try doc.read(text, file: file)
        config.filesRead.append(file)
    }

    /// `[include] files=`: patterns relative to the main file's directory, each
    /// pattern's matches read in sorted order; `%(here)s` is replaced textually
    /// after each file with that file's directory (expand_here).
    mutating func readIncludes() throws(ConfigError) {
        guard doc.hasSection("include") else { return }
        doc.expandHere(here)
        guard let entry = doc.get("include", "files") else {
            throw ConfigError(at: doc.section("include")?.location, section: "include", option: "files",
                              reason: "the [include] section has no files setting",
                              hint: "list the files to include, e.g. files=conf.d/*.conf")
        }
        var names = env
        names["here"] = .string(here)
        names["host_node_name"] = .string(hostNodeName)
        let files = try expand(entry, names: names, section: "include", option: "files")
        var included = 0
        for pattern in splitWhitespace(files) {
            let full = PythonSyntax.join(here, pattern)
            let matches = host.glob(full)
            if matches.isEmpty {
                config.warnings.append(ConfigWarning(location: entry.location, message: "No file matches via include \"\(full)\""))
                continue
            }
            for file in matches.sorted(by: pythonLess) {
                included += 1
                guard included <= ConfigLimits.includedFiles else {
                    throw ConfigError(at: entry.location, section: "include", option: "files",
                                      reason: "matches more than \(ConfigLimits.includedFiles) files, the limit for one configuration",
                                      hint: "merge the included files or narrow the patterns")
                }
                config.infos.append("Included extra file \"\(file)\" during parsing")
                // RawConfigParser.read skips a file it cannot open; say so instead of staying silent.
                guard host.readFile(file) != nil else {
                    config.warnings.append(ConfigWarning(location: entry.location, message: "included file \"\(file)\" cannot be read and is skipped", supervisordWarns: false))
                    continue
                }
                try readFile(file)
                doc.expandHere(PythonSyntax.dirname(PythonSyntax.abspath(file, cwd: host.currentDirectory)))
            }
        }
    }

    // MARK: [supervisord]

    mutating func readSupervisord(_ sup: INISection) throws(ConfigError) {
        let s = "supervisord"
        let names = env.merging(["here": .string(here)]) { $1 }
        var c = SupervisordConfig()
        func opt(_ key: String) throws(ConfigError) -> (String, SourceLocation)? {
            guard let e = doc.get(s, key) else { return nil }
            return (try expand(e, names: names, section: s, option: key), e.location)
        }
        if let (v, loc) = try opt("minfds") { c.minfds = try convert(v, loc, s, "minfds") { v throws(ValueError) in try ValueTypes.integerOption(v, option: "minfds") } }
        if let (v, loc) = try opt("minprocs") { c.minprocs = try convert(v, loc, s, "minprocs") { v throws(ValueError) in try ValueTypes.integerOption(v, option: "minprocs") } }
        if let (v, loc) = try opt("directory") { c.directory = try convert(v, loc, s, "directory") { v throws(ValueError) in try ValueTypes.existingDirectory(v, host: host) } }
        // `user=` is checked after the whole file is read (realize), like supervisord.
        pendingUser = try opt("user")
        if let (v, loc) = try opt("umask") { c.umask = try convert(v, loc, s, "umask") { v throws(ValueError) in try ValueTypes.octal(v, option: "umask") } }
        let logfile = try opt("logfile") ?? ("supervisord.log", sup.location)
        c.logfile = try convert(logfile.0, logfile.1, s, "logfile") { v throws(ValueError) in try ValueTypes.existingDirpath(v, host: host) }
        if let (v, loc) = try opt("logfile_maxbytes") { c.logfileMaxbytes = try convert(v, loc, s, "logfile_maxbytes") { v throws(ValueError) in try ValueTypes.byteSize(v, option: "logfile_maxbytes") } }
        if let (v, loc) = try opt("logfile_backups") { c.logfileBackups = try convert(v, loc, s, "logfile_backups") { v throws(ValueError) in try ValueTypes.integerOption(v, option: "logfile_backups") } }
        if let (v, loc) = try opt("loglevel") { c.loglevel = try convert(v, loc, s, "loglevel") { v throws(ValueError) in try ValueTypes.logLevel(v, option: "loglevel") } }
        let pidfile = try opt("pidfile") ?? ("supervisord.pid", sup.location)
        c.pidfile = try convert(pidfile.0, pidfile.1, s, "pidfile") { v throws(ValueError) in try ValueTypes.existingDirpath(v, host: host) }
        if let (v, _) = try opt("identifier") { c.identifier = v }
        if let (v, loc) = try opt("nodaemon") { c.nodaemon = try convert(v, loc, s, "nodaemon") { v throws(ValueError) in try ValueTypes.boolean(v, option: "nodaemon") } }
        if let (v, loc) = try opt("silent") { c.silent = try convert(v, loc, s, "silent") { v throws(ValueError) in try ValueTypes.boolean(v, option: "silent") } }
        let childlogdir = try opt("childlogdir") ?? (host.tempDirectory, sup.location)
        c.childlogdir = try convert(childlogdir.0, childlogdir.1, s, "childlogdir") { v throws(ValueError) in try ValueTypes.existingDirectory(v, host: host) }
        if let (v, loc) = try opt("nocleanup") { c.nocleanup = try convert(v, loc, s, "nocleanup") { v throws(ValueError) in try ValueTypes.boolean(v, option: "nocleanup") } }
        if let (v, loc) = try opt("childlog_timestamps") {
            c.childlogTimestamps = try convert(v, loc, s, "childlog_timestamps") { v throws(ValueError) in try ValueTypes.boolean(v, option: "childlog_timestamps") }
            config.extensions.append(ConfigWarning(location: loc,
                message: "[\(s)] childlog_timestamps=\(c.childlogTimestamps ? "true" : "false"): swiftvisord only (supervisord ignores it); the default of every program's stdout_logfile_timestamps and stderr_logfile_timestamps", supervisordWarns: false))
        }
        if let (v, loc) = try opt("strip_ansi") { c.stripAnsi = try convert(v, loc, s, "strip_ansi") { v throws(ValueError) in try ValueTypes.boolean(v, option: "strip_ansi") } }
        if let e = doc.get(s, "environment") {
            // Expanded once (Supervisor HEAD); 4.3.0 expanded twice and broke on %%.
            var envNames = names
            envNames["host_node_name"] = .string(hostNodeName)
            let v = try expand(e, names: envNames, section: s, option: "environment")
            let pairs = try convert(v, e.location, s, "environment") { v throws(ValueError) in try EnvironmentSyntax.parse(v) }
            c.environment = pairs.isEmpty ? nil : pairs
            // 4.3.0 expanded this value twice: once without host_node_name, then with it.
            do {
                let first = try Expansion.expand(e.value, names: names)
                let second = try Expansion.expand(first, names: envNames)
                warnIfLegacyEnvironmentDiffers(second, parsed: pairs, location: e.location, section: s)
            } catch {
                config.warnings.append(ConfigWarning(location: e.location,
                    message: "[supervisord] environment: supervisord 4.3.0 rejects this value (it expands %-formats twice there, the first time without host_node_name); swiftvisord expands it once, as Supervisor 4.4 does"))
            }
            // Later sections can use these as %(ENV_KEY)s (issue-1170a).
            for p in pairs { env["ENV_\(p.key)"] = .string(p.value) }
        }
        config.supervisord = c
    }

    mutating func applyOverrides(_ o: ConfigOverrides, sectionLocation: SourceLocation) throws(ConfigError) {
        var c = config.supervisord
        func cli<T>(_ value: String?, _ flag: String, _ body: (String) throws(ValueError) -> T) throws(ConfigError) -> T? {
            guard let value else { return nil }
            do { return try body(value) } catch {
                throw ConfigError(option: flag, reason: error.reason, hint: error.hint)
            }
        }
        if let v = o.nodaemon { c.nodaemon = v }
        if let v = o.silent { c.silent = v }
        if let v = o.nocleanup { c.nocleanup = v }
        if let v = o.stripAnsi { c.stripAnsi = v }
        if let v = try cli(o.umask, "-m", { v throws(ValueError) in try ValueTypes.octal(v, option: "umask") }) { c.umask = v }
        if let v = try cli(o.directory, "-d", { v throws(ValueError) in try ValueTypes.existingDirectory(v, host: host) }) { c.directory = v }
        if let v = try cli(o.logfile, "-l", { v throws(ValueError) in try ValueTypes.existingDirpath(v, host: host) }) { c.logfile = v }
        if let v = try cli(o.logfileMaxbytes, "-y", { v throws(ValueError) in try ValueTypes.byteSize(v, option: "logfile_maxbytes") }) { c.logfileMaxbytes = v }
        if let v = try cli(o.logfileBackups, "-z", { v throws(ValueError) in try ValueTypes.integerOption(v, option: "logfile_backups") }) { c.logfileBackups = v }
        if let v = try cli(o.loglevel, "-e", { v throws(ValueError) in try ValueTypes.logLevel(v, option: "loglevel") }) { c.loglevel = v }
        if let v = try cli(o.pidfile, "-j", { v throws(ValueError) in try ValueTypes.existingDirpath(v, host: host) }) { c.pidfile = v }
        if let v = o.identifier { c.identifier = v }
        if let v = try cli(o.childlogdir, "-q", { v throws(ValueError) in try ValueTypes.existingDirectory(v, host: host) }) { c.childlogdir = v }
        if let v = try cli(o.minfds, "-a", { v throws(ValueError) in try ValueTypes.integerOption(v, option: "minfds") }) { c.minfds = v }
        if let v = try cli(o.minprocs, "--minprocs", { v throws(ValueError) in try ValueTypes.integerOption(v, option: "minprocs") }) { c.minprocs = v }
        if let u = o.user {
            c.user = try cli(u, "-u", { v throws(ValueError) in try ValueTypes.user(v, host: host) })
        } else if let (u, loc) = pendingUser {
            c.user = try convert(u, loc, "supervisord", "user") { v throws(ValueError) in try ValueTypes.user(v, host: host) }
        }
        // realize(): logfile and pidfile become absolute against the start directory.
        if c.logfile != "syslog" { c.logfile = PythonSyntax.abspath(c.logfile, cwd: host.currentDirectory) }
        c.pidfile = PythonSyntax.abspath(c.pidfile, cwd: host.currentDirectory)
        config.supervisord = c
    }

    // MARK: [rpcinterface:x]

    mutating func readRPCInterfaces() throws(ConfigError) {
        let key = "supervisor.rpcinterface_factory"
        for section in doc.sections where section.name.hasPrefix("rpcinterface:") {
            let s = section.name
            guard let e = doc.get(s, key) else {
                throw ConfigError(at: section.location, section: s, option: key,
                                  reason: "is missing: every [rpcinterface:x] section names its factory",
                                  hint: "write \(key) = \(ConfigLoader.mainRPCInterfaceFactory)")
            }
            let factory = try expand(e, names: env, section: s, option: key)
            guard factory == ConfigLoader.mainRPCInterfaceFactory else {
                throw ConfigError(at: e.location, section: s, option: key,
                                  reason: "\"\(factory)\" cannot be resolved: swiftvisord implements only the standard interface",
                                  hint: "write \(key) = \(ConfigLoader.mainRPCInterfaceFactory)")
            }
            for k in doc.options(s) where k != key {
                let x = doc.get(s, k)!
                _ = try expand(x, names: env, section: s, option: k)
                config.warnings.append(ConfigWarning(location: x.location, message: "[\(s)] \(k): extra rpcinterface options are not used by swiftvisord", supervisordWarns: false))
            }
            config.rpcInterfaces[String(s.dropFirst("rpcinterface:".count))] = factory
        }
    }

    // MARK: helpers

    func expand(_ e: INIEntry, names: [String: ExpansionValue], section: String, option: String) throws(ConfigError) -> String {
        try expand(e.value, at: e.location, names: names, section: section, option: option)
    }

    /// Expand `value`, charged to the configuration's budget: every value is
    /// expanded once per process, so 1 MiB values times 100000 processes
    /// would otherwise be bounded only in theory.
    func expand(_ value: String, at location: SourceLocation, names: [String: ExpansionValue], section: String, option: String) throws(ConfigError) -> String {
        let text: String
        do { text = try Expansion.expand(value, names: names) } catch {
            throw ConfigError(at: location, section: section, option: option, reason: error.reason, hint: error.hint)
        }
        budget.expanded += text.utf8.count
        guard budget.expanded <= ConfigLimits.expandedTotal else {
            throw ConfigError(at: location, section: section, option: option,
                              reason: "the configuration expands to more than \(ConfigLimits.expandedTotal) bytes of values in all, the limit for one configuration (\(ConfigLimits.expandedTotal >> 20) MiB)",
                              hint: "lower numprocs or shorten the values repeated for every process")
        }
        return text
    }

    func convert<T>(_ v: String, _ loc: SourceLocation?, _ section: String, _ option: String,
                    _ body: (String) throws(ValueError) -> T) throws(ConfigError) -> T {
        do { return try body(v) } catch {
            throw ConfigError(at: loc, section: section, option: option, reason: error.reason, hint: error.hint)
        }
    }

    /// The 1-based line (ended by LF, CR LF or CR, as the INI reader counts)
    /// that holds the byte at `index`.
    static func lineNumber(ofByte index: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        var i = 0
        while i < index {
            if bytes[i] == 0x0A || (bytes[i] == 0x0D && !(i + 1 < bytes.count && bytes[i + 1] == 0x0A)) { line += 1 }
            i += 1
        }
        return line
    }

    /// The 1-based line (ended by LF, CR LF or CR, as the INI reader counts)
    /// holding the first byte sequence that is not UTF-8.
    static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        var i = 0
        while i <= bytes.count {
            let atEnd = i == bytes.count
            if atEnd || bytes[i] == 0x0A || bytes[i] == 0x0D {
                if String(validating: bytes[start..<i], as: UTF8.self) == nil { return line }
                if atEnd { break }
                if bytes[i] == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                line += 1
                start = i + 1
            }
            i += 1
        }
        return line
    }

    /// Python `str.split()` with no argument.
    func splitWhitespace(_ s: String) -> [String] {
        var out: [String] = []
        var cur = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if PythonSyntax.isSpace(c) {
                if !cur.isEmpty { out.append(String(cur)); cur = .init() }
            } else { cur.append(c) }
        }
        if !cur.isEmpty { out.append(String(cur)) }
        return out
    }
}

/// Python's `str <` : code point order.
func pythonLess(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
}

/// What the expansions of one read have produced so far.
final class ExpansionBudget {
    var expanded = 0
}
