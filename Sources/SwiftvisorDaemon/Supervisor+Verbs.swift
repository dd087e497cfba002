// The supervisor's half of the supervision API: what the operator's verbs do
// to the process table. The rules (who is skipped, what each state answers,
// the order of a batch's results) are the core's `ProcessVerbRules` and
// `BatchResults`; this file performs them. Replies that must wait (start for
// RUNNING, stop for STOPPED) come from state observers: nothing polls.
import SwiftvisorCore
import SwiftvisorOS

extension Supervisor {
    /// When a stopping process is first reported as still stopping (supervisord's wait poll).
    static let firstStopReport = 0.05

    // MARK: - Views of the table

    /// Processes in supervisord's order: groups by (priority, name), processes by (priority, name).
    func orderedProcesses() -> [ManagedProcess] {
        var result: [ManagedProcess] = []
        for g in StartOrder.groupsAscending(config.groups) {
            for pc in StartOrder.processesAscending(in: g) {
                if let p = byNamespec[pc.namespec] { result.append(p) }
            }
        }
        return result
    }

    func processKeys() -> [ProcessKey] {
        orderedProcesses().map { ProcessKey(group: $0.groupName, name: $0.name) }
    }

    /// One process named as the single-process verbs name it (readlog, stdin, follow).
    func process(named name: String) -> ManagedProcess? {
        NameResolution.process(name, in: processKeys()).flatMap { byNamespec[$0.namespec] }
    }

    func snapshots() -> [ProcessSnapshot] {
        let now = self.now()
        return processes.map { snapshot($0, now: now) }
    }

    /// One process's status. `now` is read once per request; the machine's
    /// fields are read in place, one by one: a copy of the machine (config
    /// included) was most of the daemon's cost of `status` for 10,000
    /// processes, and passing it to a function, even `borrowing`, still copied it.
    func snapshot(_ p: ManagedProcess, now: Moment? = nil) -> ProcessSnapshot {
        let now = now ?? self.now()
        let state = p.machine.state
        let description = (state == .stopped ? recovery?.note(p.namespec) : nil) ?? waitDescription(p)
            ?? (state == .starting ? p.notifyStatus : nil)
            ?? ProcessStateMachine.statusDescription(
                state: state, pid: p.machine.pid, laststart: p.machine.laststart, laststop: p.machine.laststop,
                spawnerr: p.machine.spawnerr, name: p.machine.config.name, now: now, formatStopTime: LocalTime.stopTime)
        return ProcessSnapshot(
            name: p.name, group: p.groupName, state: state.rawValue, statename: state.name,
            pid: Int(p.machine.pid), start: Int(p.machine.laststart?.wall ?? 0), stop: Int(p.machine.laststop?.wall ?? 0), now: Int(now.wall),
            spawnerr: p.machine.spawnerr ?? "", exitstatus: p.machine.exitStatus?.supervisorCode ?? 0,
            description: description,
            stdoutLogfile: p.stdoutPath ?? "", stderrLogfile: p.stderrPath ?? "",
            command: p.machine.config.command, priority: p.machine.config.priority, autostart: p.machine.config.autostart,
            backoff: p.machine.backoff,
            stdoutBytes: p.stdoutLog.map { Int($0.bytesWritten) },
            stderrBytes: p.stderrLog.map { Int($0.bytesWritten) },
            extra: (cgroupProcessCount(p).map { [ControlField("process_count", String($0))] } ?? []) + healthFields(p))
    }

    /// Dependencies and checks (`status --json`, `health`); none for a
    /// process without these options.
    private func healthFields(_ p: ManagedProcess) -> [ControlField] {
        guard !p.machine.config.dependencies.isEmpty || p.machine.config.readiness.kind != .none
                || p.machine.config.liveness != nil else { return [] }
        let c = p.config
        let check = p.probe.map { HealthReport.Check(liveness: $0.purpose == .liveness, failures: $0.failures, last: $0.last, output: $0.lastOutput) }
        return HealthReport.fields(config: c, state: p.machine.state, waitingFor: waitDescription(p), check: check, notifyStatus: p.notifyStatus)
    }

