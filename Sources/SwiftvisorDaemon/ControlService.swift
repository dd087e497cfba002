// What control requests do to processes: supervisord's rpcinterface semantics
// (startProcess, stopProcess, signalProcess, reloadConfig, addProcessGroup ...)
// on top of the Supervisor. Replies that must wait (start waits for RUNNING,
// stop for STOPPED) are sent from state-change observers: nothing polls.
// Several processes of one request start or stop concurrently; results are
// returned in selection order.
import SwiftvisorCore
import SwiftvisorOS
import Glibc

/// The daemon's version, reported by `version`.
public let swiftvisordVersion = "0.1.0"

extension Daemon: ControlHandler {
    /// When a stopping process is first reported as still stopping (supervisord's wait poll).
    static let firstStopReport = 0.05

    public func perform(_ request: ControlRequest, peer: PeerCredentials, reply: @escaping (ControlResponse) -> Void) {
        guard supervisor.mood == .running else {
            reply(.fault(ControlFault(.shutdownState)))
            return
        }
        switch request {
        case .version:
            reply(.ok([.version(VersionInfo(supervisor: supervisordCompatibleVersion, server: "swiftvisord \(swiftvisordVersion)"))]))
        case .pid:
            reply(.ok([.pid(Int(PidFile.currentPID))]))
        case .status(let names):
            reply(.ok(NameResolution.statusItems(names, all: supervisor.processes.map(snapshot), unique: true)))
        case .start(let names, let wait):
            collect(NameResolution.select(names, from: processKeys()), reply: reply) { p, explicit, done in
                self.start(p, wait: wait, explicit: explicit, done: done)
            }
        case .stop(let names):
            collect(NameResolution.select(names, from: processKeys()), reply: reply) { p, explicit, done in
                self.stop(p, explicit: explicit, done: done)
            }
        case .signal(let name, let names):
            guard let sig = try? ValueTypes.signal(name, option: "signal") else {
                // supervisord checks the signal before the names (signalProcess → BAD_SIGNAL).
                let selections = NameResolution.select(names, from: processKeys())
                reply(.ok(selections.flatMap { selection -> [ControlItem] in
                    switch selection {
                    case .fault(let r): return [.result(r)]
                    case .process(let k): return [.result(NameResult(group: k.group, name: k.name, code: .badSignal, description: ControlFault(.badSignal, name).message))]
                    case .group(_, let keys), .all(let keys):
                        return keys.map { .result(NameResult(group: $0.group, name: $0.name, code: .badSignal, description: ControlFault(.badSignal, name).message)) }
                    }
                }))
                return
            }
            collect(NameResolution.select(names, from: processKeys()), reply: reply) { p, explicit, done in
                self.signal(p, sig, explicit: explicit, done: done)
            }
        case .clear(let names):
            collect(NameResolution.selectProcesses(names, from: processKeys()), reply: reply) { p, _, done in
                p.stdoutLog?.clear()
                p.stderrLog?.clear()
                done(self.result(p, .success))
            }
        case .sendStdin(let name, let data):
            reply(sendStdin(name, data))
        case .reread:
            switch launch.loadConfig() {
            case .failure(let error):
                reply(.fault(ControlFault(.cantReread, error.description)))
            case .success(let newConfig):
                available = newConfig
                reply(.ok(groupChanges(to: newConfig).map { .change($0) }))
            }
        case .add(let groups):
            reply(.ok(groups.map { .result(addGroup($0)) }))
        case .remove(let groups):
            reply(.ok(groups.map { .result(removeGroup($0)) }))
        case .avail:
            reply(.ok(availItems()))
        case .reload:
            // Read once: refuse a broken config before replying, reload on the
            // config just read (not a second read that could differ).
            switch launch.loadConfig() {
            case .failure(let error):
                log.error("reload refused, keeping the running configuration: \(error)")
                reply(.fault(ControlFault(.cantReread, error.description)))
            case .success(let newConfig):
                reply(.done)
                loop.deferToNextRound { [weak self] in self?.reload(to: newConfig) }
            }
        case .shutdown:
            reply(.done)
            loop.deferToNextRound { [weak self] in
                guard let self else { return }
                self.requestShutdown()
            }
        case .auth, .follow, .quit, .readLog, .readMainLog:
            reply(.fault(ControlFault(.badRequest, "handled by the server")))
        }
    }

