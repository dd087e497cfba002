// The daemon's life: start-up in supervisord's order (with its races fixed),
// the event loop, signals, reload and shutdown. The decisions about processes
// are the Supervisor's (and, below it, the pure state machine's); this file
// owns the process-wide pieces: main log, pidfile, control socket, signals.
import SwiftvisorCore
import SwiftvisorOS

/// What the daemon needs from its command line.
public struct DaemonLaunch {
    /// Reads the config again, with the same path and command-line overrides (start and every reload).
    public var loadConfig: () -> Result<Configuration, ConfigError>
    /// argv[0], for messages.
    public var programName: String
    public init(loadConfig: @escaping () -> Result<Configuration, ConfigError>, programName: String) {
        self.loadConfig = loadConfig
        self.programName = programName
    }
}

public final class Daemon {
    let launch: DaemonLaunch
    var config: Configuration
    let loop: EventLoop
    /// Timers and deferrals: `loop` itself, or a fake in the in-process tests.
    let scheduler: any EventScheduling
    let host: any ProcessHost
    var log: MainLog
    var supervisor: Supervisor
    /// Event listener pools: one hub for the daemon's life, so the event
    /// serial survives reloads as supervisord's does.
    let events: EventHub
    /// The line protocol's front end over this daemon's supervision API.
    private(set) lazy var controlService = ControlService(supervision: self, audit: { [unowned self] in self.log.info($0) })
    /// Set by the control layer: told about log appends and asked to close at exit.
    public var control: DaemonControlHooks?
    /// Running, stopping (to exit or to start over), finished: the pure machine
    /// decides; this class performs its actions.
    private(set) var lifecycle = DaemonLifecycle()
    private var lifecycleEvents: [DaemonLifecycle.Event] = []
    private var lifecycleBusy = false
    private var reportTimer: EventLoop.TimerID?
    /// The config of the last successful `reread` (at start: the config the daemon
    /// started with): what `add` and `avail` draw from.
    var available: Configuration
    private let pid: Int32
    /// Wall-clock seconds at which this daemon was built (`/metrics`).
    let startedAt: Double
    private var exitStatus: Int32 = 0
    /// Crash recovery: what this daemon's children are, on disk next to the pidfile.
    var childState: ChildStateFile?
    /// `cgroup=true` programs' cgroups, created on first need.
    lazy var cgroups = ProgramCgroups(daemonPid: pid, log: log, loop: scheduler)
    /// The locked pidfile (one daemon per config); its directory holds the state file.
    var pidFile: PidFile?
    /// Leftovers of a SIGKILLed predecessor, stopped while we run.
    let recovery: LeftoverRecovery
    /// This daemon's random id, in every child's environment (docs/security.md).
    let marker: String = {
        var g = SystemRandomNumberGenerator()
        return ChildRecords.newMarker((g.next(), g.next()))
    }()

    /// Build the daemon for `config`: main log, process table. Nothing is spawned yet.
    /// `scheduler` and `host` default to the live event loop and process
    /// host; the in-process tests pass fakes (DaemonSeams.swift).
    init(launch: DaemonLaunch, config: Configuration, log: MainLog,
         scheduler: (any EventScheduling)? = nil, host: any ProcessHost = LiveProcessHost()) throws(SystemError) {
        self.launch = launch
        self.config = config
        self.available = config
        self.log = log
        let loop = try EventLoop()
        self.loop = loop
        self.scheduler = scheduler ?? loop
        self.startedAt = (scheduler ?? loop).wallNow()
        self.host = host
        self.pid = PidFile.currentPID
        self.recovery = LeftoverRecovery(loop: loop, log: log)
        let events = EventHub(loop: self.scheduler, log: log)
        events.identifier = config.supervisord.identifier
        self.events = events
        self.supervisor = Supervisor(loop: self.scheduler, host: host, config: config, log: log,
                                     daemonEnvironment: Daemon.environment(),
                                     reloadConfig: launch.loadConfig, events: events)
    }

    static func environment() -> [(String, String)] {
        Sys.environment().map { ($0.name, $0.value) }
    }

    /// Log what the config reader found (supervisord logs parse messages once the logger exists).
    static func logParseMessages(_ config: Configuration, to log: MainLog) {
        for w in config.warnings { log.warn(w.description) }
        for i in config.infos { log.info(i) }
    }

    /// A main-log target that would block gets a writable watch until its queue is written.
    private func watchBlockedMainLog(_ target: RotatingLogFile) {
        let fd = target.descriptor
        guard fd >= 0 else { return }
        loop.watchWritable(fd) { [weak self, weak target] in
            guard let self, let target else { return }
            if self.log.flush(target) { self.loop.unwatchWritable(fd) }
        }
    }

