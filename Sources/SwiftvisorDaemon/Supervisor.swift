// The supervisor: owns the process table and performs, through the OS layer,
// the actions the pure state machine returns. Everything runs on one thread,
// inside the event loop: child exits arrive as SIGCHLD through a signalfd and
// are reaped before any state is evaluated; timers fire exactly when a state
// machine asked for them; nothing polls.
import SwiftvisorCore
import SwiftvisorOS

public final class Supervisor {
    let loop: any EventScheduling
    let host: any ProcessHost
    public internal(set) var config: Configuration
    let log: MainLog
    /// Process records in start order: group order (priority, name), then process order.
    var processes: [ManagedProcess] = []
    var byNamespec: [String: ManagedProcess] = [:]
    var byPid: [Int32: ManagedProcess] = [:]
    /// The daemon's environment at start (`os.environ` in supervisord).
    let daemonEnvironment: [(String, String)]
    /// Reload: how to read the config again, and what to do once everything stopped.
    var reloadConfig: () -> Result<Configuration, ConfigError>
    /// Told of every state a process enters, after the log lines of the step
    /// that entered it (the daemon's lifecycle counts stopped processes).
    var onStateChanged: ((ManagedProcess, ProcessState) -> Void)?
    /// Called after any bytes were appended to a log file (tail -f followers).
    var onLogWritten: ((String) -> Void)?
    /// Crash recovery: the identities of live children, kept on disk.
    var childState: ChildStateFile?
    /// `cgroup=true` programs' cgroups (owned by the daemon, kept across reloads).
    var cgroups: ProgramCgroups?
    /// Leftovers of a SIGKILLed predecessor: their programs wait for them.
    var recovery: LeftoverRecovery?
    /// Everything is being stopped (shutdown or reload): nothing starts any more.
    private(set) var stoppingAll = false
    /// Starts waiting for their dependencies (Supervisor+Dependencies.swift).
    var gate = StartGate()
    var gateTimer: EventLoop.TimerID?
    var gateTimerDeadline: Double?
    /// What to do when a waiting start is released, failed or cancelled.
    var gateContinuations: [String: [(GateOutcome) -> Void]] = [:]
    /// Running `exec` checks: pid → what to do with its exit (Supervisor+Probes.swift).
    var checkChildren: [Int32: (ExitStatus) -> Void] = [:]
    /// Started this round because something depending on them started: a
    /// `start` batch that also names them reports them (Supervisor+Verbs).
    var pulledIn: Set<String> = []
    /// Names each NOTIFY_SOCKET uniquely (Supervisor+Readiness.swift).
    var notifySerial: UInt64 = 0
    /// Child log writers, one per path, shared by the processes that name it.
    let logFiles = SharedLogFiles()
    /// The /proc reads of `/metrics` and the web page, with the stat files
    /// it holds open between scrapes (ProcUsageReader).
    let usageReader = ProcUsageReader()
    /// Moves children's output into their log files (OutputRelay.swift).
    lazy var output: OutputRelay = {
        let relay = OutputRelay(loop: loop, log: log, stripAnsi: config.supervisord.stripAnsi,
                                onLogWritten: { [weak self] path in self?.onLogWritten?(path) })
        relay.wantsOutput = { [unowned self] p, channel in self.wantsOutput(p, channel) }
        relay.onOutput = { [unowned self] p, channel, bytes in self.childOutput(p, channel, bytes) }
        relay.logPart = { [unowned self] p, channel, bytes in self.captureOutput(p, channel, bytes) }
        relay.heldAtEnd = { [unowned self] p, channel in self.captureEnded(p, channel) }
        return relay
    }()
    /// Event listener pools and event delivery (kept by the daemon across reloads).
    var events: EventHub
    /// `[fcgi-program:x]` groups: each one's socket config and, once created,
    /// its listening socket (FastCGISockets.swift).
    var fcgiSockets: [String: (config: FcgiSocketConfig, fd: Int32?)] = [:]

