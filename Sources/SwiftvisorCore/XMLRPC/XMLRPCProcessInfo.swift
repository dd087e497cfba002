// The structs supervisord returns about processes (supervisor/rpcinterface.py
// at 4.3.0): getProcessInfo's, getAllConfigInfo's and the result struct of
// group and "all" operations, with their keys in supervisord's order.

enum XMLRPCProcessInfo {
    /// getProcessInfo / getAllProcessInfo, keys in supervisord's order
    /// (`logfile` is the old name of `stdout_logfile`; Datadog's check needs it).
    static func info(_ p: ProcessSnapshot) -> XMLRPCValue {
        .structure([
            ("name", .string(p.name)), ("group", .string(p.group)),
            ("start", .int(p.start)), ("stop", .int(p.stop)), ("now", .int(p.now)),
            ("state", .int(p.state)), ("statename", .string(p.statename)),
            ("spawnerr", .string(p.spawnerr)), ("exitstatus", .int(p.exitstatus)),
            ("logfile", .string(p.stdoutLogfile)), ("stdout_logfile", .string(p.stdoutLogfile)),
            ("stderr_logfile", .string(p.stderrLogfile)),
            ("pid", .int(p.pid)), ("description", .string(p.description)),
        ])
    }

    /// `{name, group, status, description}` of make_allfunc.
    static func result(_ r: NameResult) -> XMLRPCValue {
        .structure([
            ("name", .string(r.name ?? "")), ("group", .string(r.group)),
            ("status", .int(r.code.rawValue)), ("description", .string(r.description)),
        ])
    }

    /// How each getAllConfigInfo key travels in a `config` item: the six
    /// typed fields and the extras of `ConfigInfo.supervisordFields`.
    enum Kind {
        case string, int, bool, intList
        /// An int, or Python's None sent as the text `none` (`uid`).
        case intOrNone
    }

    /// getAllConfigInfo's keys in supervisord 4.3.0's order.
    static let configKeys: [(String, Kind)] = [
        ("autostart", .bool), ("directory", .string), ("uid", .intOrNone), ("command", .string),
        ("exitcodes", .intList), ("group", .string), ("group_prio", .int), ("inuse", .bool),
        ("killasgroup", .bool), ("name", .string), ("process_prio", .int), ("redirect_stderr", .bool),
        ("startretries", .int), ("startsecs", .int),
        ("stdout_capture_maxbytes", .int), ("stdout_events_enabled", .bool), ("stdout_logfile", .string),
        ("stdout_logfile_backups", .int), ("stdout_logfile_maxbytes", .int), ("stdout_syslog", .bool),
        ("stopsignal", .int), ("stopwaitsecs", .int),
        ("stderr_capture_maxbytes", .int), ("stderr_events_enabled", .bool), ("stderr_logfile", .string),
        ("stderr_logfile_backups", .int), ("stderr_logfile_maxbytes", .int), ("stderr_syslog", .bool),
        ("serverurl", .string),
    ]

    /// One getAllConfigInfo struct. A key the core did not send is left out
    /// (an older core sends only the six typed fields).
    static func config(_ c: ConfigInfo) -> XMLRPCValue {
        var fields: [String: String] = [
            "group": c.group, "name": c.name, "inuse": c.inuse ? "1" : "0", "autostart": c.autostart ? "1" : "0",
            "group_prio": String(c.groupPriority), "process_prio": String(c.processPriority),
        ]
        for f in c.extra where fields[f.key] == nil { fields[f.key] = f.string }
        var members: [(String, XMLRPCValue)] = []
        for (key, kind) in configKeys {
            guard let text = fields[key] else { continue }
            switch kind {
            case .string: members.append((key, .string(text)))
            case .int: members.append((key, .int(Int(text) ?? 0)))
            case .intOrNone: members.append((key, Int(text).map { .int($0) } ?? .string(text)))
            case .bool: members.append((key, .bool(text == "1")))
            case .intList:
                let codes = text.split(separator: ",").compactMap { Int($0) }
                members.append((key, .array(codes.map { .int($0) })))
            }
        }
        return .structure(members)
    }
}
