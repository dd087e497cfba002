// The supervisor: owns the process table and performs, through the OS layer,
// the actions the pure state machine returns. Everything runs on one thread,
// inside the event loop: child exits arrive as SIGCHLD through a signalfd and
// are reaped before any state is evaluated; timers fire exactly when a state
// machine asked for them; nothing polls.
import SwiftvisorCore
import SwiftvisorOS
import Glibc

/// supervisord's own state.
public enum Mood: Sendable, Equatable {
    case running
    /// SIGHUP / `reload`: stop everything, then start again on the new config.
    case restarting
    /// SIGTERM / SIGINT / SIGQUIT / `shutdown`.
    case shuttingDown
}

public final class Supervisor {
    let loop: EventLoop
    public internal(set) var config: Configuration
    let log: MainLog
    /// Process records in start order: group order (priority, name), then process order.
    var processes: [ManagedProcess] = []
    var byNamespec: [String: ManagedProcess] = [:]
    var byPid: [Int32: ManagedProcess] = [:]
    public private(set) var mood: Mood = .running
    /// The daemon's environment at start (`os.environ` in supervisord).
    let daemonEnvironment: [(String, String)]
    /// Groups still to stop during shutdown/reload, highest priority first.
    private var shutdownQueue: [String] = []
    private var waitingReportTimer: EventLoop.TimerID?
    /// Reload: how to read the config again, and what to do once everything stopped.
    var reloadConfig: () -> Result<Configuration, ConfigError>
    /// Called when the shutdown sequence has finished (everything reaped).
    var onShutdownComplete: (() -> Void)?
    /// Called after any bytes were appended to a log file (tail -f followers).
    var onLogWritten: ((String) -> Void)?
    /// Crash recovery: the identities of live children, kept on disk.
    var childState: ChildStateFile?
    /// `cgroup=true` programs' cgroups (owned by the daemon, kept across reloads).
    var cgroups: ProgramCgroups?
    /// Leftovers of a SIGKILLed predecessor: their programs wait for them.
    var recovery: LeftoverRecovery?
    /// Full disk and other write failures of child logs, reported once each way.
    let lossReporter = LogLossReporter()
    /// Child log writers, one per path, shared by the processes that name it.
    let logFiles = SharedLogFiles()
    /// Reused buffer for output with no log file (`NONE`).
    private var discard = [UInt8](repeating: 0, count: 65536)

    init(loop: EventLoop, config: Configuration, log: MainLog, daemonEnvironment: [(String, String)],
         reloadConfig: @escaping () -> Result<Configuration, ConfigError>) {
        self.loop = loop
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
        pending.append((p, event))
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !pending.isEmpty {
            let (process, ev) = pending.removeFirst()
            let actions = process.machine.handle(ev, now: Self.now())
            perform(actions, for: process)
        }
    }

    static func now() -> Moment { Moment(monotonic: EventLoop.now(), wall: EventLoop.wallNow()) }

