// What a /metrics scrape reports, as values: one sample of every process and
// of the daemon, taken by the core when (and only when) the HTTP worker asks
// with the SWV1 `metrics` request (docs/protocol.md §3, docs/metrics.md).
// The core sends it as item lines (`pmetric`, `dmetric`); the worker decodes
// them here and renders them with `MetricsRenderer`.

/// One process's figures. nil: the daemon does not know it (no pid to read
/// /proc from, no log file).
public struct ProcessMetrics: Sendable, Equatable {
    public var group: String
    public var name: String
    /// supervisord's state code and name (20, `RUNNING`).
    public var state: Int
    public var statename: String
    public var pid: Int
    /// Wall-clock seconds of the last start, 0 if never.
    public var start: Int
    /// Spawns since the daemon started (each successful fork/exec).
    public var starts: Int
    /// Spawns the daemon made on its own: autorestart after an exit, a retry
    /// from BACKOFF (not those an operator or autostart asked for).
    public var restarts: Int
    /// Exits by status: `0`…`255` for an exit code, `SIGKILL` for a signal.
    public var exits: [ExitCount]
    /// From /proc/PID/stat (utime + stime), /proc/PID/statm and /proc/PID/fd.
    public var cpuSeconds: Double?
    public var residentBytes: Int?
    public var openFDs: Int?
    /// Per channel log: bytes written to the file, bytes lost (a full disk).
    public var logs: [LogCounters]

    public init(group: String, name: String, state: Int, statename: String, pid: Int = 0, start: Int = 0,
                starts: Int = 0, restarts: Int = 0, exits: [ExitCount] = [], cpuSeconds: Double? = nil,
                residentBytes: Int? = nil, openFDs: Int? = nil, logs: [LogCounters] = []) {
        self.group = group; self.name = name; self.state = state; self.statename = statename
        self.pid = pid; self.start = start; self.starts = starts; self.restarts = restarts; self.exits = exits
        self.cpuSeconds = cpuSeconds; self.residentBytes = residentBytes; self.openFDs = openFDs; self.logs = logs
    }
}

/// How often a process ended with one status.
public struct ExitCount: Sendable, Equatable {
    /// `0`…`255`, or a signal name (`SIGKILL`).
    public var status: String
    public var count: Int
    public init(_ status: String, _ count: Int) { self.status = status; self.count = count }

    /// The label value for an exit status.
    public static func label(_ status: ExitStatus) -> String {
        switch status {
        case .exited(let code): return String(code)
        case .signaled(let signal, _): return ExitStatus.signalName(signal)
        }
    }
}

/// One channel's log file counters.
public struct LogCounters: Sendable, Equatable {
    public var channel: LogChannel
    public var written: Int
    public var lost: Int
    public init(_ channel: LogChannel, written: Int, lost: Int) { self.channel = channel; self.written = written; self.lost = lost }
}

/// The daemon's own figures.
public struct DaemonMetrics: Sendable, Equatable {
    public var pid: Int
    /// Wall-clock seconds at which the daemon started.
    public var start: Int
    public var now: Int
    public var residentBytes: Int?
    public var cpuSeconds: Double?
    public var openFDs: Int?
    /// Open control connections (SWV1 sessions, the HTTP worker's included).
    public var connections: Int
    /// Events listeners acknowledged, and events a full pool buffer discarded.
    public var eventsDelivered: Int
    public var eventsDropped: Int

    public init(pid: Int, start: Int, now: Int, residentBytes: Int? = nil, cpuSeconds: Double? = nil, openFDs: Int? = nil,
                connections: Int = 0, eventsDelivered: Int = 0, eventsDropped: Int = 0) {
        self.pid = pid; self.start = start; self.now = now; self.residentBytes = residentBytes
        self.cpuSeconds = cpuSeconds; self.openFDs = openFDs; self.connections = connections
        self.eventsDelivered = eventsDelivered; self.eventsDropped = eventsDropped
    }
}

/// A whole scrape.
public struct MetricsSample: Sendable, Equatable {
    public var daemon: DaemonMetrics
    public var processes: [ProcessMetrics]
    public init(daemon: DaemonMetrics, processes: [ProcessMetrics]) { self.daemon = daemon; self.processes = processes }
}

// MARK: - Wire form (item lines of the `metrics` reply)

extension MetricsSample {
    /// `dmetric ...` first, then one `pmetric ...` per process.
    public var items: [ControlItem] {
        [daemon.item] + processes.map(\.item)
    }

