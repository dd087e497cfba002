// One [program:x]-like section → its processes (options.py
// _processes_from_section). Keys read once per section see here,
// program_name, group_name, host_node_name and ENV_*; keys read per process
// also see process_num, numprocs and the program's own environment as ENV_*.

extension ConfigReader {
    mutating func readProcesses(_ section: INISection, groupName: String, kind: GroupKind) throws(ConfigError) -> [ProcessConfig] {
        let s = section.name
        // Everything after the first ':' (section.split(':', 1)[1]); `[program:]` leaves "".
        let suffix = s.firstIndex(of: ":").map { String(s[s.index(after: $0)...]) } ?? ""
        let programName = try convert(suffix, section.location, s, "name") { v throws(ValueError) in try ValueTypes.name(v, what: "program name") }
        // supervisord mutates this one dict while looping over processes, so
        // names added for one process stay visible to the next; we do the same.
        var names = env
        names["here"] = .string(here)
        names["program_name"] = .string(programName)
        names["host_node_name"] = .string(hostNodeName)
        names["group_name"] = .string(groupName)

        func raw(_ key: String) -> INIEntry? { doc.get(s, key) }
        func value(_ key: String, _ names: [String: ExpansionValue]) throws(ConfigError) -> (String, SourceLocation)? {
            guard let e = raw(key) else { return nil }
            return (try expand(e, names: names, section: s, option: key), e.location)
        }
        func typed<T>(_ key: String, _ names: [String: ExpansionValue], default d: String,
                      _ body: (String) throws(ValueError) -> T) throws(ConfigError) -> T {
            let (v, loc) = try value(key, names) ?? (d, section.location)
            return try convert(v, loc, s, key, body)
        }
        func int(_ key: String, _ d: Int, _ names: [String: ExpansionValue]) throws(ConfigError) -> Int {
            try typed(key, names, default: String(d)) { v throws(ValueError) in try ValueTypes.integerOption(v, option: key) }
        }
        func bool(_ key: String, _ d: Bool, _ names: [String: ExpansionValue]) throws(ConfigError) -> Bool {
            try typed(key, names, default: d ? "true" : "false") { v throws(ValueError) in try ValueTypes.boolean(v, option: key) }
        }
        func bytes(_ key: String, _ d: String, _ names: [String: ExpansionValue]) throws(ConfigError) -> Int {
            try typed(key, names, default: d) { v throws(ValueError) in try ValueTypes.byteSize(v, option: key) }
        }

        var proto = ProcessConfig(name: programName, programName: programName, groupName: groupName, command: "")
        proto.location = section.location
        proto.priority = try int("priority", 999, names)
        proto.autostart = try bool("autostart", true, names)
        proto.autorestart = try typed("autorestart", names, default: "unexpected") { v throws(ValueError) in try ValueTypes.autorestart(v, option: "autorestart") }
        proto.startsecs = try int("startsecs", 1, names)
        proto.startretries = try int("startretries", 3, names)
        proto.stopsignal = try typed("stopsignal", names, default: "TERM") { v throws(ValueError) in try ValueTypes.signal(v, option: "stopsignal") }
        proto.stopwaitsecs = try int("stopwaitsecs", 10, names)
        proto.stopasgroup = try bool("stopasgroup", false, names)
        proto.killasgroup = try bool("killasgroup", proto.stopasgroup, names)
        proto.cgroup = try bool("cgroup", false, names)
        if let e = raw("cgroup") {
            config.extensions.append(ConfigWarning(location: e.location,
                message: "[\(s)] cgroup=\(proto.cgroup ? "true" : "false"): swiftvisord only (supervisord ignores it); each process runs in a cgroup of its own and stop ends every process in it", supervisordWarns: false))
        }
        try readDependencyOptions(section, names: names, into: &proto)
        proto.exitcodes = exitCodeLists.insert(
            try typed("exitcodes", names, default: "0") { v throws(ValueError) in try ValueTypes.exitcodes(v, option: "exitcodes") }).memberAfterInsert
        proto.redirectStderr = try bool("redirect_stderr", false, names)
        let numprocs = try int("numprocs", 1, names)
        let numprocsStart = try int("numprocs_start", 0, names)
        proto.numprocs = numprocs
        proto.numprocsStart = numprocsStart
        let environmentEntry = raw("environment")
        proto.stdout.captureMaxbytes = try bytes("stdout_capture_maxbytes", "0", names)
        proto.stdout.eventsEnabled = try bool("stdout_events_enabled", false, names)
        proto.stderr.captureMaxbytes = try bytes("stderr_capture_maxbytes", "0", names)
        proto.stderr.eventsEnabled = try bool("stderr_events_enabled", false, names)
        if let (v, _) = try value("serverurl", names) {
            proto.serverurl = PythonSyntax.strip(v).uppercased() == "AUTO" || v.isEmpty ? nil : v
        }
        if let (v, loc) = try value("user", names) {
            proto.user = try convert(v, loc, s, "user") { v throws(ValueError) in try ValueTypes.user(v, host: host) }
        }
        if let (v, loc) = try value("umask", names) {
            proto.umask = try convert(v, loc, s, "umask") { v throws(ValueError) in try ValueTypes.octal(v, option: "umask") }
        }
        let processNameEntry = raw("process_name")
        let processNameRaw = try convert(processNameEntry?.value ?? "%(program_name)s", processNameEntry?.location ?? section.location, s, "process_name") { v throws(ValueError) in try ValueTypes.name(v, what: "process name") }
        let processNameLocation = processNameEntry?.location ?? section.location
        if numprocs > 1 && !processNameRaw.contains("%(process_num)") {
            throw ConfigError(at: processNameLocation, section: s, option: "process_name",
                              reason: "numprocs is \(numprocs) but process_name \"\(processNameRaw)\" does not contain %(process_num)",
                              hint: "give each process its own name, e.g. process_name=%(program_name)s_%(process_num)02d")
        }
        if proto.stopasgroup && !proto.killasgroup {
            throw ConfigError(at: raw("killasgroup")?.location ?? section.location, section: s, option: "killasgroup",
                              reason: "stopasgroup=true cannot be combined with killasgroup=false",
                              hint: "remove killasgroup or set killasgroup=true")
        }

        var processes: [ProcessConfig] = []
        if numprocs > 0 {
            // Counted before any process is built, so memory stays bounded
            // however many sections ask for the maximum.
            processCount += numprocs
            if processCount > ConfigLimits.totalProcesses {
                throw ConfigError(at: raw("numprocs")?.location ?? section.location, section: s, option: "numprocs",
                                  reason: "the configuration defines more than \(ConfigLimits.totalProcesses) processes, the limit for one swiftvisord",
                                  hint: "lower numprocs or split the programs across several swiftvisord instances")
            }
            for processNum in numprocsStart..<(numprocsStart + numprocs) {
                var p = proto
                p.processNum = processNum
                names["process_num"] = .int(processNum)
                names["numprocs"] = .int(numprocs)
                for (k, v) in env { names[k] = v }
                if let e = environmentEntry {
                    let text = try expand(e, names: names, section: s, option: "environment")
                    let pairs = try convert(text, e.location, s, "environment") { v throws(ValueError) in try EnvironmentSyntax.parse(v) }
                    p.programEnvironment = pairs
                    if processNum == numprocsStart { warnIfLegacyEnvironmentDiffers(text, parsed: pairs, location: e.location, section: s) }
                    for pair in pairs { names["ENV_\(pair.key)"] = .string(pair.value) }
                }
                if let (v, _) = try value("directory", names) { p.directory = v }
                for channel in ["stdout", "stderr"] {
                    var log = channel == "stdout" ? p.stdout : p.stderr
                    let key = "\(channel)_logfile"
                    var name = LogfileName.auto
                    if let (v, loc) = try value(key, names) {
                        if processNum == numprocsStart { warnIfSecondExpansionDiffers(v, names: names, location: loc, section: s, option: key) }
                        name = try convert(v, loc, s, key) { v throws(ValueError) in try ValueTypes.logfileName(v, host: host) }
                    }
                    log.backups = try int("\(channel)_logfile_backups", 10, names)
                    log.maxbytes = try bytes("\(channel)_logfile_maxbytes", "50MB", names)
                    log.syslog = try bool("\(channel)_syslog", false, names)
                    let stampKey = "\(channel)_logfile_timestamps"
                    log.timestamps = try bool(stampKey, config.supervisord.childlogTimestamps, names)
                    if processNum == numprocsStart, let e = raw(stampKey) {
                        config.extensions.append(ConfigWarning(location: e.location,
                            message: "[\(s)] \(stampKey)=\(log.timestamps ? "true" : "false"): swiftvisord only (supervisord ignores it); each line of the log starts with the ISO 8601 time it was read", supervisordWarns: false))
                    }
                    switch name {
                    case .none: log.target = .none
                    case .auto: log.target = .auto
                    case .path(let path): log.target = .path(path)
                    case .syslog:
                        config.warnings.append(ConfigWarning(location: raw(key)?.location,
                            message: "For [\(s)], \(key)=syslog but this is deprecated and will be removed.  Use \(channel)_syslog=true to enable syslog instead."))
                        log.target = .none
                        log.syslog = true
                    }
                    if log.target == .auto && log.maxbytes == 0 {
                        config.warnings.append(ConfigWarning(location: raw("\(channel)_logfile_maxbytes")?.location,
                            message: "For [\(s)], AUTO logging used for \(key) without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"))
                    }
                    if channel == "stdout" { p.stdout = log } else { p.stderr = log }
                }
                if p.redirectStderr {
                    if case .path = p.stderr.target {
                        config.warnings.append(ConfigWarning(location: raw("stderr_logfile")?.location,
                            message: "For [\(s)], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"))
                    }
                    p.stderr.target = .none
                }
                guard let (command, _) = try value("command", names) else {
                    throw ConfigError(at: section.location, section: s, option: "command",
                                      reason: "is missing: every program needs a command",
                                      hint: "add a line such as command=/usr/bin/myapp --port 8000")
                }
                p.command = commands.insert(command).memberAfterInsert
                // supervisord 4.3.0 runs `[program:]` as a process named '' that no
                // supervisorctl command can name; we refuse it, after the checks
                // supervisord makes, so a section it rejects gets its error first.
                if programName.isEmpty { throw emptyName(section) }
                p.name = try expand(processNameRaw, at: processNameLocation, names: names, section: s, option: "process_name")
                // supervisord checks the name only before expansion; an expanded
                // value with ':' or '/' would break namespecs, so check it again.
                _ = try convert(p.name, processNameLocation, s, "process_name") { v throws(ValueError) in try ValueTypes.name(v, what: "process name") }
                if PythonSyntax.strip(p.name).isEmpty {
                    throw ConfigError(at: processNameLocation, section: s, option: "process_name",
                                      reason: "\"\(processNameRaw)\" expands to an empty name",
                                      hint: "give the process a name, e.g. process_name=%(program_name)s")
                }
                processes.append(p)
            }
        }
        if programName.isEmpty { throw emptyName(section) }
        // Homogeneous groups are ordered by (priority, name); all share the priority.
        processes.sort { a, b in a.priority != b.priority ? a.priority < b.priority : pythonLess(a.name, b.name) }
        // [supervisord] environment= sits under each program's own (read_config).
        for i in processes.indices {
            let global = config.supervisord.environment
            let own = processes[i].programEnvironment
            // An empty environment= is the same as none (supervisord keeps {} either way).
            if (global ?? []).isEmpty && (own ?? []).isEmpty { processes[i].environment = nil; continue }
            var merged = global ?? []
            for pair in own ?? [] {
                if let at = merged.firstIndex(where: { $0.key == pair.key }) { merged[at].value = pair.value } else { merged.append(pair) }
            }
            processes[i].environment = merged
        }
        return processes
    }

    /// `[program:]`, `[fcgi-program:]`, `[eventlistener:]`: the section names nothing.
    func emptyName(_ section: INISection) -> ConfigError {
        let kind = section.name.prefix { $0 != ":" }
        return ConfigError(at: section.location, section: section.name, option: "name",
                           reason: "the section has an empty name after '\(kind):'",
                           hint: "name it, e.g. [\(kind):web]")
    }
}
