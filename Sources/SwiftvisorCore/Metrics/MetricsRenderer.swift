// A MetricsSample in Prometheus' text exposition format (version 0.0.4):
// `# HELP`/`# TYPE` once per family, then its samples, families never
// interleaved. Names follow Prometheus' conventions: the `swiftvisor_`
// prefix, base units in the name (`_seconds`, `_bytes`), `_total` on
// counters. docs/metrics.md lists every family.

public enum MetricsRenderer {
    /// The Content-Type Prometheus expects for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// supervisord's states in code order: the values of the `state` label.
    public static let states = ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"]

    public static func render(_ sample: MetricsSample) -> [UInt8] {
        var out = Writer()
        out.bytes.reserveCapacity(256 + sample.processes.count * 1400)
        let ps = sample.processes
        let labels = ps.map { "group=\"\(escape($0.group))\",name=\"\(escape($0.name))\"" }

        out.family("swiftvisor_process_state", "gauge", "1 for the state the process is in, 0 for the others (supervisord's states).")
        for (i, p) in ps.enumerated() {
            for state in states {
                out.sample("swiftvisor_process_state", labels[i] + ",state=\"\(state)\"", p.statename == state ? 1 : 0)
            }
        }
        out.family("swiftvisor_process_up", "gauge", "1 while the process is RUNNING.")
        for (i, p) in ps.enumerated() { out.sample("swiftvisor_process_up", labels[i], p.state == 20 ? 1 : 0) }
        out.family("swiftvisor_process_pid", "gauge", "The process's pid, 0 when it has none.")
        for (i, p) in ps.enumerated() { out.sample("swiftvisor_process_pid", labels[i], p.pid) }
        out.family("swiftvisor_process_start_time_seconds", "gauge", "When the process was last started, seconds since the epoch (0: never).")
        for (i, p) in ps.enumerated() { out.sample("swiftvisor_process_start_time_seconds", labels[i], p.start) }
        out.family("swiftvisor_process_uptime_seconds", "gauge", "Seconds since the last start while the process has a pid, else 0.")
        for (i, p) in ps.enumerated() {
            let up = p.pid > 0 && p.start > 0 ? max(0, sample.daemon.now.subtractingReportingOverflow(p.start).partialValue) : 0
            out.sample("swiftvisor_process_uptime_seconds", labels[i], up)
        }
        out.family("swiftvisor_process_starts_total", "counter", "Spawns since the daemon started.")
        for (i, p) in ps.enumerated() { out.sample("swiftvisor_process_starts_total", labels[i], p.starts) }
        out.family("swiftvisor_process_restarts_total", "counter", "Spawns the daemon made on its own (autorestart, a retry from BACKOFF).")
        for (i, p) in ps.enumerated() { out.sample("swiftvisor_process_restarts_total", labels[i], p.restarts) }
        out.family("swiftvisor_process_exits_total", "counter", "Exits since the daemon started, by exit code or signal name.")
        for (i, p) in ps.enumerated() {
            for e in p.exits { out.sample("swiftvisor_process_exits_total", labels[i] + ",status=\"\(escape(e.status))\"", e.count) }
        }
        out.family("swiftvisor_process_cpu_seconds_total", "counter", "User and system CPU time of the running process (/proc/PID/stat).")
        for (i, p) in ps.enumerated() { if let v = p.cpuSeconds { out.sample("swiftvisor_process_cpu_seconds_total", labels[i], v) } }
        out.family("swiftvisor_process_resident_memory_bytes", "gauge", "Resident memory of the running process (/proc/PID/statm).")
        for (i, p) in ps.enumerated() { if let v = p.residentBytes { out.sample("swiftvisor_process_resident_memory_bytes", labels[i], v) } }
        out.family("swiftvisor_process_open_fds", "gauge", "Open descriptors of the running process (/proc/PID/fd).")
        for (i, p) in ps.enumerated() { if let v = p.openFDs { out.sample("swiftvisor_process_open_fds", labels[i], v) } }
        out.family("swiftvisor_log_written_bytes_total", "counter", "Bytes of a process's output written to its log file since the daemon started.")
        for (i, p) in ps.enumerated() {
            for l in p.logs { out.sample("swiftvisor_log_written_bytes_total", labels[i] + ",channel=\"\(l.channel.rawValue)\"", l.written) }
        }
        out.family("swiftvisor_log_lost_bytes_total", "counter", "Bytes of a process's output that could not be written to its log file (a full disk).")
        for (i, p) in ps.enumerated() {
            for l in p.logs { out.sample("swiftvisor_log_lost_bytes_total", labels[i] + ",channel=\"\(l.channel.rawValue)\"", l.lost) }
        }

        let d = sample.daemon
        out.family("swiftvisor_processes", "gauge", "Processes the daemon supervises.")
        out.sample("swiftvisor_processes", "", ps.count)
        out.family("swiftvisor_daemon_start_time_seconds", "gauge", "When the daemon started, seconds since the epoch.")
        out.sample("swiftvisor_daemon_start_time_seconds", "", d.start)
        if let v = d.cpuSeconds {
            out.family("swiftvisor_daemon_cpu_seconds_total", "counter", "User and system CPU time of the daemon.")
            out.sample("swiftvisor_daemon_cpu_seconds_total", "", v)
        }
        if let v = d.residentBytes {
            out.family("swiftvisor_daemon_resident_memory_bytes", "gauge", "Resident memory of the daemon.")
            out.sample("swiftvisor_daemon_resident_memory_bytes", "", v)
        }
        if let v = d.openFDs {
            out.family("swiftvisor_daemon_open_fds", "gauge", "Open descriptors of the daemon.")
            out.sample("swiftvisor_daemon_open_fds", "", v)
        }
        out.family("swiftvisor_daemon_connections", "gauge", "Open control connections (swiftvisorctl, HTTP clients through the worker).")
        out.sample("swiftvisor_daemon_connections", "", d.connections)
        out.family("swiftvisor_events_delivered_total", "counter", "Events event listeners acknowledged.")
        out.sample("swiftvisor_events_delivered_total", "", d.eventsDelivered)
        out.family("swiftvisor_events_dropped_total", "counter", "Events discarded because a pool's buffer was full.")
        out.sample("swiftvisor_events_dropped_total", "", d.eventsDropped)
        return out.bytes
    }

    /// A label value as the format requires: `\`, `"` and newline escaped.
    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        var out = ""
        for ch in value.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func family(_ name: String, _ type: String, _ help: String) {
            bytes += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8
        }

        mutating func sample(_ name: String, _ labels: String, _ value: Int) {
            line(name, labels, String(value))
        }

        mutating func sample(_ name: String, _ labels: String, _ value: Double) {
            line(name, labels, value.isFinite ? String(value) : "NaN")
        }

        private mutating func line(_ name: String, _ labels: String, _ value: String) {
            bytes += name.utf8
            if !labels.isEmpty {
                bytes.append(UInt8(ascii: "{"))
                bytes += labels.utf8
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: " "))
            bytes += value.utf8
            bytes.append(UInt8(ascii: "\n"))
        }
    }
}