    /// Decode a `metrics` reply; nil when the `dmetric` item is missing or a
    /// required field is not a number. Unknown items and keys are ignored.
    public init?(items: [ControlItem]) {
        var daemon: DaemonMetrics?
        var processes: [ProcessMetrics] = []
        for item in items {
            guard case .other(let type, let fields) = item else { continue }
            let f = Fields(fields)
            if type == "dmetric" {
                guard let pid = f.int("pid"), let start = f.int("start"), let now = f.int("now") else { return nil }
                daemon = DaemonMetrics(pid: pid, start: start, now: now, residentBytes: f.int("rss"),
                                       cpuSeconds: f.double("cpu"), openFDs: f.int("fds"),
                                       connections: f.int("connections") ?? 0,
                                       eventsDelivered: f.int("events_delivered") ?? 0,
                                       eventsDropped: f.int("events_dropped") ?? 0)
            } else if type == "pmetric" {
                guard let group = f.string("group"), let name = f.string("name"), let state = f.int("state") else { return nil }
                var logs: [LogCounters] = []
                for channel in LogChannel.allCases {
                    if let w = f.int("\(channel.rawValue)_written") {
                        logs.append(LogCounters(channel, written: w, lost: f.int("\(channel.rawValue)_lost") ?? 0))
                    }
                }
                processes.append(ProcessMetrics(
                    group: group, name: name, state: state, statename: f.string("statename") ?? "UNKNOWN",
                    pid: f.int("pid") ?? 0, start: f.int("start") ?? 0, starts: f.int("starts") ?? 0,
                    restarts: f.int("restarts") ?? 0, exits: Self.decodeExits(f.string("exits") ?? ""),
                    cpuSeconds: f.double("cpu"), residentBytes: f.int("rss"), openFDs: f.int("fds"), logs: logs))
            }
        }
        guard let daemon else { return nil }
        self.init(daemon: daemon, processes: processes)
    }

    /// `0:3,SIGKILL:1`; a malformed pair is skipped.
    static func decodeExits(_ text: String) -> [ExitCount] {
        text.split(separator: ",").compactMap { pair in
            guard let colon = pair.lastIndex(of: ":"), let n = Int(pair[pair.index(after: colon)...]), n >= 0 else { return nil }
            let status = pair[..<colon]
            guard !status.isEmpty else { return nil }
            return ExitCount(String(status), n)
        }
    }
}

extension DaemonMetrics {
    var item: ControlItem {
        var fs = [ControlField("pid", String(pid)), ControlField("start", String(start)), ControlField("now", String(now))]
        if let v = residentBytes { fs.append(ControlField("rss", String(v))) }
        if let v = cpuSeconds { fs.append(ControlField("cpu", String(v))) }
        if let v = openFDs { fs.append(ControlField("fds", String(v))) }
        fs += [ControlField("connections", String(connections)), ControlField("events_delivered", String(eventsDelivered)),
               ControlField("events_dropped", String(eventsDropped))]
        return .other(type: "dmetric", fields: fs)
    }
}

extension ProcessMetrics {
    var item: ControlItem {
        var fs = [ControlField("group", group), ControlField("name", name), ControlField("state", String(state)),
                  ControlField("statename", statename), ControlField("pid", String(pid)), ControlField("start", String(start)),
                  ControlField("starts", String(starts)), ControlField("restarts", String(restarts)),
                  ControlField("exits", exits.map { "\($0.status):\($0.count)" }.joined(separator: ","))]
        if let v = cpuSeconds { fs.append(ControlField("cpu", String(v))) }
        if let v = residentBytes { fs.append(ControlField("rss", String(v))) }
        if let v = openFDs { fs.append(ControlField("fds", String(v))) }
        for log in logs {
            fs.append(ControlField("\(log.channel.rawValue)_written", String(log.written)))
            fs.append(ControlField("\(log.channel.rawValue)_lost", String(log.lost)))
        }
        return .other(type: "pmetric", fields: fs)
    }
}

/// First value per key. A linear search: an item has about a dozen fields,
/// and hashing them into a dictionary for each of 1,000 items cost more
/// than the rest of the decoding.
private struct Fields {
    let fields: [ControlField]
    init(_ fields: [ControlField]) { self.fields = fields }
    private func value(_ k: String) -> [UInt8]? {
        for f in fields where f.key == k { return f.value }
        return nil
    }
    func string(_ k: String) -> String? { value(k).map { String(decoding: $0, as: UTF8.self) } }
    func int(_ k: String) -> Int? { value(k).flatMap { Int(String(decoding: $0, as: UTF8.self)) } }
    func double(_ k: String) -> Double? { value(k).flatMap { Double(String(decoding: $0, as: UTF8.self)) }.flatMap { $0.isFinite ? $0 : nil } }
}