    public func followTarget(_ target: FollowTarget) -> Result<String, ControlFault> {
        switch target {
        case .mainLog:
            guard let path = log.path else { return .failure(ControlFault(.noFile, "supervisord")) }
            return .success(path)
        case .process(let name, let channel):
            guard let key = NameResolution.process(name, in: processKeys()), let p = supervisor.byNamespec[key.namespec] else {
                return .failure(ControlFault(.badName, name))
            }
            guard let path = channel == .stdout ? p.stdoutPath : p.stderrPath else {
                return .failure(ControlFault(.noFile, name))
            }
            return .success(path)
        }
    }

    public func audit(_ line: String) { log.info(line) }

    // MARK: - Process table views

    /// Processes in supervisord's order: groups by (priority, name), processes by (priority, name).
    func processKeys() -> [ProcessKey] {
        orderedProcesses().map { ProcessKey(group: $0.groupName, name: $0.name) }
    }

    func orderedProcesses() -> [ManagedProcess] {
        let groups = StartOrder.groupsAscending(supervisor.config.groups)
        var result: [ManagedProcess] = []
        for g in groups {
            for pc in StartOrder.processesAscending(in: g) {
                if let p = supervisor.byNamespec[pc.namespec] { result.append(p) }
            }
        }
        return result
    }

    func snapshot(_ p: ManagedProcess) -> ProcessSnapshot {
        let m = p.machine
        let now = Supervisor.now()
        return ProcessSnapshot(
            name: p.name, group: p.groupName, state: m.state.rawValue, statename: m.state.name,
            pid: Int(m.pid), start: Int(m.laststart?.wall ?? 0), stop: Int(m.laststop?.wall ?? 0), now: Int(now.wall),
            spawnerr: m.spawnerr ?? "", exitstatus: m.exitStatus?.supervisorCode ?? 0,
            description: (m.state == .stopped ? supervisor.recovery?.note(p.namespec) : nil)
                ?? m.statusDescription(now: now, formatStopTime: LocalTime.stopTime),
            stdoutLogfile: p.stdoutPath ?? "", stderrLogfile: p.stderrPath ?? "",
            command: p.config.command, priority: p.config.priority, autostart: p.config.autostart,
            backoff: m.backoff,
            stdoutBytes: p.stdoutLog.map { Int($0.bytesWritten) },
            stderrBytes: p.stderrLog.map { Int($0.bytesWritten) },
            extra: supervisor.cgroupProcessCount(p).map { [ControlField("process_count", String($0))] } ?? [])
    }

    private func result(_ p: ManagedProcess, _ code: FaultCode, _ detail: String? = nil) -> NameResult {
        let description = code == .success ? "OK" : ControlFault(code, detail ?? p.namespec).message
        return NameResult(group: p.groupName, name: p.name, code: code, description: description)
    }

    /// Run `each` for every selected process (concurrently: each calls `done`
    /// when it is finished) and reply once all are done, in selection order.
    /// `explicit` is false for group/all selections, where supervisord skips
    /// processes the verb does not apply to instead of reporting them.
    private func collect(_ selections: [NameSelection], reply: @escaping (ControlResponse) -> Void,
                         _ each: @escaping (ManagedProcess, Bool, @escaping (NameResult?) -> Void) -> Void) {
        var slots: [NameResult?] = []
        var work: [(Int, ManagedProcess, Bool)] = []
        // Slot ranges of group/all selections: supervisord (make_allfunc) lists
        // their immediate results first (e.g. NO_FILE from the precheck), then the
        // waited ones in completion order; the order decides the ctl's exit code.
        var blocks: [Range<Int>] = []
        for selection in selections {
            switch selection {
            case .fault(let r):
                slots.append(r)
            case .process(let key):
                guard let p = supervisor.byNamespec[key.namespec] else { continue }
                work.append((slots.count, p, true))
                slots.append(nil)
            case .group(_, let keys), .all(let keys):
                let start = slots.count
                for key in keys {
                    guard let p = supervisor.byNamespec[key.namespec] else { continue }
                    work.append((slots.count, p, false))
                    slots.append(nil)
                }
                blocks.append(start..<slots.count)
            }
        }
        var outstanding = work.count
        var finished = Array(repeating: false, count: slots.count)
        for (i, _) in slots.enumerated() where slots[i] != nil { finished[i] = true }
        // When each slot completed: 0 = during its `each` call (immediate), else
        // 1 + the 50 ms round it finished in: supervisord polls waiting results
        // every 50 ms and lists those done in one round in priority order.
        var completion = Array(repeating: 0, count: slots.count)
        let started = EventLoop.now()
        var dispatching = true
        var replied = false
        func finish() {
            guard !replied, !dispatching, outstanding == 0 else { return }
            replied = true
            var ordered = slots
            for block in blocks {
                let sorted = block.sorted { (completion[$0], $0) < (completion[$1], $1) }
                for (dst, src) in zip(block, sorted) { ordered[dst] = slots[src] }
            }
            reply(.ok(ordered.compactMap { $0 }.map { .result($0) }))
        }
        for (index, p, explicit) in work {
            var inCall = true
            each(p, explicit) { result in
                guard !finished[index] else { return }
                finished[index] = true
                slots[index] = result
                if !inCall { completion[index] = 1 + Int((EventLoop.now() - started) / 0.05) }
                outstanding -= 1
                finish()
            }
            inCall = false
        }
        dispatching = false
        finish()
    }

