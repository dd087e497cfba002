// `swiftvisorctl status --json`: one JSON document with every field the daemon
// sent. Named CtlJSON to stay clear of any general JSON type in Core.

enum CtlJSON {
    static func status(_ infos: [ProcessSnapshot], errors: [NameResult]) -> String {
        var procs: [String] = []
        for p in infos {
            var fields: [(String, String)] = [
                ("name", string(p.name)), ("group", string(p.group)), ("namespec", string(p.namespec)),
                ("state", String(p.state)), ("statename", string(p.statename)), ("pid", String(p.pid)),
                ("start", String(p.start)), ("stop", String(p.stop)), ("now", String(p.now)),
                ("spawnerr", string(p.spawnerr)), ("exitstatus", String(p.exitstatus)),
                ("description", string(p.description)),
                ("stdout_logfile", string(p.stdoutLogfile)), ("stderr_logfile", string(p.stderrLogfile)),
            ]
            if let v = p.command { fields.append(("command", string(v))) }
            if let v = p.priority { fields.append(("priority", String(v))) }
            if let v = p.autostart { fields.append(("autostart", v ? "true" : "false")) }
            if let v = p.backoff { fields.append(("backoff", String(v))) }
            if let v = p.stdoutBytes { fields.append(("stdout_bytes", String(v))) }
            if let v = p.stderrBytes { fields.append(("stderr_bytes", String(v))) }
            for f in p.extra { fields.append((f.key, number(f.string) ?? string(f.string))) }
            procs.append("{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}")
        }
        let errs = errors.map { r -> String in
            let name = r.name == nil ? r.group : (r.arg ?? r.namespec)
            let error = r.name == nil ? "no such group" : "no such process"
            return "{\"name\":\(string(name)),\"error\":\(string(error))}"
        }
        return "{\"processes\":[" + procs.joined(separator: ",") + "],\"errors\":[" + errs.joined(separator: ",") + "]}"
    }

    /// A JSON number literal when `s` is a plain integer.
    static func number(_ s: String) -> String? {
        Int(s).map(String.init)
    }

    /// A JSON string literal.
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