    init(loop: any EventScheduling, host: any ProcessHost, config: Configuration, log: MainLog, daemonEnvironment: [(String, String)],
         reloadConfig: @escaping () -> Result<Configuration, ConfigError>, events: EventHub? = nil) {
        self.loop = loop
        self.events = events ?? EventHub(loop: loop, log: log)
        self.host = host
        self.config = config
        self.log = log
        self.daemonEnvironment = daemonEnvironment
        self.reloadConfig = reloadConfig
    }

    // MARK: - Building the process table

    /// Create the records of every group (AUTO log files are named here, as
    /// supervisord names them when a group is added).
    func addGroups(_ groups: [GroupConfig]) {
        for group in groups {
            for pc in group.processes {
                addProcess(pc)
            }
            // A pool subscribes when it is created, so it hears its own
            // group's ADDED and every later one (supervisord's add_process_group).
            if group.kind == .eventListener {
                events.addPool(group, processes: group.processes.compactMap { byNamespec[$0.namespec] })
            }
            if group.kind == .fcgiProgram, let fcgi = group.fcgi { openFcgiSocket(group.name, fcgi) }
            if events.wants(.processGroupAdded) { events.publish(.processGroup(group.name, added: true)) }
        }
    }

    func addProcess(_ pc: ProcessConfig) {
        let p = ManagedProcess(config: pc)
        p.stdoutPath = resolveLogPath(pc.stdout.target, process: pc, channel: .stdout)
        p.stderrPath = pc.redirectStderr ? nil : resolveLogPath(pc.stderr.target, process: pc, channel: .stderr)
        processes.append(p)
        byNamespec[p.namespec] = p
    }

    func removeProcess(_ p: ManagedProcess) {
        stopProbe(p)
        disarmWatchdog(p)
        closeReadinessPipe(p)
        closeNotifySocket(p)
        endGroupWatchAndCgroup(p)
        closeLogs(p)
        processes.removeAll { $0 === p }
        byNamespec[p.namespec] = nil
    }

    private func resolveLogPath(_ target: LogTarget, process: ProcessConfig, channel: OutputChannel) -> String? {
        switch target {
        case .none: return nil
        case .path(let path): return path
        case .auto:
            let prefix = "\(process.name)-\(channel.rawValue)---\(config.supervisord.identifier)-"
            do {
                return try AutoLogFile.create(directory: config.supervisord.childlogdir, prefix: prefix, suffix: ".log")
            } catch {
                log.error("could not create AUTO log for \(process.name) \(channel.rawValue) in \(config.supervisord.childlogdir): \(error)")
                return nil
            }
        }
    }

    private func openLogs(_ p: ManagedProcess) {
        if p.stdoutLog == nil, let path = p.stdoutPath {
            do {
                p.stdoutLog = try logFiles.acquire(path: path, maxBytes: p.config.stdout.maxbytes, backups: p.config.stdout.backups)
            } catch { log.error("could not open log \(path) for \(p.name): \(error)") }
        }
        if p.stderrLog == nil, let path = p.stderrPath {
            do {
                p.stderrLog = try logFiles.acquire(path: path, maxBytes: p.config.stderr.maxbytes, backups: p.config.stderr.backups)
            } catch { log.error("could not open log \(path) for \(p.name): \(error)") }
        }
    }

    private func closeLogs(_ p: ManagedProcess) {
        if let f = p.stdoutLog { logFiles.release(f); p.stdoutLog = nil }
        if let f = p.stderrLog { logFiles.release(f); p.stderrLog = nil }
    }

    // MARK: - Feeding the state machines

    private var pending: [(ManagedProcess, ProcessEvent)] = []
    private var draining = false

    /// Hand an event to a process's state machine and perform the actions it
    /// returns. Events raised while performing actions (a spawn's outcome) are
    /// queued and handled in order, so no machine is ever re-entered.
    func feed(_ p: ManagedProcess, _ event: ProcessEvent) {
        if case .start = event { p.startRequested = true }
        pending.append((p, event))
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !pending.isEmpty {
            let (process, ev) = pending.removeFirst()
            let actions = process.machine.handle(ev, now: now())
            perform(actions, for: process)
            process.machine.forgetTransitions()
        }
    }

    func now() -> Moment { Moment(monotonic: loop.now(), wall: loop.wallNow()) }