    // MARK: - start / stop / signal

    private func start(_ p: ManagedProcess, wait: Bool, explicit: Bool, done: @escaping (NameResult?) -> Void) {
        let state = p.machine.state
        if state.isRunning {
            // Group and all selections skip running processes silently (make_allfunc).
            done(explicit ? result(p, .alreadyStarted) : nil)
            return
        }
        if state == .unknown {
            done(result(p, .failed, "\(p.namespec) is in an unknown process state"))
            return
        }
        if let recovery = supervisor.recovery, recovery.holds(p.namespec) {
            // Starting it now would run the program twice: the start (and its
            // reply) waits until the leftover of a previous daemon is gone.
            recovery.whenGone(p.namespec) { [weak self] in
                guard let self else { return }
                guard self.supervisor.mood == .running else { done(self.result(p, .abnormalTermination)); return }
                self.start(p, wait: wait, explicit: explicit, done: done)
            }
            return
        }
        // supervisord resolves the command before spawning: a missing or
        // non-executable file fails at once and leaves the state unchanged.
        do {
            _ = try CommandResolver.resolve(command: p.config.command,
                                            path: ChildEnvironment.searchPath(daemonEnvironment: supervisor.daemonEnvironment, process: p.config))
        } catch {
            switch error {
            case .notFound:
                done(result(p, .noFile, error.description)); return
            case .isDirectory, .notExecutable, .noPermission:
                done(result(p, .notExecutable, error.description)); return
            default:
                break  // unparsable or empty: the spawn reports it (spawnerr, BACKOFF)
            }
        }
        func verdict(_ state: ProcessState) -> NameResult?? {
            if p.machine.spawnerr != nil && state == .backoff { return .some(result(p, .spawnError)) }
            switch state {
            case .running: return .some(result(p, .success))
            case .starting: return .none
            default: return .some(result(p, .abnormalTermination))
            }
        }
        supervisor.feed(p, .start)
        if !wait {
            done(p.machine.spawnerr != nil ? result(p, .spawnError) : result(p, .success))
            return
        }
        if case .some(let r) = verdict(p.machine.state) {
            done(r)
            return
        }
        supervisor.observe(p) { state in
            guard case .some(let r) = verdict(state) else { return false }
            done(r)
            return true
        }
    }

    private func stop(_ p: ManagedProcess, explicit: Bool, done: @escaping (NameResult?) -> Void) {
        guard p.machine.state.isRunning else {
            done(explicit ? result(p, .notRunning) : nil)
            return
        }
        supervisor.feed(p, .stop)
        if p.machine.state == .unknown {
            done(result(p, .failed, p.machine.spawnerr ?? p.namespec))
            return
        }
        if p.machine.state.isStopped {
            done(result(p, .success))
            return
        }
        // supervisord's stopProcess reports a slow stop while the caller waits
        // (process.stop_report, from its first wait poll, then every 2 s): a
        // process that is gone within that first poll is never reported.
        var report: EventLoop.TimerID?
        func reportWaiting() {
            guard p.machine.state == .stopping else { return }
            log.info("waiting for \(p.name) to stop")
            report = loop.schedule(at: EventLoop.now() + 2) { reportWaiting() }
        }
        report = loop.schedule(at: EventLoop.now() + Self.firstStopReport) { reportWaiting() }
        supervisor.observe(p) { state in
            guard state.isStopped else { return false }
            if let report { self.loop.cancel(report) }
            done(self.result(p, .success))
            return true
        }
    }