    /// `/metrics`: each process's counters, and for a process with a pid its
    /// CPU, memory and descriptors from /proc, read now (docs/metrics.md).
    func metrics(openDescriptors: Int) -> [ProcessMetrics] {
        let running = processes.filter { $0.machine.pid > 0 }
        let usages = usageReader.usage(of: running.map(\.machine.pid), openDescriptors: openDescriptors)
        var usageByPid: [Int32: ProcFS.Usage] = [:]
        usageByPid.reserveCapacity(running.count)
        for (p, u) in zip(running, usages) { if let u { usageByPid[p.machine.pid] = u } }
        return processes.map { p in
            let m = p.machine
            let usage = m.pid > 0 ? usageByPid[m.pid] : nil
            var logs: [LogCounters] = []
            if let l = p.stdoutLog { logs.append(LogCounters(.stdout, written: Int(clamping: l.bytesWritten), lost: Int(clamping: l.droppedBytes))) }
            if let l = p.stderrLog { logs.append(LogCounters(.stderr, written: Int(clamping: l.bytesWritten), lost: Int(clamping: l.droppedBytes))) }
            return ProcessMetrics(
                group: p.groupName, name: p.name, state: m.state.rawValue, statename: m.state.name, pid: Int(m.pid),
                start: Int(m.laststart?.wall ?? 0), starts: p.starts, restarts: p.restarts,
                exits: p.exits.sorted { $0.key < $1.key }.map { ExitCount($0.key, $0.value) },
                cpuSeconds: usage?.cpuSeconds, residentBytes: usage?.residentBytes, openFDs: usage?.openFDs, logs: logs)
        }
    }

    private func result(_ p: ManagedProcess, _ code: FaultCode, _ detail: String? = nil) -> NameResult {
        ProcessVerbRules.result(ProcessKey(group: p.groupName, name: p.name), code, detail)
    }

    // MARK: - Batches

    /// Run `each` for every selected process (concurrently: each calls its
    /// completion when finished) and call `done` once, when all are, with the
    /// results in `BatchResults` order.
    func batch(_ selections: [NameSelection], done: @escaping ([NameResult]) -> Void,
               _ each: (ManagedProcess, Bool, @escaping (NameResult?) -> Void) -> Void) {
        var results = BatchResults(selections)
        var dispatching = true
        var replied = false
        var dispatchEnded = loop.now()
        func finishIfDone() {
            guard !replied, !dispatching, results.isComplete else { return }
            replied = true
            done(results.ordered)
        }
        for work in results.work {
            guard let p = byNamespec[work.key.namespec] else {
                results.complete(slot: work.slot, with: nil, round: 0)
                continue
            }
            var inCall = true
            each(p, work.explicit) { r in
                let round = BatchResults.round(elapsed: self.loop.now() - dispatchEnded, immediate: inCall)
                results.complete(slot: work.slot, with: r, round: round)
                finishIfDone()
            }
            inCall = false
        }
        dispatching = false
        dispatchEnded = loop.now()
        finishIfDone()
    }

    // MARK: - start / stop / restart / signal

    /// With `noDeps` (`start --no-deps`), dependencies are neither started
    /// nor waited for (docs/dependencies.md).
    func start(_ names: [String], wait: Bool, noDeps: Bool = false, done: @escaping ([NameResult]) -> Void) {
        batch(NameResolution.select(names, from: processKeys()), done: done) { p, explicit, finish in
            self.start(p, wait: wait, explicit: explicit, noDeps: noDeps, done: finish)
        }
    }