    /// Syslog messages queued behind a slow reader: sent when its socket is
    /// writable (a new socket after a reconnect gets the watch instead).
    private func watchBlockedSyslog(_ fd: Int32) {
        guard fd >= 0 else { return }
        let connection = log.syslog.connection
        loop.watchWritable(fd) { [weak self] in
            guard let self else { return }
            let done = self.log.syslog.flush()
            if done || self.log.syslog.connection != connection {
                self.loop.unwatchWritable(fd)
                if !done { self.watchBlockedSyslog(self.log.syslog.descriptor) }
            }
        }
    }

    private func wireSupervisor() {
        supervisor.onStateChanged = { [weak self] p, state in
            self?.feedLifecycle(.processStateChanged(namespec: p.namespec, to: state))
        }
        supervisor.onLogWritten = { [weak self] path in self?.control?.logWritten(path: path) }
        supervisor.reapedOther = { [weak self] pid, status in self?.control?.reaped(pid, status) ?? false }
        supervisor.childState = childState
        supervisor.cgroups = cgroups
        supervisor.recovery = recovery
    }

    /// Build the process table and autostart: the part of start-up that
    /// needs no OS set-up (the in-process tests start here).
    func startSupervising() {
        wireSupervisor()
        supervisor.addGroups(config.groups)
        log.info("supervisord started with pid \(pid)")
        supervisor.announceRunning()
        supervisor.autostart()
        // What reading the config and the first spawns freed is scattered
        // between the records that stay: give those pages back.
        Sys.releaseFreeHeap()
    }

    /// Install signal handling, autostart, and run until shutdown. Returns the exit status.
    func run(readiness: ReadinessPipe?) throws(SystemError) -> Int32 {
        // Signals first, so no SIGCHLD of an early child is missed.
        try loop.onSignals(Self.handledSignals) { [weak self] signo in
            self?.handleSignal(signo)
        }
        do { try Reaper.becomeSubreaper() } catch {
            log.warn("could not become a child subreaper (\(error)): orphaned grandchildren will not be reaped")
        }
        // Before any child holds a pipe: the spawner's private descriptors are
        // then low, which keeps each spawn's cost small (docs/architecture.md).
        Spawner.prepare()
        // Stop what a killed predecessor left running; programs without a
        // leftover start at once, the others when theirs is gone.
        if let pidFile {
            if let previous = ChildStateFile.readPrevious(pidfile: pidFile, log: log) { recovery.begin(previous) }
            childState = ChildStateFile(pidfile: pidFile, marker: marker, loop: loop, log: log)
            childState?.carriedRecords = { [weak self] in self?.recovery.pendingRecords ?? [] }
        }
        recovery.onReleased = { [weak self] namespec in
            self?.childState?.writeSoon()
            self?.supervisor.leftoverGone(namespec)
        }
        log.onBlocked = { [weak self] target in self?.watchBlockedMainLog(target) }
        log.onRetired = { [weak self] target in self?.loop.unwatchWritable(target.descriptor) }
        log.onSyslogBlocked = { [weak self] fd in self?.watchBlockedSyslog(fd) }
        log.deferToEndOfRound = { [weak self] body in self?.loop.deferToNextRound(body) }
        startSupervising()
        // Ready means the log already says what autostart did: whoever waits
        // on readiness (a parent with -d, systemd) may read it at once.
        log.flushBatch()
        readiness?.send(0)
        SystemdNotify.send("READY=1\nMAINPID=\(pid)")
        try loop.run()
        return exitStatus
    }

    // MARK: - Signals

    /// What the daemon reads from its signalfd (blocked from the start of `runDaemon`).
    static let handledSignals = [SignalNumber.SIGCHLD, SignalNumber.SIGTERM, SignalNumber.SIGINT, SignalNumber.SIGQUIT, SignalNumber.SIGHUP, SignalNumber.SIGUSR2]

    func handleSignal(_ signo: Int32) {
        switch signo {
        case SignalNumber.SIGCHLD:
            supervisor.reapChildren()
        case SignalNumber.SIGTERM, SignalNumber.SIGINT, SignalNumber.SIGQUIT:
            feedLifecycle(.exitRequested(signal: Self.signalName(signo), table: supervisor.lifecycleTable()))
        case SignalNumber.SIGHUP:
            feedLifecycle(.reloadSignalled)
        case SignalNumber.SIGUSR2:
            supervisor.reopenLogs()
        default:
            break
        }
    }

