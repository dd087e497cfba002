// The state of one process as the control protocol carries it: supervisord's
// getProcessInfo dictionary plus what swiftvisor knows beyond it (for
// `status --json`). Named ProcessSnapshot, not ProcessInfo, because
// FoundationEssentials exports a ProcessInfo and the daemon may import both.

/// One process, as `status` reports it. Times are wall-clock seconds since the
/// epoch (0 = never), as supervisord's `start`/`stop`/`now`.
public struct ProcessSnapshot: Sendable, Equatable {
    /// Process name (`process_name`), unique in its group.
    public var name: String
    /// Group name.
    public var group: String
    /// supervisord's state code (0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF,
    /// 40 STOPPING, 100 EXITED, 200 FATAL, 1000 UNKNOWN).
    public var state: Int
    /// The state name supervisorctl prints (`RUNNING`).
    public var statename: String
    /// Pid, 0 when not running.
    public var pid: Int
    /// When the process was last started; 0 if never.
    public var start: Int
    /// When the process last stopped; 0 if never.
    public var stop: Int
    /// The daemon's clock when the snapshot was taken.
    public var now: Int
    /// Why the last spawn failed (`can't find command 'x'`), or empty.
    public var spawnerr: String
    /// Exit status of the last exit (supervisord's `exitstatus`).
    public var exitstatus: Int
    /// The status column text, computed by the daemon with
    /// `ProcessStateMachine.statusDescription` (`pid 42, uptime 0:00:05`, `Nov 22 11:50 AM`).
    public var description: String
    /// stdout log path, empty when none (supervisord's `logfile` is the same).
    public var stdoutLogfile: String
    /// stderr log path, empty when none.
    public var stderrLogfile: String

    // Beyond getProcessInfo, for `status --json`. Optional: a daemon that does
    // not know a value leaves it nil and it is not sent.
    /// The `command=` line.
    public var command: String?
    /// `priority=`.
    public var priority: Int?
    /// `autostart=`.
    public var autostart: Bool?
    /// Spawn attempts in the current start cycle (supervisord's `backoff`).
    public var backoff: Int?
    /// Bytes written to the stdout / stderr log since the daemon started.
    public var stdoutBytes: Int?
    public var stderrBytes: Int?
    /// Further facts, sent as extra `key=value` fields. Keys must be
    /// `[a-z0-9_]+` and must not repeat a field above.
    public var extra: [ControlField]

    public init(name: String, group: String, state: Int, statename: String, pid: Int = 0,
                start: Int = 0, stop: Int = 0, now: Int = 0, spawnerr: String = "",
                exitstatus: Int = 0, description: String = "",
                stdoutLogfile: String = "", stderrLogfile: String = "",
                command: String? = nil, priority: Int? = nil, autostart: Bool? = nil,
                backoff: Int? = nil, stdoutBytes: Int? = nil, stderrBytes: Int? = nil,
                extra: [ControlField] = []) {
        self.name = name; self.group = group; self.state = state; self.statename = statename
        self.pid = pid; self.start = start; self.stop = stop; self.now = now
        self.spawnerr = spawnerr; self.exitstatus = exitstatus; self.description = description
        self.stdoutLogfile = stdoutLogfile; self.stderrLogfile = stderrLogfile
        self.command = command; self.priority = priority; self.autostart = autostart
        self.backoff = backoff; self.stdoutBytes = stdoutBytes; self.stderrBytes = stderrBytes
        self.extra = extra
    }

    /// `group:name`, or `name` when both are equal (supervisord's make_namespec).
    public var namespec: String { NameResolution.namespec(group: group, process: name) }

    /// supervisord's STOPPED_STATES (STOPPED, EXITED, FATAL, UNKNOWN): status exits 3 for these.
    public var isStopped: Bool { state == 0 || state == 100 || state == 200 || state == 1000 }

    /// supervisord's RUNNING_STATES (STARTING, RUNNING, BACKOFF).
    public var isRunning: Bool { state == 10 || state == 20 || state == 30 }
}

/// One `key=value` of an item line, value as bytes (decoded).
public struct ControlField: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]
    public init(_ key: String, _ value: [UInt8]) { self.key = key; self.value = value }
    public init(_ key: String, _ value: String) { self.key = key; self.value = Array(value.utf8) }
    /// The value as text (invalid UTF-8 repaired).
    public var string: String { String(decoding: value, as: UTF8.self) }
}