    func stop(_ names: [String], wait: Bool = true, done: @escaping ([NameResult]) -> Void) {
        let selections = NameResolution.select(names, from: processKeys())
        // Dependents stop before what they depend on (docs/dependencies.md);
        // with no dependency in the table every stop starts at once, as before.
        let blockers = DependencyGraph.isEmpty(config.groups) ? [:]
            : DependencyStopOrder.blockers(BatchResults(selections).work.map(\.key.namespec), groups: config.groups)
        batch(selections, done: done) { p, explicit, finish in
            guard let first = blockers[p.namespec] else { return self.stop(p, wait: wait, explicit: explicit, done: finish) }
            self.whenStopped(first) { self.stop(p, wait: wait, explicit: explicit, done: finish) }
        }
    }

    /// Run `then` once none of `names` is running or stopping any more.
    private func whenStopped(_ names: Set<String>, then: @escaping () -> Void) {
        func settled(_ s: ProcessState) -> Bool { !s.isRunning && s != .stopping }
        var left = Set(names.filter { byNamespec[$0].map { !settled($0.machine.state) } ?? false })
        guard !left.isEmpty else { return then() }
        for name in left {
            guard let q = byNamespec[name] else { continue }
            observe(q) { state in
                guard settled(state) else { return false }
                left.remove(name)
                if left.isEmpty { then() }
                return true
            }
        }
    }

    func signal(_ name: String, _ names: [String]) -> [NameResult] {
        let selections = NameResolution.select(names, from: processKeys())
        guard let sig = try? ValueTypes.signal(name, option: "signal") else {
            // supervisord checks the signal before the names (signalProcess → BAD_SIGNAL).
            return ProcessVerbRules.badSignal(name, selections) { key in
                guard let p = self.byNamespec[key.namespec] else { return false }
                return ProcessVerbRules.signal(p.machine.state, hasPid: p.machine.pid > 0, explicit: false) == .proceed
            }
        }
        var out: [NameResult] = []
        // Signalling never waits: every result is immediate.
        batch(selections, done: { out = $0 }) { p, explicit, finish in
            self.signal(p, sig, explicit: explicit, done: finish)
        }
        return out
    }

    func clearLogs(_ names: [String]) -> [NameResult] {
        var out: [NameResult] = []
        batch(NameResolution.selectProcesses(names, from: processKeys()), done: { out = $0 }) { p, _, finish in
            p.stdoutLog?.clear()
            p.stderrLog?.clear()
            finish(self.result(p, .success))
        }
        return out
    }

    private func start(_ p: ManagedProcess, wait: Bool, explicit: Bool, noDeps: Bool, done: @escaping (NameResult?) -> Void) {
        if pulledIn.contains(p.namespec) && (p.machine.state == .starting || gate.isWaiting(p.namespec)) {
            // Started a moment ago by a dependent named earlier in this same
            // `start`: report it as this start's own, as if named first.
            return gate.isWaiting(p.namespec) ? launchAfterDependencies(p, wait: wait, pullIn: false, done: done)
                                              : launch(p, wait: wait, done: done)
        }
        switch ProcessVerbRules.start(p.machine.state, namespec: p.namespec, explicit: explicit) {
        case .skip: return done(nil)
        case .result(let code, let detail): return done(result(p, code, detail))
        case .proceed: break
        }
        if let recovery, recovery.holds(p.namespec) {
            // Starting it now would run the program twice: the start (and its
            // reply) waits until the leftover of a previous daemon is gone.
            recovery.whenGone(p.namespec) { [weak self] in
                guard let self else { return }
                guard !self.stoppingAll else { return done(self.result(p, .abnormalTermination)) }
                self.start(p, wait: wait, explicit: explicit, noDeps: noDeps, done: done)
            }
            return
        }
        if !noDeps && !p.config.dependencies.isEmpty {
            return launchAfterDependencies(p, wait: wait, pullIn: true, done: done)
        }
        launch(p, wait: wait, done: done)
    }