    static func signalName(_ signo: Int32) -> String {
        switch signo {
        case SignalNumber.SIGTERM: return "SIGTERM"
        case SignalNumber.SIGINT: return "SIGINT"
        case SignalNumber.SIGQUIT: return "SIGQUIT"
        case SignalNumber.SIGHUP: return "SIGHUP"
        case SignalNumber.SIGUSR2: return "SIGUSR2"
        default: return "signal \(signo)"
        }
    }

    // MARK: - Shutdown and reload

    /// `shutdown`: stop everything in shutdown order, then exit 0.
    public func requestShutdown() {
        feedLifecycle(.exitRequested(signal: nil, table: supervisor.lifecycleTable()))
    }

    /// `reload` with the config already read: refused (and logged) when it
    /// failed to load, otherwise everything stops and starts again on it.
    func reload(with result: Result<Configuration, ConfigError>) {
        feedLifecycle(.configRead(result, table: supervisor.lifecycleTable()))
    }

    /// Hand an event to the lifecycle and perform its actions. Events raised
    /// while performing (a `.stop` that stops a process at once) are queued
    /// and handled in order, so the machine is never re-entered.
    func feedLifecycle(_ event: DaemonLifecycle.Event) {
        lifecycleEvents.append(event)
        guard !lifecycleBusy else { return }
        lifecycleBusy = true
        defer { lifecycleBusy = false }
        while !lifecycleEvents.isEmpty {
            let next = lifecycleEvents.removeFirst()
            for action in lifecycle.handle(next, now: scheduler.now()) { perform(action) }
        }
    }

    private func perform(_ action: DaemonLifecycle.Action) {
        switch action {
        case .log(let level, let message):
            log.log(level, message)
        case .notifyStopping:
            SystemdNotify.send("STOPPING=1")
        case .notifyReloading:
            // systemd >= 253 drops a RELOADING=1 without MONOTONIC_USEC (sd_notify(3)).
            SystemdNotify.send("RELOADING=1\nMONOTONIC_USEC=\(UInt64(scheduler.now() * 1_000_000))")
        case .readConfig:
            // Queued behind this action list: handled once it is performed.
            lifecycleEvents.append(.configRead(launch.loadConfig(), table: supervisor.lifecycleTable()))
        case .disableAutorestart:
            supervisor.disableAutorestart()
        case .stop(let namespec):
            supervisor.stop(namespec: namespec)
        case .armReportTimer(let at):
            if let t = reportTimer { scheduler.cancel(t) }
            reportTimer = scheduler.schedule(at: at) { [weak self] in
                self?.reportTimer = nil
                self?.feedLifecycle(.reportTimer)
            }
        case .cancelReportTimer:
            if let t = reportTimer { scheduler.cancel(t); reportTimer = nil }
        case .startOver(let newConfig):
            supervisor.closeLeftoverPipes()
            supervisor.closeFcgiSockets()
            restart(with: newConfig)
        case .exit:
            supervisor.closeLeftoverPipes()
            supervisor.closeFcgiSockets()
            stopAdoptedDescendants()
        }
    }

    /// Start again on `newConfig`: same pid, fresh process table, AUTO logs wiped
    /// unless nocleanup, main log reopened (its settings may have changed).
    private func restart(with newConfig: Configuration) {
        for p in supervisor.processes { supervisor.removeProcess(p) }
        events.removeAllPools()
        let old = config.supervisord
        config = newConfig
        available = newConfig
        moveDaemonFiles(from: old, to: newConfig.supervisord)
        if !newConfig.supervisord.nocleanup {
            AutoLogFile.removeStale(directory: newConfig.supervisord.childlogdir, identifier: newConfig.supervisord.identifier)
        }
        if let note = Daemon.runningAsRootNote(newConfig) { log.critical(note) }
        Daemon.logParseMessages(newConfig, to: log)
        if let note = Daemon.setUIDNote(newConfig) { log.info(note) }
        log.threshold = LogLevel.named(newConfig.supervisord.loglevel) ?? .info
        events.identifier = newConfig.supervisord.identifier
        supervisor = Supervisor(loop: scheduler, host: host, config: newConfig, log: log,
                                daemonEnvironment: supervisor.daemonEnvironment,
                                reloadConfig: launch.loadConfig, events: events)
        wireSupervisor()
        supervisor.addGroups(newConfig.groups)
        control?.configurationChanged()
        log.info("supervisord started with pid \(pid)")
        supervisor.announceRunning()
        supervisor.autostart()
        Sys.releaseFreeHeap()  // as at start-up
        log.flushBatch()  // as at start-up: ready only once the log tells it
        SystemdNotify.send("READY=1")
    }

