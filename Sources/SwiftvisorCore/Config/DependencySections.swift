// The dependency and health options of a [program:x] (swiftvisor only;
// supervisord ignores them, docs/dependencies.md): read per section with the
// other options, then resolved against the whole configuration once every
// group is known (unknown names, self-dependencies and cycles are refused
// here, with the file and line of the `depends_on` that names them).

/// The options of this file, for `KnownOptions` and `--check`.
enum DependencyOptions {
    static let keys: Set<String> = [
        "depends_on", "depends_on_timeout", "dependent_startup", "dependent_startup_wait_for",
        "readiness", "readiness_command", "readiness_tcp", "readiness_url", "readiness_notify", "readiness_fd",
        "readiness_log", "readiness_interval", "readiness_timeout", "readiness_start_period",
        "liveness", "liveness_command", "liveness_tcp", "liveness_url", "liveness_interval", "liveness_timeout",
        "liveness_failures", "watchdog_sec",
    ]
    /// The supervisord-dependent-startup listener's keys: other tools read them too.
    static let listenerKeys: Set<String> = ["dependent_startup", "dependent_startup_wait_for", "dependent_startup_inherit_priority"]
}

extension ConfigReader {
    /// After every group is read: names to processes, the graph checked.
    mutating func resolveDependencies() throws(ConfigError) {
        do {
            config.groups = try DependencyGraph.resolveAll(config.groups)
        } catch {
            throw ConfigError(at: error.location, section: error.section, option: "depends_on", reason: error.reason, hint: error.hint)
        }
    }

    /// Reads the section's dependency and health options into `proto`
    /// (once per section: every process of a program shares them).
    mutating func readDependencyOptions(_ section: INISection, names: [String: ExpansionValue], into proto: inout ProcessConfig) throws(ConfigError) {
        let s = section.name
        func entry(_ key: String) throws(ConfigError) -> (String, SourceLocation)? {
            guard let e = doc.get(s, key) else { return nil }
            return (try expand(e, names: names, section: s, option: key), e.location)
        }
        func int(_ key: String, _ d: Int, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
            guard let (v, loc) = try entry(key) else { return d }
            return try convert(v, loc, s, key) { v throws(ValueError) in try ValueTypes.integer(v, option: key, range: range) }
        }
        func bool(_ key: String) throws(ConfigError) -> Bool? {
            guard let (v, loc) = try entry(key) else { return nil }
            return try convert(v, loc, s, key) { v throws(ValueError) in try ValueTypes.boolean(v, option: key) }
        }
        var used: [String] = []

        if let (v, loc) = try entry("depends_on") {
            proto.dependsOn = try convert(v, loc, s, "depends_on") { v throws(ValueError) in
                try DependencySpec.parseList(v, isName: { [doc] in Self.namesSomething($0, doc: doc) })
            }
            proto.dependsOnLocation = loc
            used.append("depends_on=\(v)")
        }
        proto.dependsOnTimeout = try int("depends_on_timeout", 0, HealthLimits.dependsOnTimeout)
        if try bool("dependent_startup") == true {
            proto.dependentStartup = true
            if let (v, loc) = try entry("dependent_startup_wait_for") {
                let specs = try convert(v, loc, s, "dependent_startup_wait_for") { v throws(ValueError) in try DependencySpec.parseDependentStartup(v) }
                for spec in specs where !proto.dependsOn.contains(spec) { proto.dependsOn.append(spec) }
                if proto.dependsOnLocation == nil { proto.dependsOnLocation = loc }
            }
            used.append("dependent_startup=true (read as depends_on=\(proto.dependsOn.map(\.text).joined(separator: ", ")))")
        }

        proto.readiness = try readReadiness(s, entry: entry, int: int, bool: bool)
        if proto.readiness.kind != .none { used.append("readiness=\(proto.readiness.kind.rawValue)") }
        proto.liveness = try readLiveness(s, entry: entry, int: int)
        if let l = proto.liveness { used.append("liveness=\(l.kind.rawValue)") }
        proto.watchdogSec = try int("watchdog_sec", 0, HealthLimits.watchdog)
        if proto.watchdogSec > 0 {
            guard proto.readiness.kind == .notify else {
                throw ConfigError(at: doc.get(s, "watchdog_sec")?.location, section: s, option: "watchdog_sec",
                                  reason: "watchdog_sec needs readiness=notify: WATCHDOG=1 arrives on the notify socket",
                                  hint: "add readiness=notify or remove watchdog_sec")
            }
            used.append("watchdog_sec=\(proto.watchdogSec)")
        }
        if !used.isEmpty {
            config.extensions.append(ConfigWarning(location: section.location,
                message: "[\(s)] \(used.joined(separator: ", ")): swiftvisord only (supervisord ignores it); see docs/dependencies.md", supervisordWarns: false))
        }
    }