    private func perform(_ actions: [ProcessAction], for p: ManagedProcess) {
        var shutdownMayContinue = false
        // The machine reports STOPPED before its "stopped: x" line; the shutdown
        // (and a reload's restart, which logs "supervisord started" and spawns)
        // goes on only once every line of this step is logged, as in supervisord.
        defer { if shutdownMayContinue { continueShutdown() } }
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
            case .stateChanged(_, let to):
                if to.isStopped { releaseCgroup(p) }
                stateChanged(p, to: to)
                if mood != .running, to.isStopped { shutdownMayContinue = true }
            }
        }
    }

    private func stateChanged(_ p: ManagedProcess, to state: ProcessState) {
        if !p.stateObservers.isEmpty {
            p.stateObservers = p.stateObservers.filter { !$0(state) }
        }
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
        let environment = ChildEnvironment.build(
            daemonEnvironment: daemonEnvironment,
            serverURL: ChildEnvironment.serverURL(for: pc, in: config),
            process: pc, marker: childState.map { (ChildRecords.markerVariable, $0.marker) })
        // Output with no log file is read only to be thrown away, unless the
        // debug level echoes it into the main log: skip the pipe then.
        let echoed = log.threshold.rawValue <= LogLevel.debug.rawValue
        var request = SpawnRequest(
            argv: resolved.argv, executable: resolved.executable, environment: environment,
            directory: pc.directory, umask: pc.umask, user: pc.user, redirectStderr: pc.redirectStderr,
            discardStdout: p.stdoutLog == nil && !echoed, discardStderr: p.stderrLog == nil && !echoed)
        guard attachCgroup(p, to: &request) else { return }
        defer { if let fd = request.cgroupProcsFD { Sys.close(fd) } }
        let child: SpawnedChild
        do {
            child = try Spawner.spawn(request, programName: pc.name)
        } catch {
            if let stderr = p.stderrLog ?? p.stdoutLog {
                // supervisord's child writes these to its stderr before _exit(127);
                // keep them in the log where users look for them.
                let text = Array("supervisor: \(error)\nsupervisor: child process was not spawned\n".utf8)
                text.withUnsafeBytes { stderr.write($0) }
            }
            feed(p, .spawnFailed(reason: error.description))
            return
        }
        if p.stdinFD >= 0 { _ = Glibc.close(p.stdinFD) }
        p.stdinFD = child.stdin
        if let out = child.stdout { watchOutput(p, fd: out, channel: .stdout) }
        if let err = child.stderr { watchOutput(p, fd: err, channel: .stderr) }
        byPid[child.pid] = p
        childState?.recordSpawn(pid: child.pid, process: pc)
        feed(p, .spawned(pid: child.pid))
    }

    private func send(_ sig: SignalSpec, to p: ManagedProcess, toGroup: Bool) {
        if let e = deliver(sig, to: p, toGroup: toGroup) {
            feed(p, .signalFailed(errno: e, description: String(cString: strerror(e))))
        }
    }

    // MARK: - Child output

    private func watchOutput(_ p: ManagedProcess, fd: Int32, channel: OutputChannel) {
        let pipe = OutputPipe(fd: fd, channel: channel)
        p.outputPipes.append(pipe)
        watch(pipe, of: p)
    }

    private func watch(_ pipe: OutputPipe, of p: ManagedProcess) {
        loop.watchReadable(pipe.fd) { [weak self, weak p, weak pipe] in
            guard let self, let p, let pipe else { return }
            self.drain(pipe, of: p)
        }
    }

    /// Chunks (of up to 128 KiB) moved per pipe per wakeup: a child that writes
    /// as fast as it can gets its share, then the loop serves everyone else
    /// (epoll is level-triggered, so the rest is taken on the next round).
    private static let chunksPerWakeup = 8

    /// Move what is in the pipe into the log file; close the pipe at EOF.
    /// Returns when the pipe is empty (EAGAIN), closed, paused behind a blocked
    /// log target, or after `limit` chunks.
    @discardableResult
    private func drain(_ pipe: OutputPipe, of p: ManagedProcess, limit: Int = chunksPerWakeup) -> Bool {
        let file = pipe.channel == .stdout ? p.stdoutLog : (p.stderrLog ?? (p.config.redirectStderr ? p.stdoutLog : nil))
        var wrote = false
        var chunks = 0
        while chunks < limit {
            chunks += 1
            let result: RelayResult
            if needsCopy {
                result = copy(pipe, of: p, into: file)
            } else if let file {
                result = file.relay(fromPipe: pipe.fd)
            } else {
                let n = discard.withUnsafeMutableBytes { Glibc.read(pipe.fd, $0.baseAddress, $0.count) }
                result = n > 0 ? .moved(n) : n == 0 ? .eof : (errno == EAGAIN || errno == EINTR ? .wouldBlock : .eof)
            }
            switch result {
            case .moved:
                // Pipes keep the kernel's 64 KiB: growing them measured no CPU
                // gain per MiB (docs/benchmarks.md) and would spend the per-user
                // pipe page budget that non-root daemons have.
                wrote = true
                continue
            case .wouldBlock:
                break
            case .blocked:
                if let file { pause(pipe, of: p, behind: file) }
            case .eof:
                loop.unwatch(pipe.fd)
                _ = Glibc.close(pipe.fd)
                p.outputPipes.removeAll { $0 === pipe }
            }
            break
        }
        if wrote, let file { lossReporter.check(file, program: p.name, channel: pipe.channel.rawValue, log: log) }
        if wrote, let path = file?.path { onLogWritten?(path) }
        return wrote
    }

    // MARK: - Blocked log targets

    /// Log targets that would block (a pipe nobody reads), with the child pipes
    /// paused behind them. Only those children wait; the loop goes on.
    private var blocked: [ObjectIdentifier: (file: RotatingLogFile, fd: Int32, pipes: [(OutputPipe, ManagedProcess)])] = [:]

    private func pause(_ pipe: OutputPipe, of p: ManagedProcess, behind file: RotatingLogFile) {
        loop.unwatch(pipe.fd)
        let key = ObjectIdentifier(file)
        if var entry = blocked[key] {
            entry.pipes.append((pipe, p))
            blocked[key] = entry
            return
        }
        blocked[key] = (file, file.descriptor, [(pipe, p)])
        watchBlocked(key)
    }

    private func watchBlocked(_ key: ObjectIdentifier) {
        guard let entry = blocked[key], entry.fd >= 0 else { return }
        loop.watchWritable(entry.fd) { [weak self] in self?.resume(key) }
    }

    private func resume(_ key: ObjectIdentifier) {
        guard let entry = blocked[key], entry.file.flushPending() else { return }
        loop.unwatchWritable(entry.fd)
        blocked[key] = nil
        for (pipe, p) in entry.pipes where p.outputPipes.contains(where: { $0 === pipe }) {
            watch(pipe, of: p)
            drain(pipe, of: p)
        }
    }

    /// Whether child output must pass through the daemon's memory (strip_ansi,
    /// or the debug-level echo into the main log) instead of being spliced.
    private var needsCopy: Bool {
        config.supervisord.stripAnsi || log.threshold.rawValue <= LogLevel.debug.rawValue
    }

    private func copy(_ pipe: OutputPipe, of p: ManagedProcess, into file: RotatingLogFile?) -> RelayResult {
        if let file, file.isBlocked { return .blocked }
        let n = discard.withUnsafeMutableBytes { Glibc.read(pipe.fd, $0.baseAddress, $0.count) }
        if n == 0 { return .eof }
        if n < 0 { return errno == EAGAIN || errno == EINTR ? .wouldBlock : .eof }
        var data = Array(discard[0..<n])
        if config.supervisord.stripAnsi { data = ChildOutputText.stripANSI(data) }
        file?.write(data)
        if log.threshold.rawValue <= LogLevel.debug.rawValue {
            log.debug(ChildOutputText.mainLogEcho(processName: p.name, channel: pipe.channel.rawValue, data: data))
        }
        return .moved(n)
    }

    /// At a child's exit: take what it left in its pipes before logging the exit
    /// (bounded, since a grandchild may still be writing into the same pipe).
    private func drainAll(_ p: ManagedProcess) {
        for pipe in p.outputPipes { drain(pipe, of: p, limit: 64) }
    }

    // MARK: - Reaping

    /// SIGCHLD: reap every exited child before evaluating anything else, so a
    /// child that died before `startsecs` is never counted as started.
    func reapChildren() {
        for (pid, status) in Reaper.reapAll() {
            if let p = byPid.removeValue(forKey: pid) {
                childState?.recordExit(pid: pid)
                drainAll(p)
                if p.stdinFD >= 0 { _ = Glibc.close(p.stdinFD); p.stdinFD = -1 }
                feed(p, .exited(status))
            } else {
                log.info("reaped unknown pid \(pid) (\(status.description))")
            }
        }
    }

    // MARK: - Start and stop

    /// Autostart: every `autostart=true` process in start order, all at once
    /// (supervisord spawns them in one loop iteration; priority orders the spawns).
    func autostart() {
        for p in processes where p.config.autostart && p.machine.state == .stopped && p.machine.laststart == nil {
            if recovery?.holds(p.namespec) == true { continue }  // starts in leftoverGone
            feed(p, .start)
        }
    }

    /// The last leftover of `namespec` is gone: autostart it now, as if the
    /// daemon had just started (LeftoverRecovery).
    func leftoverGone(_ namespec: String) {
        guard mood == .running, let p = byNamespec[namespec], p.config.autostart,
              p.machine.state == .stopped, p.machine.laststart == nil else { return }
        feed(p, .start)
    }

    /// Observe `p` until `done` returns true for a state it enters.
    func observe(_ p: ManagedProcess, _ done: @escaping (ProcessState) -> Bool) {
        p.stateObservers.append(done)
    }

    // MARK: - Shutdown and reload

    /// Begin an orderly stop of everything: groups one at a time, highest
    /// priority first, each fully stopped before the next (supervisord's order).
    func beginShutdown(restart: Bool) {
        guard mood == .running else { return }
        mood = restart ? .restarting : .shuttingDown
        for p in processes { p.machine.restartsAllowed = false }
        shutdownQueue = shutdownGroupOrder()
        reportUnstopped()
        continueShutdown()
    }

    /// Group names in shutdown order: descending priority, then descending name.
    private func shutdownGroupOrder() -> [String] {
        var seen: Set<String> = []
        var groups: [(name: String, priority: Int)] = []
        for g in config.groups where !seen.contains(g.name) {
            seen.insert(g.name)
            groups.append((g.name, g.priority))
        }
        // Processes added at runtime for groups no longer in config (after update).
        for p in processes where !seen.contains(p.groupName) {
            seen.insert(p.groupName)
            groups.append((p.groupName, 999))
        }
        return groups.sorted { a, b in a.priority != b.priority ? a.priority > b.priority : a.name > b.name }.map(\.name)
    }

    private var continuing = false

    func continueShutdown() {
        guard mood != .running, !continuing else { return }
        continuing = true
        defer { continuing = false }
        while let group = shutdownQueue.first {
            let members = processes.filter { $0.groupName == group }
            // Highest process priority first within the group (stop_all).
            for p in members.reversed() where !p.machine.state.isStopped {
                if p.machine.state != .stopping { feed(p, .stop) }
            }
            if members.allSatisfy({ $0.machine.state.isStopped }) {
                shutdownQueue.removeFirst()
                continue
            }
            return
        }
        finishShutdown()
    }

    /// INFO `waiting for a, b to die`, every 3 seconds while processes remain.
    private func reportUnstopped() {
        let unstopped = processes.filter { !$0.machine.state.isStopped }.map(\.name)
        guard !unstopped.isEmpty, mood != .running else { return }
        log.info("waiting for \(unstopped.joined(separator: ", ")) to die")
        waitingReportTimer = loop.schedule(at: EventLoop.now() + 3) { [weak self] in
            self?.reportUnstopped()
        }
    }

    private var finished = false

    private func finishShutdown() {
        guard !finished else { return }
        if let t = waitingReportTimer { loop.cancel(t); waitingReportTimer = nil }
        // Close what is left of the children's pipes: a grandchild holding one open must not keep us waiting.
        for p in processes {
            for pipe in p.outputPipes { drain(pipe, of: p); loop.unwatch(pipe.fd); _ = Glibc.close(pipe.fd) }
            p.outputPipes.removeAll()
            if p.stdinFD >= 0 { _ = Glibc.close(p.stdinFD); p.stdinFD = -1 }
        }
        finished = true
        onShutdownComplete?()
    }

    // MARK: - Logs

    /// SIGUSR2: reopen the main log and every child log by path.
    func reopenLogs() {
        log.info("received SIGUSR2 indicating log reopen request")
        log.reopen()
        // Reopening changes descriptors: move the writable watches of blocked targets.
        for (key, entry) in blocked where entry.fd >= 0 { loop.unwatchWritable(entry.fd); blocked[key]?.fd = -1 }
        logFiles.reopenAll()
        for (key, entry) in blocked {
            blocked[key]?.fd = entry.file.descriptor
            watchBlocked(key)
        }
        log.info("supervisord logreopen")
    }
}
