// The supervision API: the one narrow, named set of calls every front end
// drives (the SWV1 line protocol today; XML-RPC, event listeners and the web
// page next). A front end translates its wire into these calls and their
// results back; none of them touches the process table, which only the
// Supervisor holds. Results are the core's values (`NameResult`,
// `ProcessSnapshot`, `ConfigChange`, `ConfigInfo`, `ControlFault`), whose
// rules live in `Sources/SwiftvisorCore/Verbs` and `.../Control/NameResolution`.
// Every call runs on the event loop thread.
import SwiftvisorCore
import SwiftvisorOS

protocol Supervision: AnyObject {
    /// False while stopping to exit or to reload: every call below that acts
    /// on processes must then be answered SHUTDOWN_STATE (supervisord's mood check).
    var isServing: Bool { get }

    /// Every process, in the table's order (status, getAllProcessInfo).
    func snapshots() -> [ProcessSnapshot]
    /// Every process's and the daemon's figures for `/metrics`, /proc read
    /// now (docs/metrics.md).
    func metrics() -> MetricsSample
    /// Start the named processes (`all`, `g:*`, `g:p`); with `wait`, each
    /// result comes once RUNNING or failed. `done` is called exactly once.
    func start(_ names: [String], wait: Bool, done: @escaping ([NameResult]) -> Void)
    /// The same; with `noDeps`, dependencies are neither started nor waited
    /// for (`start --no-deps`, docs/dependencies.md).
    func start(_ names: [String], wait: Bool, noDeps: Bool, done: @escaping ([NameResult]) -> Void)
    /// Stop the named processes; each result once it is stopped (with
    /// `wait` false: once the stop signal is sent).
    func stop(_ names: [String], wait: Bool, done: @escaping ([NameResult]) -> Void)
    /// Stop, then start again (supervisorctl's restart); stop results first.
    func restart(_ names: [String], done: @escaping ([NameResult]) -> Void)
    /// Send `signal` (a name or number) to each named process.
    func signal(_ signal: String, _ names: [String]) -> [NameResult]
    /// Write `data` to one process's stdin; nil when written.
    func writeStdin(_ name: String, _ data: [UInt8]) -> ControlFault?
    /// Empty the named processes' log files.
    func clearLogs(_ names: [String]) -> [NameResult]
    /// The log file of `target`, to read (readProcessLog, readLog: a front end
    /// reads it with `LogReader`, bounded, as its client takes the bytes) or
    /// to follow (tail -f). BAD_NAME for an unknown process, NO_FILE for a
    /// channel without a log file.
    func logPath(_ target: FollowTarget) -> Result<String, ControlFault>
    /// Empty the main log (supervisord's clearLog): NO_FILE without one.
    func clearMainLog() -> ControlFault?
    /// `[supervisord] identifier=` of the running configuration (getIdentification).
    var identifier: String { get }
    /// Read the config again and say what differs from what runs (reread, update).
    func reread() -> Result<[ConfigChange], ControlFault>
    /// Processes of the config last read, in `avail` order.
    func availableProcesses() -> [ConfigInfo]
    /// Add a group of the config last read / remove a stopped group.
    func addGroup(_ name: String) -> NameResult
    func removeGroup(_ name: String) -> NameResult
    /// Reload on the config as it is now: refused (nothing touched) when it
    /// does not load. `accepted` runs before anything stops (so a reply can go out first).
    func reload(accepted: @escaping () -> Void) -> ControlFault?
    /// Stop everything in shutdown order, then exit. `accepted` runs before anything stops.
    func shutdown(accepted: () -> Void)
    /// A REMOTE_COMMUNICATION event (`sendRemoteCommEvent`) for every pool
    /// subscribed to it; nothing is built when none is. Allowed while
    /// stopping, as supervisord allows it (its one exception to the mood check).
    func sendRemoteCommunication(type: String, data: String)
}

extension Daemon: Supervision {
    var isServing: Bool { lifecycle.isRunning }

    func snapshots() -> [ProcessSnapshot] { supervisor.snapshots() }

    func metrics() -> MetricsSample {
        let own = ProcFS.usage(of: PidFile.currentPID)
        let openFDs = own?.openFDs ?? ProcFS.openDescriptorCount()
        let processes = supervisor.metrics(openDescriptors: openFDs)
        let events = self.events.eventCounts
        let daemon = DaemonMetrics(
            pid: Int(PidFile.currentPID), start: Int(startedAt), now: Int(scheduler.wallNow()),
            residentBytes: own?.residentBytes, cpuSeconds: own?.cpuSeconds, openFDs: openFDs,
            connections: control?.connectionCount ?? 0, eventsDelivered: events.delivered, eventsDropped: events.dropped)
        return MetricsSample(daemon: daemon, processes: processes)
    }

