// supervisord silently ignores keys and sections it does not know, so a typo
// such as `autorestar=true` quietly keeps the default. We accept them too,
// but list each one as a warning with its file and line.

enum KnownOptions {
    static let supervisord: Set<String> = [
        "logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "pidfile", "umask", "nodaemon", "silent",
        "minfds", "minprocs", "nocleanup", "childlogdir", "user", "directory", "strip_ansi", "environment", "identifier",
        "childlog_timestamps",
    ]
    static let program: Set<String> = {
        var s: Set<String> = [
            "command", "process_name", "numprocs", "numprocs_start", "priority", "autostart", "startsecs",
            "startretries", "autorestart", "exitcodes", "stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup",
            "user", "redirect_stderr", "environment", "directory", "umask", "serverurl",
        ]
        s.formUnion(swiftvisordOnly)
        for c in ["stdout", "stderr"] {
            for k in ["logfile", "logfile_maxbytes", "logfile_backups", "capture_maxbytes", "events_enabled", "syslog"] {
                s.insert("\(c)_\(k)")
            }
        }
        return s
    }()
    /// Program options only swiftvisord reads (supervisord ignores unknown
    /// keys, so a config using them still loads there): docs/configuration.md.
    static let swiftvisordOnly: Set<String> = Set(["cgroup", "stdout_logfile_timestamps", "stderr_logfile_timestamps"])
        .union(DependencyOptions.keys).union(DependencyOptions.listenerKeys)
    static let eventListener = program.union(["events", "buffer_size", "result_handler"])
    static let fcgiProgram = program.union(["socket", "socket_backlog", "socket_owner", "socket_mode"])
    static let group: Set<String> = ["programs", "priority"]
    static let unixServer: Set<String> = ["file", "chmod", "chown", "username", "password", "legacy_get_actions"]
    static let inetServer: Set<String> = ["port", "username", "password", "legacy_get_actions"]
    static let supervisorctl: Set<String> = ["serverurl", "username", "password", "prompt", "history_file"]
    static let include: Set<String> = ["files"]

    /// The keys a section understands; nil when any key is accepted (plugins);
    /// an empty set for a section supervisord does not know.
    static func keys(forSection name: String) -> Set<String>? {
        if name == "supervisord" { return supervisord }
        if name == "include" { return include }
        if name == "supervisorctl" { return supervisorctl }
        if name.hasPrefix("program:") { return program }
        if name.hasPrefix("eventlistener:") { return eventListener }
        if name.hasPrefix("fcgi-program:") { return fcgiProgram }
        if name.hasPrefix("group:") { return group }
        if name.hasPrefix("unix_http_server") { return unixServer }
        if name.hasPrefix("inet_http_server") { return inetServer }
        if name.hasPrefix("rpcinterface:") || name.hasPrefix("ctlplugin:") { return nil }
        return []
    }
}

extension ConfigReader {
    mutating func warnUnknown() {
        var allKnown = Set<String>()
        for section in doc.sections {
            guard let known = KnownOptions.keys(forSection: section.name) else { continue }
            allKnown.formUnion(known)
            if known.isEmpty {
                config.warnings.append(ConfigWarning(location: section.location,
                    message: "unknown section [\(section.name)] is ignored (supervisord ignores it too)", supervisordWarns: false))
                continue
            }
            for key in section.entries.keys where !known.contains(key) {
                config.warnings.append(ConfigWarning(location: section.entries[key]!.location,
                    message: "[\(section.name)] unknown option \"\(key)\" is ignored (supervisord ignores it too; a typo?)", supervisordWarns: false))
            }
            if section.name == "include", let files = section.entries["files"], files.location.file != path {
                config.warnings.append(ConfigWarning(location: files.location,
                    message: "[include] in an included file is ignored: includes do not nest", supervisordWarns: false))
            }
        }
        for key in doc.defaults.keys where !allKnown.contains(key) && !KnownOptions.program.contains(key) {
            config.warnings.append(ConfigWarning(location: doc.defaults[key]!.location,
                message: "[DEFAULT] option \"\(key)\" is not an option of any section", supervisordWarns: false))
        }
    }
}