    private func perform(_ actions: [ProcessAction], for p: ManagedProcess) {
        // The machine reports a state change before the line that tells it
        // ("stopped: x", "success: x entered RUNNING state"). Whoever hears of
        // the change (a waiting reply, the shutdown sequence, a reload's restart)
        // hears of it once every action of this step is performed, so what it
        // does next (a reply, "supervisord started") comes after those lines.
        var entered: [ProcessState] = []
        var transition = 0
        for action in actions {
            switch action {
            case .spawn:
                spawn(p)
            case .signal(let sig, let toGroup):
                send(sig, to: p, toGroup: toGroup)
            case .setTimer(let deadline):
                if let t = p.timer { loop.cancel(t) }
                p.timer = loop.schedule(at: deadline) { [weak self, weak p] in
                    guard let self, let p else { return }
                    p.timer = nil
                    // A SIGCHLD may be waiting in the same loop round: reap first,
                    // so a child that died before startsecs is never counted as
                    // started (the machine ignores the then-stale timer).
                    self.reapChildren()
                    self.feed(p, .timer)
                }
            case .awaitGroupExit:
                awaitGroupExit(p)
            case .cancelTimer:
                if let t = p.timer { loop.cancel(t); p.timer = nil }
            case .log(let level, let message):
                log.log(level, message)
            case .stateChanged(let from, let to):
                if to.isStopped { releaseCgroup(p) }
                if p.probe != nil || (to == .running && p.config.liveness != nil) { probeStateChanged(p, to: to) }
                if p.config.watchdogSec > 0 { watchdogStateChanged(p, to: to) }
                entered.append(to)
                // A listener leaving RUNNING takes no event from here on, not
                // even the one about its own STOPPING (supervisord dispatches
                // only to RUNNING listeners).
                if from == .running, p.listenerPool != nil { events.listenerStateChanged(p, to: to) }
                // The machine recorded each change with its values; the
                // event is built only if some pool subscribes to it.
                if transition < p.machine.transitions.count {
                    let t = p.machine.transitions[transition]
                    if events.wants(EventType.processState(t.to)) {
                        events.publish(.processState(t, processName: p.name, groupName: p.groupName))
                    }
                }
                transition += 1
            }
        }
        for state in entered {
            // After the step's lines ("success: ... RUNNING"), as supervisord
            // dispatches on its next loop pass.
            if p.listenerPool != nil { events.listenerStateChanged(p, to: state) }
            if !p.stateObservers.isEmpty {
                p.stateObservers = p.stateObservers.filter { !$0(state) }
            }
            onStateChanged?(p, state)
        }
        if !entered.isEmpty && !gate.isEmpty { dependencyChanged(p) }
    }

    // MARK: - Spawning