    /// Dependencies first (pulled in when stopped), then this start; the
    /// reply waits for both, as startProcess(wait) waits for RUNNING.
    private func launchAfterDependencies(_ p: ManagedProcess, wait: Bool, pullIn: Bool, done: @escaping (NameResult?) -> Void) {
        whenDependenciesMet(p, pullIn: pullIn) { [weak self, unowned p] outcome in
            guard let self else { return }
            switch outcome {
            case .start:
                // Released while the dependency's step is being performed:
                // a `.start` fed now would only be queued, and the reply
                // judged on the old state. Launch on the next loop round.
                self.loop.deferToNextRound { [weak self, unowned p] in self?.launch(p, wait: wait, done: done) }
            case .failed, .cancelled: done(self.result(p, .abnormalTermination))
            }
        }
    }

    /// The start itself, once nothing is left to wait for. Released by the
    /// dependency gate, the process may already be STARTING (an autostart
    /// released with it): `.start` is then a no-op and the reply waits as usual.
    private func launch(_ p: ManagedProcess, wait: Bool, done: @escaping (NameResult?) -> Void) {
        // supervisord resolves the command before spawning: a missing or
        // non-executable file fails at once and leaves the state unchanged.
        do {
            _ = try CommandResolver.resolve(command: p.config.command,
                                            path: ChildEnvironment.searchPath(daemonEnvironment: daemonEnvironment, process: p.config))
        } catch {
            switch error {
            case .notFound:
                return done(result(p, .noFile, error.description))
            case .isDirectory, .notExecutable, .noPermission:
                return done(result(p, .notExecutable, error.description))
            default:
                break  // unparsable or empty: the spawn reports it (spawnerr, BACKOFF)
            }
        }
        feed(p, .start)
        if !wait {
            return done(result(p, ProcessVerbRules.startNoWaitOutcome(spawnFailed: p.machine.spawnerr != nil)))
        }
        if let code = ProcessVerbRules.startOutcome(p.machine.state, spawnFailed: p.machine.spawnerr != nil) {
            return done(result(p, code))
        }
        observe(p) { [unowned p] state in
            guard let code = ProcessVerbRules.startOutcome(state, spawnFailed: p.machine.spawnerr != nil) else { return false }
            done(self.result(p, code))
            return true
        }
    }

    private func stop(_ p: ManagedProcess, wait: Bool, explicit: Bool, done: @escaping (NameResult?) -> Void) {
        cancelWait(p.namespec)
        switch ProcessVerbRules.stop(p.machine.state, explicit: explicit) {
        case .skip: return done(nil)
        case .result(let code, let detail): return done(result(p, code, detail))
        case .proceed: break
        }
        feed(p, .stop)
        if let code = ProcessVerbRules.stopOutcome(p.machine.state, waited: false) {
            return done(result(p, code, code == .failed ? (p.machine.spawnerr ?? p.namespec) : nil))
        }
        // supervisord's stopProcess(wait=False): true once the signal is sent.
        if !wait { return done(result(p, .success)) }
        // supervisord's stopProcess reports a slow stop while the caller waits
        // (process.stop_report, from its first wait poll, then every 2 s): a
        // process that is gone within that first poll is never reported.
        var report: EventLoop.TimerID?
        func reportWaiting() {
            guard p.machine.state == .stopping else { return }
            log.info("waiting for \(p.name) to stop")
            report = loop.schedule(at: loop.now() + 2) { reportWaiting() }
        }
        report = loop.schedule(at: loop.now() + Self.firstStopReport) { reportWaiting() }
        observe(p) { [unowned p] state in
            guard let code = ProcessVerbRules.stopOutcome(state, waited: true) else { return false }
            if let report { self.loop.cancel(report) }
            done(self.result(p, code))
            return true
        }
    }

    /// supervisorctl's do_restart as one call: stop the names, then start
    /// them (waiting); the stop results, then the start results.
    func restart(_ names: [String], done: @escaping ([NameResult]) -> Void) {
        stop(names) { stopped in
            // The last stop completes inside a state observer, while the
            // machine's events are still being drained: start on the next
            // round, when the start is judged on the state it really caused.
            self.loop.deferToNextRound {
                self.start(names, wait: true) { started in done(stopped + started) }
            }
        }
    }

