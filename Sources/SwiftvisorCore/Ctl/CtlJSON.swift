// `swiftvisorctl status --json`: one JSON document with every field the daemon
// sent, built with the shared JSONValue writer.

enum CtlJSON {
    static func status(_ infos: [ProcessSnapshot], errors: [NameResult]) -> String {
        let procs: [JSONValue] = infos.map { p in
            var fields: [(String, JSONValue)] = [
                ("name", .string(p.name)), ("group", .string(p.group)), ("namespec", .string(p.namespec)),
                ("state", .int(p.state)), ("statename", .string(p.statename)), ("pid", .int(p.pid)),
                ("start", .int(p.start)), ("stop", .int(p.stop)), ("now", .int(p.now)),
                ("spawnerr", .string(p.spawnerr)), ("exitstatus", .int(p.exitstatus)),
                ("description", .string(p.description)),
                ("stdout_logfile", .string(p.stdoutLogfile)), ("stderr_logfile", .string(p.stderrLogfile)),
            ]
            if let v = p.command { fields.append(("command", .string(v))) }
            if let v = p.priority { fields.append(("priority", .int(v))) }
            if let v = p.autostart { fields.append(("autostart", .bool(v))) }
            if let v = p.backoff { fields.append(("backoff", .int(v))) }
            if let v = p.stdoutBytes { fields.append(("stdout_bytes", .int(v))) }
            if let v = p.stderrBytes { fields.append(("stderr_bytes", .int(v))) }
            // Extra facts arrive as text; whole numbers are shown as numbers.
            for f in p.extra { fields.append((f.key, Int(f.string).map(JSONValue.int) ?? .string(f.string))) }
            return .object(fields)
        }
        let errs: [JSONValue] = errors.map { r in
            .object([("name", .string(r.name == nil ? r.group : (r.arg ?? r.namespec))),
                     ("error", .string(r.name == nil ? "no such group" : "no such process"))])
        }
        return JSONValue.object([("processes", .array(procs)), ("errors", .array(errs))]).serialized()
    }
}
