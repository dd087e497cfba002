// supervisord's value types (supervisor/datatypes.py), one function each.
// Each accepts exactly what supervisord 4.3.0 accepts and throws a ValueError
// whose reason quotes the value and whose hint shows a correct spelling; the
// loader adds file, line, section and option.

/// What a `*_logfile=` value means.
public enum LogfileName: Sendable, Equatable {
    case none
    case auto
    /// The deprecated `syslog` file name (rewritten to `*_syslog=true`).
    case syslog
    case path(String)
}

/// The value-type converters. Pure except for the host look-ups they are given.
public enum ValueTypes {
    /// A value as shown in a message: in double quotes, line breaks visible.
    /// A value longer than 200 characters is cut there and marked with `...`,
    /// so a message stays one readable line.
    static func quoted(_ v: String) -> String {
        let shown = v.unicodeScalars.count > 200 ? String(String.UnicodeScalarView(v.unicodeScalars.prefix(200))) + "..." : v
        return "\"" + shown.replacing("\n", with: "\\n").replacing("\r", with: "\\r") + "\""
    }

    /// `boolean`: yes/true/on/1, no/false/off/0, any case, nothing else (not even spaces).
    public static func boolean(_ v: String, option: String) throws(ValueError) -> Bool {
        switch v.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default:
            throw ValueError("\(quoted(v)) is not a boolean", hint: "write true or false, e.g. \(option)=true")
        }
    }

    /// `integer`: Python `int()`. supervisord has no range check; `range`
    /// adds ours (ConfigLimits), and a number beyond a 64-bit integer is
    /// refused as out of range rather than as "not an integer".
    public static func integer(_ v: String, option: String, hint: String? = nil, range: ClosedRange<Int>? = nil) throws(ValueError) -> Int {
        let example = "e.g. \(option)=\(exampleInteger(option))"
        let rangeHint = range.map { hint ?? "write a whole number from \($0.lowerBound) to \($0.upperBound), \(example)" }
        guard let n = PythonSyntax.int(v) else {
            if PythonSyntax.int(v, saturating: true) != nil {
                let bounds = range ?? Int.min...Int.max
                throw ValueError("\(quoted(v)) is out of range", hint: rangeHint ?? "write a whole number from \(bounds.lowerBound) to \(bounds.upperBound), \(example)")
            }
            throw ValueError("\(quoted(v)) is not an integer", hint: hint ?? "write a whole number, \(example)")
        }
        if let range, let rangeHint {
            if n < range.lowerBound { throw ValueError("\(quoted(v)) is below the minimum of \(range.lowerBound)", hint: rangeHint) }
            if n > range.upperBound { throw ValueError("\(quoted(v)) is above the limit of \(range.upperBound)", hint: rangeHint) }
        }
        return n
    }

    /// The range swiftvisord accepts for an integer option, and how to say it;
    /// nil when any 64-bit value is safe (priorities, seconds: they are only
    /// compared, or turned into floating-point deadlines).
    public static func integerRange(for option: String) -> (ClosedRange<Int>, String)? {
        switch option {
        case "minfds", "minprocs":
            // supervisord ignores a negative minimum; swiftvisord refuses it (docs/configuration.md).
            return (0...Int.max, "write a number of at least 0, e.g. \(option)=\(exampleInteger(option))")
        case "logfile_backups", "stdout_logfile_backups", "stderr_logfile_backups":
            // A negative count keeps no backups, as in supervisord.
            return (Int.min...ConfigLimits.logfileBackups,
                    "write a number of backups from 0 to \(ConfigLimits.logfileBackups), e.g. \(option)=10")
        case "numprocs":
            return (Int.min...ConfigLimits.numprocs, "write a number of processes from 1 to \(ConfigLimits.numprocs), e.g. numprocs=2")
        case "numprocs_start":
            return (-ConfigLimits.numprocsStart...ConfigLimits.numprocsStart,
                    "write a number from -\(ConfigLimits.numprocsStart) to \(ConfigLimits.numprocsStart), e.g. numprocs_start=0")
        default:
            return nil
        }
    }

    /// `integer` with the range and hint swiftvisord uses for `option`.
    public static func integerOption(_ v: String, option: String) throws(ValueError) -> Int {
        if let (range, hint) = integerRange(for: option) { return try integer(v, option: option, hint: hint, range: range) }
        return try integer(v, option: option, hint: integerHint(for: option))
    }

    static func exampleInteger(_ option: String) -> String {
        switch option {
        case "startsecs": return "5"
        case "startretries": return "3"
        case "stopwaitsecs": return "10"
        case "numprocs": return "2"
        case "minfds": return "1024"
        case "minprocs": return "200"
        case "buffer_size": return "10"
        case "priority": return "999"
        default: return "10"
        }
    }

    /// The hint used for the options that count seconds.
    public static func integerHint(for option: String) -> String? {
        switch option {
        case "startsecs", "stopwaitsecs":
            return "write a number of seconds, e.g. \(option)=\(exampleInteger(option))"
        default:
            return nil
        }
    }

    /// `byte_size`: an integer with an optional `KB`/`MB`/`GB` suffix (×1024ⁿ, any case).
    public static func byteSize(_ v: String, option: String) throws(ValueError) -> Int {
        let lower = v.lowercased()
        let bad = ValueError("\(quoted(v)) is not a byte size", hint: "write a number of bytes with an optional KB, MB or GB suffix, e.g. \(option)=50MB")
        // Python's int has no bound; ours is the 64-bit integer every size is kept in.
        let tooLarge = ValueError("\(quoted(v)) is out of range: a byte size is at most \(Int.max) bytes (8 EB)",
                                  hint: "write a number of bytes with an optional KB, MB or GB suffix, e.g. \(option)=50MB")
        var digits = lower
        var multiplier = 1
        for (suffix, m) in [("kb", 1024), ("mb", 1024 * 1024), ("gb", 1024 * 1024 * 1024)] where lower.hasSuffix(suffix) {
            digits = String(lower.dropLast(2))
            multiplier = m
        }
        guard let n = PythonSyntax.int(digits) else {
            throw PythonSyntax.int(digits, saturating: true) != nil ? tooLarge : bad
        }
        let (r, overflow) = n.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw tooLarge }
        return r
    }

    /// `octal_type`: Python `int(v, 8)`, e.g. `022`, `0o22`, `22`.
    public static func octal(_ v: String, option: String) throws(ValueError) -> UInt32 {
        guard let n = PythonSyntax.int(v, radix: 8, saturating: true) else {
            throw ValueError("\(quoted(v)) is not an octal number", hint: "write octal digits, e.g. \(option)=022")
        }
        // supervisord passes any int on to os.umask/os.chmod, which fail later
        // (OverflowError at spawn time); only permission bits mean anything.
        guard n >= 0, n <= Int(ConfigLimits.mode), let mode = UInt32(exactly: n) else {
            throw ValueError("\(quoted(v)) is not a valid mode: it must be from 0 to 07777 (octal)", hint: "write octal digits, e.g. \(option)=022")
        }
        return mode
    }

    /// `signal_number`: a number Python knows, or a name with or without `SIG`, any case.
    public static func signal(_ v: String, option: String) throws(ValueError) -> SignalSpec {
        let number: Int32
        if let n = PythonSyntax.int(v) {
            guard n >= 0, n <= 64, Set(SignalNames.numbers.values).contains(Int32(n)) else {
                throw ValueError("\(quoted(v)) is not a valid signal number", hint: "write a signal name, e.g. \(option)=TERM")
            }
            number = Int32(n)
        } else {
            var name = PythonSyntax.strip(v).uppercased()
            if !name.hasPrefix("SIG") { name = "SIG" + name }
            guard let n = SignalNames.numbers[name] else {
                throw ValueError("\(quoted(v)) is not a valid signal name", hint: "write one of TERM, HUP, INT, QUIT, KILL, USR1, USR2, e.g. \(option)=TERM")
            }
            number = n
        }
        return SignalSpec(number: number, name: SignalNames.canonical[number] ?? String(number))
    }

    /// `list_of_exitcodes`: comma-separated integers 0..255; empty means none.
    public static func exitcodes(_ v: String, option: String) throws(ValueError) -> [Int] {
        if v.isEmpty { return [] }
        var codes: [Int] = []
        for part in v.split(separator: ",", omittingEmptySubsequences: false) {
            guard let n = PythonSyntax.int(String(part)), (0...255).contains(n) else {
                throw ValueError("\(quoted(v)) is not a valid list of exit codes", hint: "write comma-separated numbers from 0 to 255, e.g. \(option)=0,2")
            }
            codes.append(n)
        }
        return codes
    }

    /// `auto_restart`: true/false (boolean spellings) or `unexpected`.
    public static func autorestart(_ v: String, option: String) throws(ValueError) -> AutoRestart {
        switch v.lowercased() {
        case "yes", "true", "on", "1": return .always
        case "no", "false", "off", "0": return .never
        case "unexpected": return .unexpected
        default:
            throw ValueError("\(quoted(v)) is not a valid autorestart value", hint: "write true, false or unexpected, e.g. \(option)=unexpected")
        }
    }

    /// `logging_level`.
    public static func logLevel(_ v: String, option: String) throws(ValueError) -> String {
        let l = v.lowercased()
        guard ["critical", "error", "warn", "info", "debug", "trace", "blather"].contains(l) else {
            throw ValueError("\(quoted(v)) is not a log level", hint: "write one of critical, error, warn, info, debug, trace, blather, e.g. \(option)=info")
        }
        return l
    }

    /// `process_or_group_name`: stripped; no space, `:` or `/`.
    public static func name(_ v: String, what: String = "name") throws(ValueError) -> String {
        let s = PythonSyntax.strip(v)
        for (c, label) in [(" ", "a space"), (":", "a colon"), ("/", "a slash")] where s.contains(c) {
            throw ValueError("\(quoted(v)) is not a valid \(what) because it contains \(label)", hint: "use only letters, digits, '_', '-' and '.'")
        }
        return s
    }

    /// `list_of_strings`: split on `,`, each item stripped; empty means none.
    public static func listOfStrings(_ v: String) -> [String] {
        if v.isEmpty { return [] }
        return v.split(separator: ",", omittingEmptySubsequences: false).map { PythonSyntax.strip(String($0)) }
    }

    /// `existing_directory`: `~`-expanded, must be a directory.
    public static func existingDirectory(_ v: String, host: ConfigHost) throws(ValueError) -> String {
        let p = PythonSyntax.expanduser(v, host: host)
        guard host.isDirectory(p) else {
            throw ValueError("\(quoted(v)) is not an existing directory", hint: "create the directory or name one that exists")
        }
        return p
    }

    /// `existing_dirpath`: `~`-expanded; its directory part, if any, must exist.
    public static func existingDirpath(_ v: String, host: ConfigHost) throws(ValueError) -> String {
        let p = PythonSyntax.expanduser(v, host: host)
        let dir = PythonSyntax.dirname(p)
        if dir.isEmpty || host.isDirectory(dir) { return p }
        throw ValueError("the directory \(quoted(dir)) named in \(quoted(v)) does not exist", hint: "create \(dir) or choose a path in an existing directory")
    }

    /// `logfile_name`: NONE/OFF, AUTO, the deprecated SYSLOG, else a path in an existing directory.
    public static func logfileName(_ v: String, host: ConfigHost) throws(ValueError) -> LogfileName {
        switch v.lowercased() {
        case "none", "off": return .none
        case "auto": return .auto
        case "syslog": return .syslog
        default: return .path(try existingDirpath(v, host: host))
        }
    }

    /// `name_to_uid`: a user name or a numeric uid that exists.
    public static func user(_ v: String, host: ConfigHost) throws(ValueError) -> ResolvedUser {
        if let n = PythonSyntax.int(v) {
            guard n >= 0, n <= Int(UInt32.max), let u = host.user(uid: UInt32(n)) else {
                throw ValueError("user id \(quoted(v)) does not exist on this host", hint: "name an existing account or create it first")
            }
            return ResolvedUser(name: u.name, uid: u.uid, gid: u.gid)
        }
        guard let u = host.user(named: v) else {
            throw ValueError("user \(quoted(v)) does not exist on this host", hint: "name an existing account or create it first")
        }
        return ResolvedUser(name: u.name, uid: u.uid, gid: u.gid)
    }

    /// `colon_separated_user_group`: `user` or `user:group`; gid nil when no group is given.
    public static func userAndGroup(_ v: String, host: ConfigHost) throws(ValueError) -> (uid: UInt32, gid: UInt32?) {
        let parts = v.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let user: ResolvedUser
        do { user = try self.user(parts[0], host: host) } catch {
            throw ValueError("\(quoted(v)) names user \(quoted(parts[0])), which does not exist on this host", hint: "write user or user:group with existing names")
        }
        guard parts.count == 2 else { return (user.uid, nil) }
        let g = parts[1]
        if let n = PythonSyntax.int(g) {
            guard n >= 0, n <= Int(UInt32.max), host.groupExists(gid: UInt32(n)) else {
                throw ValueError("\(quoted(v)) names group id \(quoted(g)), which does not exist on this host", hint: "write user or user:group with existing names")
            }
            return (user.uid, UInt32(n))
        }
        guard let gid = host.groupID(named: g) else {
            throw ValueError("\(quoted(v)) names group \(quoted(g)), which does not exist on this host", hint: "write user or user:group with existing names")
        }
        return (user.uid, gid)
    }

    /// `inet_address`: `host:port`, `*:port` or `port`; host lowercased, `*` becomes "".
    public static func inetAddress(_ v: String, option: String) throws(ValueError) -> (host: String, port: Int) {
        var host = ""
        var portText = v
        if let colon = v.lastIndex(of: ":") {
            host = String(v[..<colon]).lowercased()
            portText = String(v[v.index(after: colon)...])
        }
        guard let port = PythonSyntax.int(portText), (1...65535).contains(port) else {
            throw ValueError("\(quoted(v)) is not a valid port", hint: "write host:port or a port from 1 to 65535, e.g. \(option)=127.0.0.1:9001")
        }
        if host == "*" { host = "" }
        return (host, port)
    }
}
