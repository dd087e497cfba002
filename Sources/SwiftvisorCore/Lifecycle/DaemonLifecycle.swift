/// The daemon's own life as a pure state machine: running; stopping every
/// process (to exit, or to start over on a new config); finished. The shell
/// (`Daemon`) feeds it signals, control requests, process state changes and
/// its report timer, and performs the actions it returns.
///
/// supervisord keeps this in `supervisord.py` (`runforever`: mood below
/// RUNNING → `ordered_stop_groups_phase_1/2`, `shutdown_report`) and
/// `handle_signal`; docs/state-machine.md describes the contract.
public struct DaemonLifecycle: Sendable {
    /// What happens once everything has stopped.
    public enum Ending: Sendable, Equatable {
        /// SIGTERM, SIGINT, SIGQUIT or `shutdown`: exit.
        case exit
        /// SIGHUP or `reload`: start again, same pid, on this config (already read and valid).
        case restart(Configuration)
    }

    public enum State: Sendable, Equatable {
        case running
        /// Stopping the groups one at a time, highest priority first.
        case stopping(then: Ending)
        case finished
    }

    /// The running groups (in the order they were added) and each process's
    /// state, taken when the stop begins.
    public struct Table: Sendable, Equatable {
        public var groups: [GroupConfig]
        public var states: [String: ProcessState]
        public init(groups: [GroupConfig], states: [String: ProcessState]) {
            self.groups = groups
            self.states = states
        }
    }

    public enum Event: Sendable, Equatable {
        /// SIGTERM/SIGINT/SIGQUIT (`signal` is its name, for the log line) or `shutdown` (nil).
        case exitRequested(signal: String?, table: Table)
        /// SIGHUP: the shell answers `.readConfig` with `.configRead`.
        case reloadSignalled
        /// The config, read for a SIGHUP or a `reload` request.
        case configRead(Result<Configuration, ConfigError>, table: Table)
        /// A process entered `state` (every state change is reported; only a stop uses them).
        case processStateChanged(namespec: String, to: ProcessState)
        /// The timer armed by `.armReportTimer` fired.
        case reportTimer
    }

    public enum Action: Sendable, Equatable {
        case log(LogLevel, String)
        /// Tell systemd (sd_notify): `STOPPING=1` or `RELOADING=1`.
        case notifyStopping
        case notifyReloading
        /// Read the config again (SIGHUP) and answer with `.configRead`.
        case readConfig
        /// No process may restart by itself from now on (supervisord's mood below RUNNING).
        case disableAutorestart
        /// Feed `.stop` to this process (it is neither stopped nor already stopping).
        case stop(namespec: String)
        case armReportTimer(at: Double)
        case cancelReportTimer
        /// Everything stopped: build a new process table on this config and autostart.
        case startOver(Configuration)
        /// Everything stopped: stop adopted descendants, clean up, exit 0.
        case exit
    }

    public private(set) var state: State = .running

    /// supervisord's `shutdown_report` repeats every 3 seconds.
    public static let reportInterval = 3.0

    // The stop in progress. Groups in shutdown order, each with its processes
    // in shutdown order; `remaining[i]` counts group i's unstopped processes,
    // so one state change costs O(1) however large the table.
    private var queue: [[ProcessKey]] = []
    private var head = 0
    private var remaining: [Int] = []
    private var groupOf: [String: Int] = [:]
    private var states: [String: ProcessState] = [:]
    /// Every process in table order, for the "waiting for … to die" line.
    private var reportOrder: [ProcessKey] = []

    private struct ProcessKey: Sendable, Equatable {
        var namespec: String
        var name: String
    }

    public init() {}

    /// Whether control requests that act on processes are served (supervisord
    /// answers SHUTDOWN_STATE once its mood is below RUNNING).
    public var isRunning: Bool { state == .running }