    private func readReadiness(_ s: String, entry: (String) throws(ConfigError) -> (String, SourceLocation)?,
                               int: (String, Int, ClosedRange<Int>) throws(ConfigError) -> Int,
                               bool: (String) throws(ConfigError) -> Bool?) throws(ConfigError) -> ReadinessConfig {
        var r = ReadinessConfig()
        let kinds = ReadinessKind.allCases.map(\.rawValue).joined(separator: ", ")
        let kindEntry = try entry("readiness")
        if let (v, loc) = kindEntry {
            guard let kind = ReadinessKind(rawValue: v.lowercased()) else {
                throw ConfigError(at: loc, section: s, option: "readiness", reason: "\(ValueTypes.quoted(v)) is not a readiness kind",
                                  hint: "use one of \(kinds), e.g. readiness=tcp")
            }
            r.kind = kind
        }
        if let notify = try bool("readiness_notify") {
            if notify && kindEntry == nil { r.kind = .notify }
            if notify != (r.kind == .notify) {
                throw ConfigError(at: doc.get(s, "readiness_notify")?.location, section: s, option: "readiness_notify",
                                  reason: "readiness_notify=\(notify) contradicts readiness=\(r.kind.rawValue)",
                                  hint: "keep one of the two: readiness=notify alone is enough")
            }
        }
        func required(_ key: String) throws(ConfigError) -> (String, SourceLocation) {
            guard let found = try entry(key), !found.0.isEmpty else {
                throw ConfigError(at: kindEntry?.1 ?? doc.get(s, "readiness_notify")?.location, section: s, option: key,
                                  reason: "readiness=\(r.kind.rawValue) needs \(key)",
                                  hint: "add \(key)=… or choose another readiness kind")
            }
            return found
        }
        switch r.kind {
        case .none, .notify: break
        case .exec:
            let (v, loc) = try required("readiness_command")
            r.probe = .exec(command: try checkedCommand(v, loc, s, "readiness_command"))
        case .tcp:
            let (v, loc) = try required("readiness_tcp")
            r.probe = .tcp(try convert(v, loc, s, "readiness_tcp") { v throws(ValueError) in try TCPEndpoint.parse(v, option: "readiness_tcp") })
        case .http:
            let (v, loc) = try required("readiness_url")
            r.probe = .http(try convert(v, loc, s, "readiness_url") { v throws(ValueError) in try HTTPCheckURL.parse(v, option: "readiness_url") })
        case .fd:
            _ = try required("readiness_fd")
            r.fd = try int("readiness_fd", 3, HealthLimits.readinessFD)
        case .log:
            let (v, loc) = try required("readiness_log")
            do {
                _ = try LineRegex(v)
            } catch {
                throw ConfigError(at: loc, section: s, option: "readiness_log",
                                  reason: "\(ValueTypes.quoted(v)) is not a supported regular expression (\(error))",
                                  hint: "use literals, . * + ? [...] [^...] ^ $ \\d \\w \\s | (...) (docs/dependencies.md), e.g. readiness_log=listening on \\d+")
            }
            r.logPattern = v
        }
        r.interval = try int("readiness_interval", 1, HealthLimits.interval)
        r.timeout = try int("readiness_timeout", 1, HealthLimits.timeout)
        r.startPeriod = try int("readiness_start_period", 60, HealthLimits.startPeriod)
        return r
    }

    private func readLiveness(_ s: String, entry: (String) throws(ConfigError) -> (String, SourceLocation)?,
                              int: (String, Int, ClosedRange<Int>) throws(ConfigError) -> Int) throws(ConfigError) -> LivenessConfig? {
        guard let (v, loc) = try entry("liveness"), !v.isEmpty, v.lowercased() != "none" else { return nil }
        guard let kind = LivenessKind(rawValue: v.lowercased()) else {
            throw ConfigError(at: loc, section: s, option: "liveness", reason: "\(ValueTypes.quoted(v)) is not a liveness kind",
                              hint: "use one of \(LivenessKind.allCases.map(\.rawValue).joined(separator: ", ")), e.g. liveness=http")
        }
        let key = ["exec": "liveness_command", "tcp": "liveness_tcp", "http": "liveness_url"][kind.rawValue]!
        guard let (text, at) = try entry(key), !text.isEmpty else {
            throw ConfigError(at: loc, section: s, option: key, reason: "liveness=\(kind.rawValue) needs \(key)",
                              hint: "add \(key)=… or remove liveness")
        }
        let probe: HealthProbe
        switch kind {
        case .exec: probe = .exec(command: try checkedCommand(text, at, s, key))
        case .tcp: probe = .tcp(try convert(text, at, s, key) { v throws(ValueError) in try TCPEndpoint.parse(v, option: key) })
        case .http: probe = .http(try convert(text, at, s, key) { v throws(ValueError) in try HTTPCheckURL.parse(v, option: key) })
        }
        var l = LivenessConfig(kind: kind, probe: probe)
        l.interval = try int("liveness_interval", 10, HealthLimits.interval)
        l.timeout = try int("liveness_timeout", 1, HealthLimits.timeout)
        l.failures = try int("liveness_failures", 3, HealthLimits.failures)
        return l
    }

    /// A check's command is split like `command=` when it runs; refuse one that cannot be.
    private func checkedCommand(_ v: String, _ loc: SourceLocation, _ s: String, _ key: String) throws(ConfigError) -> String {
        do {
            guard !(try splitCommandLine(v)).isEmpty else { throw ShellWordsError.noClosingQuotation }
        } catch {
            throw ConfigError(at: loc, section: s, option: key, reason: "\(ValueTypes.quoted(v)) cannot be split into a command line",
                              hint: "write a command as for command=, e.g. \(key)=pg_isready -h 127.0.0.1")
        }
        return v
    }

    /// Whether `grp:x` could name a process: `grp` is a section. Only used
    /// to tell a bad condition (`db:bogus`) from a process name.
    static func namesSomething(_ text: String, doc: INIDocument) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return ["group", "program", "fcgi-program"].contains { doc.hasSection("\($0):\(parts[0])") }
    }
}