    private func spawn(_ p: ManagedProcess) {
        let pc = p.config
        let resolved: (executable: String, argv: [String])
        do {
            resolved = try CommandResolver.resolve(
                command: pc.command,
                path: ChildEnvironment.searchPath(daemonEnvironment: daemonEnvironment, process: pc))
        } catch {
            feed(p, .spawnFailed(reason: "\(error)"))
            return
        }
        openLogs(p)
        var environment = ChildEnvironment.build(
            daemonEnvironment: daemonEnvironment,
            serverURL: ChildEnvironment.serverURL(for: pc, in: config),
            process: pc, marker: childState.map { (ChildRecords.markerVariable, $0.marker) })
        // Output with no log file is read only to be thrown away, unless the
        // debug level echoes it into the main log: skip the pipe then.
        if pc.readiness.kind == .notify {
            guard let name = openNotifySocket(p) else { return }
            environment.removeAll { $0.hasPrefix("NOTIFY_SOCKET=") }
            environment.append("NOTIFY_SOCKET=@\(name)")
            environment.removeAll { $0.hasPrefix("WATCHDOG_USEC=") || $0.hasPrefix("WATCHDOG_PID=") }
            if pc.watchdogSec > 0 { environment.append("WATCHDOG_USEC=\(pc.watchdogSec * 1_000_000)") }
        }
        let echoed = log.threshold.rawValue <= LogLevel.debug.rawValue
        var request = SpawnRequest(
            argv: resolved.argv, executable: resolved.executable, environment: environment,
            directory: pc.directory, umask: pc.umask, user: pc.user, redirectStderr: pc.redirectStderr,
            discardStdout: p.stdoutLog == nil && !echoed && !mayTap(p, .stdout) && !pc.stdout.syslog,
            discardStderr: p.stderrLog == nil && !echoed && !mayTap(p, .stderr) && !pc.stderr.syslog)
        if fcgiSockets[p.groupName] != nil {
            switch fcgiSocket(p.groupName) {
            case .success(let fd): request.stdinSocket = fd
            case .failure(let failure): feed(p, .spawnFailed(reason: failure.description)); return
            }
        }
        guard attachCgroup(p, to: &request) else { return }
        defer { if let fd = request.cgroupProcsFD { Sys.close(fd) } }
        if pc.readiness.kind == .fd, let target = pc.readiness.fd {
            guard let source = openReadinessPipe(p, target: target) else { return }
            request.readyFD = (source: source, target: Int32(target))
        }
        // The child has its copy of the write end (or failed): ours goes now,
        // so the pipe reads EOF once the child and its descendants close it.
        defer { if let ready = request.readyFD { Sys.close(ready.source) } }
        let child: SpawnedChild
        do {
            child = try host.spawn(request, programName: pc.name)
        } catch {
            closeNotifySocket(p)
            closeReadinessPipe(p)
            if let stderr = p.stderrLog ?? p.stdoutLog {
                // supervisord's child writes these to its stderr before _exit(127);
                // keep them in the log where users look for them.
                let text = Array("supervisor: \(error)\nsupervisor: child process was not spawned\n".utf8)
                text.withUnsafeBytes { stderr.write($0) }
            }
            feed(p, .spawnFailed(reason: error.description))
            return
        }
        if p.stdinFD >= 0 { Sys.close(p.stdinFD) }
        p.stdinFD = child.stdin
        startLogScan(p)
        if p.listenerPool != nil { events.listenerSpawned(p) }
        // A new dispatcher per run, as supervisord's; a listener's stdout is
        // the protocol channel, so no capture there.
        p.stdoutCapture = pc.stdout.captureMaxbytes > 0 && p.listenerPool == nil ? CaptureMode(maxBytes: pc.stdout.captureMaxbytes) : nil
        p.stderrCapture = pc.stderr.captureMaxbytes > 0 && !pc.redirectStderr ? CaptureMode(maxBytes: pc.stderr.captureMaxbytes) : nil
        if let out = child.stdout { output.watch(p, fd: out, channel: .stdout) }
        if let err = child.stderr { output.watch(p, fd: err, channel: .stderr) }
        byPid[child.pid] = p
        p.starts &+= 1
        if !p.startRequested { p.restarts &+= 1 }
        p.startRequested = false
        childState?.recordSpawn(pid: child.pid, process: pc)
        feed(p, .spawned(pid: child.pid))
        if pc.readiness.probe != nil { startReadinessProbe(p) }
    }

    private func send(_ sig: SignalSpec, to p: ManagedProcess, toGroup: Bool) {
        if let e = deliver(sig, to: p, toGroup: toGroup) {
            p.signalFailure = Sys.errorDescription(e)
            feed(p, .signalFailed(errno: e, description: Sys.errorDescription(e)))
        }
    }

    // MARK: - Reaping

    /// Asked about every reaped pid that is not a managed process: true when
    /// the daemon's own helper (the HTTP worker) it was.
    var reapedOther: ((Int32, ExitStatus) -> Bool)?

    /// SIGCHLD: reap every exited child before evaluating anything else, so a
    /// child that died before `startsecs` is never counted as started.
    func reapChildren() {
        for (pid, status) in host.reapAll() {
            if let p = byPid.removeValue(forKey: pid) {
                childState?.recordExit(pid: pid)
                output.drainAll(p)
                if p.listenerPool != nil { events.listenerExited(p) }
                if p.stdinFD >= 0 { Sys.close(p.stdinFD); p.stdinFD = -1 }
                if p.notifyFD >= 0 { readNotifications(p, pid: pid) }
                closeNotifySocket(p)
                closeReadinessPipe(p)
                p.exits[ExitCount.label(status), default: 0] &+= 1
                feed(p, .exited(status))
            } else if let check = checkChildren.removeValue(forKey: pid) {
                check(status)
            } else if reapedOther?(pid, status) != true {
                log.info("reaped unknown pid \(pid) (\(status.description))")
            }
        }
    }

