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

    /// The text of one scrape, written straight into one byte buffer
    /// reserved up front: each process's `group="…",name="…"` is escaped
    /// once, numbers are written as digits in place, and no String is built
    /// per line (a scrape of 1,000 processes is about 20,000 lines; building
    /// a String for each label set and value cost more than the rest of the
    /// worker's work, docs/benchmarks.md).
    public static func render(_ sample: MetricsSample) -> [UInt8] {
        var out = Writer()
        // Fields are read as ps[i].x, never through a copy of the whole
        // ProcessMetrics (each copy retains and releases its strings).
        let ps = sample.processes
        let labels = ps.map(labelBytes)
        out.bytes.reserveCapacity(4096 + labels.reduce(0) { $0 + 26 * ($1.count + 60) })

        out.family("swiftvisor_process_state", "gauge", "1 for the state the process is in, 0 for the others (supervisord's states).")
        for i in ps.indices {
            let current = ps[i].statename
            for (k, state) in states.enumerated() {
                out.sample("swiftvisor_process_state", labels[i], stateLabels[k], current == state ? 1 : 0)
            }
        }
        out.family("swiftvisor_process_up", "gauge", "1 while the process is RUNNING.")
        for i in ps.indices { out.sample("swiftvisor_process_up", labels[i], ps[i].state == 20 ? 1 : 0) }
        out.family("swiftvisor_process_pid", "gauge", "The process's pid, 0 when it has none.")
        for i in ps.indices { out.sample("swiftvisor_process_pid", labels[i], ps[i].pid) }
        out.family("swiftvisor_process_start_time_seconds", "gauge", "When the process was last started, seconds since the epoch (0: never).")
        for i in ps.indices { out.sample("swiftvisor_process_start_time_seconds", labels[i], ps[i].start) }
        out.family("swiftvisor_process_uptime_seconds", "gauge", "Seconds since the last start while the process has a pid, else 0.")
        for i in ps.indices {
            let up = ps[i].pid > 0 && ps[i].start > 0 ? max(0, sample.daemon.now.subtractingReportingOverflow(ps[i].start).partialValue) : 0
            out.sample("swiftvisor_process_uptime_seconds", labels[i], up)
        }
        out.family("swiftvisor_process_starts_total", "counter", "Spawns since the daemon started.")
        for i in ps.indices { out.sample("swiftvisor_process_starts_total", labels[i], ps[i].starts) }
        out.family("swiftvisor_process_restarts_total", "counter", "Spawns the daemon made on its own (autorestart, a retry from BACKOFF).")
        for i in ps.indices { out.sample("swiftvisor_process_restarts_total", labels[i], ps[i].restarts) }
        out.family("swiftvisor_process_exits_total", "counter", "Exits since the daemon started, by exit code or signal name.")
        for i in ps.indices {
            for e in ps[i].exits { out.sample("swiftvisor_process_exits_total", labels[i], extraLabel("status", e.status), e.count) }
        }
        out.family("swiftvisor_process_cpu_seconds_total", "counter", "User and system CPU time of the running process (/proc/PID/stat).")
        for i in ps.indices { if let v = ps[i].cpuSeconds { out.sample("swiftvisor_process_cpu_seconds_total", labels[i], v) } }
        out.family("swiftvisor_process_resident_memory_bytes", "gauge", "Resident memory of the running process (/proc/PID/statm).")
        for i in ps.indices { if let v = ps[i].residentBytes { out.sample("swiftvisor_process_resident_memory_bytes", labels[i], v) } }
        out.family("swiftvisor_process_open_fds", "gauge", "Open descriptors of the running process (/proc/PID/fd).")
        for i in ps.indices { if let v = ps[i].openFDs { out.sample("swiftvisor_process_open_fds", labels[i], v) } }
        out.family("swiftvisor_log_written_bytes_total", "counter", "Bytes of a process's output written to its log file since the daemon started.")
        for i in ps.indices {
            for l in ps[i].logs { out.sample("swiftvisor_log_written_bytes_total", labels[i], channelLabels[l.channel] ?? [], l.written) }
        }
        out.family("swiftvisor_log_lost_bytes_total", "counter", "Bytes of a process's output that could not be written to its log file (a full disk).")
        for i in ps.indices {
            for l in ps[i].logs { out.sample("swiftvisor_log_lost_bytes_total", labels[i], channelLabels[l.channel] ?? [], l.lost) }
        }

        let d = sample.daemon
        out.family("swiftvisor_processes", "gauge", "Processes the daemon supervises.")
        out.sample("swiftvisor_processes", [], ps.count)
        out.family("swiftvisor_daemon_start_time_seconds", "gauge", "When the daemon started, seconds since the epoch.")
        out.sample("swiftvisor_daemon_start_time_seconds", [], d.start)
        if let v = d.cpuSeconds {
            out.family("swiftvisor_daemon_cpu_seconds_total", "counter", "User and system CPU time of the daemon.")
            out.sample("swiftvisor_daemon_cpu_seconds_total", [], v)
        }
        if let v = d.residentBytes {
            out.family("swiftvisor_daemon_resident_memory_bytes", "gauge", "Resident memory of the daemon.")
            out.sample("swiftvisor_daemon_resident_memory_bytes", [], v)
        }
        if let v = d.openFDs {
            out.family("swiftvisor_daemon_open_fds", "gauge", "Open descriptors of the daemon.")
            out.sample("swiftvisor_daemon_open_fds", [], v)
        }
        out.family("swiftvisor_daemon_connections", "gauge", "Open control connections (swiftvisorctl, HTTP clients through the worker).")
        out.sample("swiftvisor_daemon_connections", [], d.connections)
        out.family("swiftvisor_events_delivered_total", "counter", "Events event listeners acknowledged.")
        out.sample("swiftvisor_events_delivered_total", [], d.eventsDelivered)
        out.family("swiftvisor_events_dropped_total", "counter", "Events discarded because a pool's buffer was full.")
        out.sample("swiftvisor_events_dropped_total", [], d.eventsDropped)
        return out.bytes
    }

    /// `,state="RUNNING"` for each of `states`, built once.
    private static let stateLabels: [[UInt8]] = states.map { extraLabel("state", $0) }
    private static let channelLabels: [LogChannel: [UInt8]] =
        Dictionary(uniqueKeysWithValues: LogChannel.allCases.map { ($0, extraLabel("channel", $0.rawValue)) })

    /// `group="…",name="…"`, values escaped.
    static func labelBytes(_ p: ProcessMetrics) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + p.group.utf8.count + p.name.utf8.count)
        out += "group=\"".utf8
        appendEscaped(p.group, to: &out)
        out += "\",name=\"".utf8
        appendEscaped(p.name, to: &out)
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// `,key="value"`, the value escaped: a label after the process's own.
    static func extraLabel(_ key: String, _ value: String) -> [UInt8] {
        var out = Array(",\(key)=\"".utf8)
        appendEscaped(value, to: &out)
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// A label value as the format requires: `\`, `"` and newline escaped
    /// (all three ASCII, so escaping UTF-8 bytes is escaping the text).
    static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case UInt8(ascii: "\n"):
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "n"))
            default:
                out.append(b)
            }
        }
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func family(_ name: StaticString, _ type: StaticString, _ help: StaticString) {
            append("# HELP "); append(name); append(" "); append(help)
            append("\n# TYPE "); append(name); append(" "); append(type); append("\n")
        }

        mutating func sample(_ name: StaticString, _ labels: [UInt8], _ value: Int) {
            sample(name, labels, [], value)
        }

        /// `name{labels extra} value`: `extra` is a whole `,key="value"`.
        mutating func sample(_ name: StaticString, _ labels: [UInt8], _ extra: [UInt8], _ value: Int) {
            head(name, labels, extra)
            integer(value)
            bytes.append(UInt8(ascii: "\n"))
        }

        mutating func sample(_ name: StaticString, _ labels: [UInt8], _ value: Double) {
            head(name, labels, [])
            bytes += (value.isFinite ? String(value) : "NaN").utf8
            bytes.append(UInt8(ascii: "\n"))
        }

        private mutating func head(_ name: StaticString, _ labels: [UInt8], _ extra: [UInt8]) {
            append(name)
            if !labels.isEmpty || !extra.isEmpty {
                bytes.append(UInt8(ascii: "{"))
                bytes += labels
                bytes += extra
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: " "))
        }

        private mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes += $0 }
        }

        /// The decimal digits `String(value)` gives, without the String.
        private mutating func integer(_ value: Int) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var m = value.magnitude
            // UInt.max has 20 digits.
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &digits) { d in
                var n = 0
                repeat {
                    d[n] = UInt8(truncatingIfNeeded: m % 10) &+ UInt8(ascii: "0")
                    n += 1
                    m /= 10
                } while m > 0 && n < d.count
                while n > 0 {
                    n -= 1
                    bytes.append(d[n])
                }
            }
        }
    }
}
