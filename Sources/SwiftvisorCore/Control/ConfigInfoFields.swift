// The getAllConfigInfo keys a `config` item carries beyond its six typed
// fields (supervisor/rpcinterface.py getAllConfigInfo at 4.3.0), as flat
// `key=value` fields, so an XML-RPC front end can answer with every key
// supervisord returns. Types travel by name: `XMLRPCProcessInfo.configKeys` says which
// key is a boolean (`1`/`0`), an integer or the `exitcodes` list (`0,2`).

extension ConfigInfo {
    /// The extra fields of one process's `config` item. `stdoutLogfile` and
    /// `stderrLogfile` are the paths the running group resolved (AUTO named),
    /// nil when the group is not active: then the configured value is sent
    /// (`auto`, `none` or the path), as supervisord shows a config it has
    /// not instantiated.
    public static func supervisordFields(_ pc: ProcessConfig, stdoutLogfile: String?, stderrLogfile: String?) -> [ControlField] {
        func f(_ k: String, _ v: String) -> ControlField { ControlField(k, v) }
        func f(_ k: String, _ v: Int) -> ControlField { ControlField(k, String(v)) }
        func f(_ k: String, _ v: Bool) -> ControlField { ControlField(k, v ? "1" : "0") }
        // Python None becomes the string "none" in supervisord's answer.
        func logfile(_ active: String?, _ target: LogTarget) -> String {
            if let active { return active }
            switch target {
            case .none: return "none"
            case .auto: return "auto"
            case .path(let p): return p
            }
        }
        func channel(_ prefix: String, _ c: ChannelLogConfig, _ active: String?) -> [ControlField] {
            [f("\(prefix)_capture_maxbytes", c.captureMaxbytes), f("\(prefix)_events_enabled", c.eventsEnabled),
             f("\(prefix)_logfile", logfile(active, c.target)), f("\(prefix)_logfile_backups", c.backups),
             f("\(prefix)_logfile_maxbytes", c.maxbytes), f("\(prefix)_syslog", c.syslog)]
        }
        return [f("directory", pc.directory ?? "none"), f("uid", pc.user.map { String($0.uid) } ?? "none"),
                f("command", pc.command), f("exitcodes", pc.exitcodes.map(String.init).joined(separator: ",")),
                f("killasgroup", pc.killasgroup), f("redirect_stderr", pc.redirectStderr),
                f("startretries", pc.startretries), f("startsecs", pc.startsecs)]
            + channel("stdout", pc.stdout, stdoutLogfile)
            + [f("stopsignal", Int(pc.stopsignal.number)), f("stopwaitsecs", pc.stopwaitsecs)]
            + channel("stderr", pc.stderr, stderrLogfile)
            + [f("serverurl", pc.serverurl ?? "none")]
    }
}