    public mutating func handle(_ event: Event, now: Double) -> [Action] {
        switch event {
        case .exitRequested(let signal, let table):
            var actions: [Action] = []
            // Logged every time, also while already stopping (supervisord's handle_signal).
            if let signal { actions.append(.log(.warn, "received \(signal) indicating exit request")) }
            switch state {
            case .running:
                actions.append(.notifyStopping)
                return actions + beginStopping(then: .exit, table: table, now: now)
            case .stopping(.restart):
                // A reload in progress becomes a shutdown: finish stopping, then exit.
                state = .stopping(then: .exit)
                return actions + [.notifyStopping]
            case .stopping(.exit), .finished:
                return actions
            }

        case .reloadSignalled:
            switch state {
            case .running, .stopping(.restart):
                // During a reload too: supervisord restarts on the file as it is
                // once everything stopped, so a newer valid config replaces ours.
                return [.log(.warn, "received SIGHUP indicating restart request"), .readConfig]
            case .stopping(.exit), .finished:
                return [.log(.warn, "ignored SIGHUP indicating restart request (shutdown in progress)")]
            }

        case .configRead(let result, let table):
            switch state {
            case .stopping(.exit), .finished:
                return []  // a shutdown came first: it wins
            case .running, .stopping(.restart):
                break
            }
            switch result {
            case .failure(let error):
                // supervisord would stop everything and exit on a broken config;
                // we keep running on the old one.
                return [.log(.error, "reload refused, keeping the running configuration: \(error)")]
            case .success(let config):
                if case .stopping = state {
                    state = .stopping(then: .restart(config))
                    return [.notifyReloading]
                }
                return [.notifyReloading] + beginStopping(then: .restart(config), table: table, now: now)
            }

        case .processStateChanged(let namespec, let to):
            guard case .stopping = state, let was = states[namespec], let gi = groupOf[namespec] else { return [] }
            states[namespec] = to
            if was.isStopped && !to.isStopped { remaining[gi] += 1 }
            if !was.isStopped && to.isStopped { remaining[gi] -= 1 }
            return advance(now: now)

        case .reportTimer:
            guard case .stopping = state else { return [] }
            return report(now: now)
        }
    }

    private mutating func beginStopping(then ending: Ending, table: Table, now: Double) -> [Action] {
        state = .stopping(then: ending)
        // One batch per group, highest priority first; with dependencies,
        // dependents are moved ahead of what they depend on (DependencyStopOrder).
        queue = DependencyStopOrder.shutdownBatches(table.groups).map { batch in
            batch.map { ProcessKey(namespec: $0.namespec, name: $0.name) }
        }
        head = 0
        states = table.states
        groupOf = [:]
        remaining = []
        for (i, members) in queue.enumerated() {
            var unstopped = 0
            for key in members {
                groupOf[key.namespec] = i
                if !(states[key.namespec] ?? .stopped).isStopped { unstopped += 1 }
            }
            remaining.append(unstopped)
        }
        reportOrder = table.groups.flatMap { $0.processes.map { ProcessKey(namespec: $0.namespec, name: $0.name) } }
        return [.disableAutorestart] + report(now: now) + advance(now: now, enteringHead: true)
    }

    /// Stop the head group; once it is fully stopped move to the next one; when
    /// none is left, end.
    private mutating func advance(now: Double, enteringHead: Bool = false) -> [Action] {
        var actions: [Action] = []
        var entering = enteringHead
        while head < queue.count {
            if entering {
                // stop_all: every process of the group at once, highest priority first.
                for key in queue[head] {
                    let s = states[key.namespec] ?? .stopped
                    if !s.isStopped && s != .stopping { actions.append(.stop(namespec: key.namespec)) }
                }
            }
            if remaining[head] > 0 { return actions }
            head += 1
            entering = true
        }
        guard case .stopping(let ending) = state else { return actions }
        queue = []; remaining = []; groupOf = [:]; states = [:]; reportOrder = []
        actions.append(.cancelReportTimer)
        switch ending {
        case .exit:
            state = .finished
            actions.append(.exit)
        case .restart(let config):
            state = .running
            actions.append(.startOver(config))
        }
        return actions
    }

    /// supervisord's `shutdown_report`: INFO `waiting for a, b to die`, again every 3 s.
    private func report(now: Double) -> [Action] {
        let unstopped = reportOrder.filter { !(states[$0.namespec] ?? .stopped).isStopped }.map(\.name)
        guard !unstopped.isEmpty else { return [] }
        return [.log(.info, "waiting for \(unstopped.joined(separator: ", ")) to die"),
                .armReportTimer(at: now + Self.reportInterval)]
    }
}