    // MARK: - Start and stop

    /// Autostart: every `autostart=true` process in start order, all at once
    /// (supervisord spawns them in one loop iteration; priority orders the spawns).
    func autostart() {
        for p in processes where p.config.startsAtLaunch && p.machine.state == .stopped && p.machine.laststart == nil {
            if recovery?.holds(p.namespec) == true { continue }  // starts in leftoverGone
            if gate.isWaiting(p.namespec) { continue }  // pulled in by a dependent already
            startWhenReady(p)
        }
    }

    /// The last leftover of `namespec` is gone: autostart it now, as if the
    /// daemon had just started (LeftoverRecovery).
    func leftoverGone(_ namespec: String) {
        guard !stoppingAll, let p = byNamespec[namespec], p.config.startsAtLaunch,
              p.machine.state == .stopped, p.machine.laststart == nil else { return }
        startWhenReady(p)
    }

    /// Observe `p` until `done` returns true for a state it enters.
    func observe(_ p: ManagedProcess, _ done: @escaping (ProcessState) -> Bool) {
        p.stateObservers.append(done)
    }

    // MARK: - Shutdown and reload (the order is the daemon's DaemonLifecycle)

    /// No process restarts by itself any more (supervisord's mood below RUNNING).
    func disableAutorestart() {
        if !stoppingAll, events.wants(.supervisorStateChangeStopping) { events.publish(.supervisorState(running: false)) }
        stoppingAll = true
        for p in processes { p.machine.restartsAllowed = false }
        cancelAllWaits()
    }

    /// The lifecycle's `.stop`: only a process that is neither stopped nor already stopping.
    func stop(namespec: String) {
        guard let p = byNamespec[namespec], !p.machine.state.isStopped, p.machine.state != .stopping else { return }
        if p.listenerPool != nil, !events.isIdle(p) {
            // Pools stop last: let the listener hear how the others stopped
            // (supervisord's one-second loop gives it that time by accident),
            // for at most `listenerDrainSeconds`.
            events.whenIdle(p, within: Self.listenerDrainSeconds) { [weak self, weak p] in
                guard let self, let p, !p.machine.state.isStopped, p.machine.state != .stopping else { return }
                self.feed(p, .stop)
            }
            return
        }
        feed(p, .stop)
    }

    /// How long a shutdown or reload waits for a listener to take the events
    /// still queued for it before stopping it.
    static let listenerDrainSeconds = 1.0

    /// What the lifecycle needs when a stop begins: the running groups in the
    /// order they were added, and each process's state.
    func lifecycleTable() -> DaemonLifecycle.Table {
        var states: [String: ProcessState] = [:]
        states.reserveCapacity(processes.count)
        for p in processes { states[p.namespec] = p.machine.state }
        return DaemonLifecycle.Table(groups: config.groups, states: states)
    }

    /// Everything stopped: close what is left of the children's pipes, so a
    /// grandchild holding one open cannot keep the daemon waiting.
    func closeLeftoverPipes() {
        for p in processes {
            output.closeAll(p)
            if p.stdinFD >= 0 { Sys.close(p.stdinFD); p.stdinFD = -1 }
        }
    }

    // MARK: - Events

    /// SUPERVISOR_STATE_CHANGE_RUNNING: after every group is added, before any spawn.
    func announceRunning() {
        if events.wants(.supervisorStateChangeRunning) { events.publish(.supervisorState(running: true)) }
    }