    /// supervisord recreates its logger and rewrites its pidfile on every
    /// reload, so a changed `logfile` or `pidfile` takes effect (and the old
    /// pidfile does not outlive the daemon).
    private func moveDaemonFiles(from old: SupervisordConfig, to new: SupervisordConfig) {
        if new.logfile != old.logfile || new.logfileMaxbytes != old.logfileMaxbytes || new.logfileBackups != old.logfileBackups {
            do {
                try log.retarget(path: new.logfile == "syslog" ? nil : new.logfile,
                                 maxbytes: new.logfileMaxbytes, backups: new.logfileBackups)
                log.toSyslog = new.logfile == "syslog"
            } catch {
                log.error("could not open the log file \(new.logfile): \(error); logging to \(old.logfile) instead")
            }
        }
        if new.pidfile != old.pidfile {
            let moved: PidFile
            do { moved = try PidFile.lock(new.pidfile) } catch {
                log.critical("could not use pidfile \(new.pidfile): \(error); keeping \(old.pidfile)")
                return
            }
            do { try moved.write(pid: pid) } catch {
                log.critical("could not write pidfile \(new.pidfile)")
            }
            // Every child is stopped: the old state file has nothing to recover
            // (but leftovers still being stopped move with us).
            childState?.remove()
            pidFile?.release()
            pidFile = moved
            childState = ChildStateFile(pidfile: moved, marker: marker, loop: loop, log: log)
            childState?.carriedRecords = { [weak self] in self?.recovery.pendingRecords ?? [] }
        }
    }

    /// supervisord's CRIT when it keeps root (logged at start and on every reload).
    static func runningAsRootNote(_ config: Configuration) -> String? {
        guard Privileges.effectiveUID == 0 && config.supervisord.user == nil else { return nil }
        return "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."
    }

    /// supervisord's INFO after `[supervisord] user=` (or -u) took effect, with the numeric uid.
    static func setUIDNote(_ config: Configuration) -> String? {
        config.supervisord.user.map { "Set uid to user \($0.uid) succeeded" }
    }

    /// After every program stopped: anything still parented to us (orphans we
    /// adopted as subreaper) gets SIGTERM, then SIGKILL after a grace period,
    /// so a shutdown leaves nothing behind.
    private func stopAdoptedDescendants(deadline: Double? = nil) {
        if deadline == nil { cgroups.killLeftovers() }
        let leftovers = host.children(of: pid).filter { !supervisor.isManagedPid($0) && control?.ownsChild($0) != true }
        if leftovers.isEmpty {
            finish()
            return
        }
        let now = scheduler.now()
        if deadline == nil {
            for child in leftovers { try? host.signal(child, SignalNumber.SIGTERM) }
        } else if let deadline, now >= deadline {
            for child in leftovers {
                log.warn("killing adopted process \(child) with SIGKILL")
                try? host.signal(child, SignalNumber.SIGKILL)
            }
        }
        let limit = deadline ?? now + 5
        // Re-check shortly; SIGCHLD reaps them meanwhile ("reaped unknown pid").
        _ = scheduler.schedule(at: min(limit, now + 0.05)) { [weak self] in
            self?.stopAdoptedDescendants(deadline: limit)
        }
    }

    private func finish() {
        // Leftovers of a predecessor still being stopped are waited for (each
        // within its stopwaitsecs + SIGKILL grace), so none outlives the record of it.
        if !recovery.isFinished {
            recovery.onFinished = { [weak self] in self?.finish() }
            return
        }
        cgroups.removeAll()
        childState?.remove()
        control?.close()
        loop.stop()
    }
}

/// What the daemon asks of the control layer (the socket server).
public protocol DaemonControlHooks: AnyObject {
    func logWritten(path: String)
    func configurationChanged()
    func close()
    /// A reaped child that is not a managed process: true when it was the
    /// control layer's own (the HTTP worker), which it then restarts.
    func reaped(_ pid: Int32, _ status: ExitStatus) -> Bool
    /// Whether `pid` is the control layer's own child (never an adopted leftover).
    func ownsChild(_ pid: Int32) -> Bool
    /// Open control connections on every listener (`/metrics`).
    var connectionCount: Int { get }
}

extension Supervisor {
    func isManagedPid(_ pid: Int32) -> Bool { byPid[pid] != nil }
}
