// The environment a child is spawned with, built in supervisord's order
// (process.py:311-322): the daemon's own environment, then SUPERVISOR_ENABLED,
// SUPERVISOR_SERVER_URL, SUPERVISOR_PROCESS_NAME, SUPERVISOR_GROUP_NAME, then
// the configured environment on top. The configured variables come last, so
// they may override the SUPERVISOR_* ones, exactly as supervisord allows.

public enum ChildEnvironment {
    /// `KEY=VALUE` strings for execve, in a stable order (daemon's order, then additions).
    /// `marker` (the crash-recovery identity, docs/security.md) is set last,
    /// so neither the daemon's environment nor `environment=` can change it.
    public static func build(daemonEnvironment: [(String, String)], serverURL: String?,
                             process: ProcessConfig, marker: (String, String)? = nil) -> [String] {
        var keys: [String] = []
        var values: [String: String] = [:]
        func set(_ k: String, _ v: String) {
            if values[k] == nil { keys.append(k) }
            values[k] = v
        }
        for (k, v) in daemonEnvironment { set(k, v) }
        set("SUPERVISOR_ENABLED", "1")
        if let serverURL { set("SUPERVISOR_SERVER_URL", serverURL) }
        set("SUPERVISOR_PROCESS_NAME", process.name)
        set("SUPERVISOR_GROUP_NAME", process.groupName)
        for variable in process.environment ?? [] { set(variable.key, variable.value) }
        if let marker { set(marker.0, marker.1) }
        return keys.map { "\($0)=\(values[$0]!)" }
    }

    /// The `PATH` used to find a command: the program's `environment=` PATH, else the daemon's.
    public static func searchPath(daemonEnvironment: [(String, String)], process: ProcessConfig) -> String? {
        if let p = process.environment?.last(where: { $0.key == "PATH" }) { return p.value }
        return daemonEnvironment.last(where: { $0.0 == "PATH" })?.1
    }

    /// `SUPERVISOR_SERVER_URL` (options.py:515-539): the program's `serverurl`, else the
    /// first unix server, else the first inet server, else none.
    public static func serverURL(for process: ProcessConfig, in config: Configuration) -> String? {
        if let url = process.serverurl { return url }
        if let unix = config.unixHTTPServers.first { return "unix://\(unix.file)" }
        if let inet = config.inetHTTPServers.first {
            let host = inet.host.isEmpty || inet.host == "*" ? "localhost" : inet.host
            return "http://\(host):\(inet.port)"
        }
        return nil
    }
}