    private func signal(_ p: ManagedProcess, _ sig: SignalSpec, explicit: Bool, done: (NameResult?) -> Void) {
        switch ProcessVerbRules.signal(p.machine.state, hasPid: p.machine.pid > 0, explicit: explicit) {
        case .skip: return done(nil)
        case .result(let code, let detail): return done(result(p, code, detail))
        case .proceed: break
        }
        // Through the state machine like every operator action: it logs the
        // signal at debug level, and a failed kill(2) leaves it UNKNOWN.
        p.signalFailure = nil
        feed(p, .signal(sig))
        if let failure = p.signalFailure {
            return done(result(p, .failed, "\(p.namespec): \(failure)"))
        }
        done(result(p, .success))
    }

    // MARK: - stdin and logs

    func writeStdin(_ name: String, _ data: [UInt8]) -> ControlFault? {
        guard let p = process(named: name) else { return ControlFault(.badName, name) }
        if let code = ProcessVerbRules.writeStdin(p.machine.state, hasPid: p.machine.pid > 0, hasStdin: p.stdinFD >= 0) {
            return ControlFault(code, name)
        }
        var offset = 0
        while offset < data.count {
            // Sys.write retries EINTR; EAGAIN (a full pipe) or EPIPE ends the write.
            let n = (try? data[offset...].withUnsafeBytes { (raw) throws(SystemError) in try Sys.write(p.stdinFD, raw) }) ?? 0
            if n > 0 { offset += n; continue }
            // A child that does not read its stdin: refuse rather than block the loop.
            return ControlFault(.failed, "\(name): stdin is full or closed")
        }
        return nil
    }

    /// The log file of a process channel: BAD_NAME for an unknown process,
    /// NO_FILE for a channel without one (`NONE`, stderr with redirect_stderr).
    func logPath(_ name: String, _ channel: LogChannel) -> Result<String, ControlFault> {
        guard let p = process(named: name) else { return .failure(ControlFault(.badName, name)) }
        guard let path = channel == .stdout ? p.stdoutPath : p.stderrPath else {
            // supervisord: RPCError(NO_FILE, None), no text after the name.
            return .failure(ControlFault(.noFile))
        }
        return .success(path)
    }

    // MARK: - Groups

    func addGroup(_ group: GroupConfig) -> NameResult {
        if config.groups.contains(where: { $0.name == group.name }) {
            return NameResult(group: group.name, name: nil, code: .alreadyAdded, description: ControlFault(.alreadyAdded, group.name).message)
        }
        // Kept in the order groups were added (supervisord's process_groups
        // dict): `update` removes them in that order. Every walk that needs
        // priority order sorts with StartOrder.
        config.groups.append(group)
        addGroups([group])
        for pc in group.processes where pc.startsAtLaunch {
            if let p = byNamespec[pc.namespec], !gate.isWaiting(pc.namespec), p.machine.state == .stopped { startWhenReady(p) }
        }
        return NameResult(group: group.name, name: nil, code: .success)
    }

    func removeGroup(_ name: String) -> NameResult {
        guard config.groups.contains(where: { $0.name == name }) else {
            return NameResult(group: name, name: nil, code: .badName, description: ControlFault(.badName, name).message)
        }
        let members = processes.filter { $0.groupName == name }
        if members.contains(where: { !$0.machine.state.isStopped }) {
            return NameResult(group: name, name: nil, code: .stillRunning, description: ControlFault(.stillRunning, name).message)
        }
        for p in members {
            cancelWait(p.namespec)
            if let t = p.timer { loop.cancel(t); p.timer = nil }
            removeProcess(p)
        }
        config.groups.removeAll { $0.name == name }
        closeFcgiSocket(name)
        events.removePool(name)
        if events.wants(.processGroupRemoved) { events.publish(.processGroup(name, added: false)) }
        return NameResult(group: name, name: nil, code: .success)
    }
}