    private func signal(_ p: ManagedProcess, _ sig: SignalSpec, explicit: Bool, done: @escaping (NameResult?) -> Void) {
        guard p.machine.state.isSignallable, p.machine.pid > 0 else {
            done(explicit ? result(p, .notRunning) : nil)
            return
        }
        if Glibc.kill(p.machine.pid, sig.number) != 0 && errno != ESRCH {
            done(result(p, .failed, "\(p.namespec): \(String(cString: strerror(errno)))"))
            return
        }
        done(result(p, .success))
    }

    // MARK: - Logs and stdin

    private func sendStdin(_ name: String, _ data: [UInt8]) -> ControlResponse {
        guard let key = NameResolution.process(name, in: processKeys()), let p = supervisor.byNamespec[key.namespec] else {
            return .fault(ControlFault(.badName, name))
        }
        guard p.machine.pid > 0, p.machine.state != .stopping else { return .fault(ControlFault(.notRunning, name)) }
        guard p.stdinFD >= 0 else { return .fault(ControlFault(.noFile, name)) }
        var offset = 0
        while offset < data.count {
            let n = data[offset...].withUnsafeBytes { Glibc.write(p.stdinFD, $0.baseAddress, $0.count) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            // A child that does not read its stdin: refuse rather than block the loop.
            return .fault(ControlFault(.failed, "\(name): stdin is full or closed"))
        }
        return .done
    }

    // MARK: - reread / add / remove / avail

    /// Group differences between the active groups and `newConfig` (diff_to_active).
    func groupChanges(to newConfig: Configuration) -> [ConfigChange] {
        let active = Dictionary(supervisor.config.groups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let proposed = Dictionary(newConfig.groups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [ConfigChange] = []
        for g in newConfig.groups {
            if let old = active[g.name] {
                if !GroupComparison.sameRuntime(old, g) { changes.append(ConfigChange(.changed, group: g.name)) }
            } else {
                changes.append(ConfigChange(.added, group: g.name))
            }
        }
        for g in supervisor.config.groups where proposed[g.name] == nil {
            changes.append(ConfigChange(.removed, group: g.name))
        }
        return changes.sorted { $0.group < $1.group }
    }

    private func addGroup(_ name: String) -> NameResult {
        if supervisor.config.groups.contains(where: { $0.name == name }) {
            return NameResult(group: name, name: nil, code: .alreadyAdded, description: ControlFault(.alreadyAdded, name).message)
        }
        guard let group = available.groups.first(where: { $0.name == name }) else {
            return NameResult(group: name, name: nil, code: .badName, description: ControlFault(.badName, name).message)
        }
        supervisor.config.groups.append(group)
        supervisor.config.groups = StartOrder.groupsAscending(supervisor.config.groups)
        supervisor.addGroups([group])
        for pc in group.processes where pc.autostart {
            if let p = supervisor.byNamespec[pc.namespec] { supervisor.feed(p, .start) }
        }
        return NameResult(group: name, name: nil, code: .success)
    }

    private func removeGroup(_ name: String) -> NameResult {
        guard supervisor.config.groups.contains(where: { $0.name == name }) else {
            return NameResult(group: name, name: nil, code: .badName, description: ControlFault(.badName, name).message)
        }
        let members = supervisor.processes.filter { $0.groupName == name }
        if members.contains(where: { !$0.machine.state.isStopped }) {
            return NameResult(group: name, name: nil, code: .stillRunning, description: ControlFault(.stillRunning, name).message)
        }
        for p in members {
            if let t = p.timer { loop.cancel(t); p.timer = nil }
            supervisor.removeProcess(p)
        }
        supervisor.config.groups.removeAll { $0.name == name }
        return NameResult(group: name, name: nil, code: .success)
    }

    private func availItems() -> [ControlItem] {
        let active = Set(supervisor.config.groups.map(\.name))
        return StartOrder.avail(available.groups).map { g, pc in
            ControlItem.config(ConfigInfo(group: g.name, name: pc.name, inuse: active.contains(g.name),
                                          autostart: pc.autostart, groupPriority: g.priority, processPriority: pc.priority))
        }
    }

}

/// Whether two group configs would run the same processes, ignoring where
/// they were written (a line moved in the file changes nothing) — supervisord
/// compares options only.
enum GroupComparison {
    static func sameRuntime(_ a: GroupConfig, _ b: GroupConfig) -> Bool {
        var a = a, b = b
        // Where a section sits in the file is not runtime config: an edit above it must not "change" it.
        a.location = nil
        b.location = nil
        for i in a.processes.indices { a.processes[i].location = nil }
        for i in b.processes.indices { b.processes[i].location = nil }
        return a == b
    }
}