    /// Whether a channel's output may ever be wanted beyond its log: a
    /// listener's stdout (the protocol), `*_events_enabled`.
    func mayTap(_ p: ManagedProcess, _ channel: OutputChannel) -> Bool {
        switch channel {
        case .stdout: return p.listenerPool != nil || p.config.stdout.eventsEnabled || p.config.stdout.captureMaxbytes > 0 || p.config.readiness.kind == .log
        case .stderr: return p.config.stderr.eventsEnabled || p.config.stderr.captureMaxbytes > 0 || p.config.readiness.kind == .log
        }
    }

    private func wantsOutput(_ p: ManagedProcess, _ channel: OutputChannel) -> Bool {
        switch channel {
        case .stdout: return p.listenerPool != nil || p.stdoutCapture != nil || (p.config.stdout.eventsEnabled && events.wants(.processLogStdout))
            || scansForReadiness(p, .stdout)
        case .stderr: return p.stderrCapture != nil || (p.config.stderr.eventsEnabled && events.wants(.processLogStderr))
            || scansForReadiness(p, .stderr)
        }
    }

    /// Output read for a listener's protocol or a PROCESS_LOG event
    /// (supervisord emits one per chunk read, after strip_ansi).
    private func childOutput(_ p: ManagedProcess, _ channel: OutputChannel, _ bytes: [UInt8]) {
        if scansForReadiness(p, channel) { scanForReadiness(p, channel, bytes) }
        if channel == .stdout, p.listenerPool != nil {
            events.listenerOutput(p, bytes)
            return
        }
        if (channel == .stdout ? p.stdoutCapture : p.stderrCapture) != nil { return }  // captureOutput told
        publishLog(p, channel, bytes)
    }

    private func publishLog(_ p: ManagedProcess, _ channel: OutputChannel, _ bytes: [UInt8]) {
        guard channel == .stdout ? p.config.stdout.eventsEnabled : p.config.stderr.eventsEnabled else { return }
        let type: EventType = channel == .stdout ? .processLogStdout : .processLogStderr
        guard events.wants(type) else { return }
        let data = config.supervisord.stripAnsi ? ChildOutputText.stripANSI(bytes) : bytes
        events.publish(.processLog(channel: channel.rawValue, processName: p.name, groupName: p.groupName, pid: p.machine.pid, data: data))
    }

    /// Capture mode: run the bytes through the channel's `CaptureMode`;
    /// returns what goes to the log. PROCESS_LOG covers captured bytes too,
    /// as supervisord's `_log` does.
    private func captureOutput(_ p: ManagedProcess, _ channel: OutputChannel, _ bytes: [UInt8]) -> [UInt8]? {
        let outputs: [CaptureMode.Output]
        switch channel {
        case .stdout:
            guard p.stdoutCapture != nil else { return nil }
            outputs = p.stdoutCapture?.received(bytes) ?? []
        case .stderr:
            guard p.stderrCapture != nil else { return nil }
            outputs = p.stderrCapture?.received(bytes) ?? []
        }
        return captured(p, channel, outputs)
    }

    private func captureEnded(_ p: ManagedProcess, _ channel: OutputChannel) -> [UInt8] {
        let outputs = (channel == .stdout ? p.stdoutCapture?.finish() : p.stderrCapture?.finish()) ?? []
        return captured(p, channel, outputs)
    }

    private func captured(_ p: ManagedProcess, _ channel: OutputChannel, _ outputs: [CaptureMode.Output]) -> [UInt8] {
        var toLog: [UInt8] = []
        for o in outputs {
            switch o {
            case .data(let d, let inCapture):
                if !inCapture { toLog += d }
                publishLog(p, channel, d)
            case .communication(let d):
                let type: EventType = channel == .stdout ? .processCommunicationStdout : .processCommunicationStderr
                if events.wants(type) {
                    events.publish(.processCommunication(channel: channel.rawValue, processName: p.name, groupName: p.groupName, pid: p.machine.pid, data: d))
                }
                log.debug("\(pythonRepr(p.name)) \(channel.rawValue) emitted a comm event")
            }
        }
        return toLog
    }

    // MARK: - Logs

    /// SIGUSR2: reopen the main log and every child log by path.
    func reopenLogs() {
        log.info("received SIGUSR2 indicating log reopen request")
        log.reopen()
        output.reopening { logFiles.reopenAll() }
        log.info("supervisord logreopen")
    }
}