    func start(_ names: [String], wait: Bool, done: @escaping ([NameResult]) -> Void) {
        supervisor.start(names, wait: wait, done: done)
    }

    func start(_ names: [String], wait: Bool, noDeps: Bool, done: @escaping ([NameResult]) -> Void) {
        supervisor.start(names, wait: wait, noDeps: noDeps, done: done)
    }

    func stop(_ names: [String], wait: Bool, done: @escaping ([NameResult]) -> Void) {
        supervisor.stop(names, wait: wait, done: done)
    }

    func clearMainLog() -> ControlFault? {
        log.clear() ? nil : ControlFault(.noFile)
    }

    var identifier: String { supervisor.config.supervisord.identifier }

    func restart(_ names: [String], done: @escaping ([NameResult]) -> Void) { supervisor.restart(names, done: done) }

    func signal(_ signal: String, _ names: [String]) -> [NameResult] { supervisor.signal(signal, names) }

    func writeStdin(_ name: String, _ data: [UInt8]) -> ControlFault? { supervisor.writeStdin(name, data) }

    func clearLogs(_ names: [String]) -> [NameResult] { supervisor.clearLogs(names) }

    func logPath(_ target: FollowTarget) -> Result<String, ControlFault> {
        switch target {
        case .mainLog:
            guard let path = log.path else { return .failure(ControlFault(.noFile, "supervisord")) }
            return .success(path)
        case .process(let name, let channel):
            return supervisor.logPath(name, channel)
        }
    }

    func reread() -> Result<[ConfigChange], ControlFault> {
        switch launch.loadConfig() {
        case .failure(let error):
            return .failure(ControlFault(.cantReread, error.description))
        case .success(let newConfig):
            available = newConfig
            return .success(ConfigDiff.changes(running: supervisor.config.groups, proposed: newConfig.groups))
        }
    }

    func availableProcesses() -> [ConfigInfo] {
        let active = Set(supervisor.config.groups.map(\.name))
        return StartOrder.avail(available.groups).map { g, pc in
            // The paths the running group resolved (AUTO logs are named when a group is created).
            let running = active.contains(g.name) ? supervisor.byNamespec[pc.namespec] : nil
            return ConfigInfo(group: g.name, name: pc.name, inuse: active.contains(g.name),
                              autostart: pc.autostart, groupPriority: g.priority, processPriority: pc.priority,
                              extra: ConfigInfo.supervisordFields(pc, stdoutLogfile: running.map { $0.stdoutPath ?? "none" },
                                                                  stderrLogfile: running.map { $0.stderrPath ?? "none" }))
        }
    }

    func addGroup(_ name: String) -> NameResult {
        if supervisor.config.groups.contains(where: { $0.name == name }) {
            return NameResult(group: name, name: nil, code: .alreadyAdded, description: ControlFault(.alreadyAdded, name).message)
        }
        guard let group = available.groups.first(where: { $0.name == name }) else {
            return NameResult(group: name, name: nil, code: .badName, description: ControlFault(.badName, name).message)
        }
        return supervisor.addGroup(group)
    }

    func removeGroup(_ name: String) -> NameResult { supervisor.removeGroup(name) }

    func reload(accepted: @escaping () -> Void) -> ControlFault? {
        // Read once: refuse a broken config before answering, reload on the
        // config just read (not a second read that could differ).
        let result = launch.loadConfig()
        if case .failure(let error) = result {
            feedLifecycle(.configRead(result, table: supervisor.lifecycleTable()))  // logs the refusal
            return ControlFault(.cantReread, error.description)
        }
        accepted()
        scheduler.deferToNextRound { [weak self] in
            guard let self else { return }
            self.feedLifecycle(.configRead(result, table: self.supervisor.lifecycleTable()))
        }
        return nil
    }

    func shutdown(accepted: () -> Void) {
        accepted()
        scheduler.deferToNextRound { [weak self] in self?.requestShutdown() }
    }

    func sendRemoteCommunication(type: String, data: String) {
        if events.wants(.remoteCommunication) { events.publish(.remoteCommunication(type: type, data: data)) }
    }
}
