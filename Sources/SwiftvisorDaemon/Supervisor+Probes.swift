// Health checks (docs/dependencies.md): `exec`, `tcp` and `http`, for
// readiness while a process is STARTING (a pass feeds `.ready`; the machine
// owns the `readiness_start_period` deadline) and for liveness while it is
// RUNNING (`liveness_failures` consecutive failures feed `.livenessFailed`).
// One check at a time per process, every interval, each bounded by its
// timeout: a non-blocking connection completed by the event loop, or a
// spawned command collected by the reaper. Nothing runs for a process
// without checks, or outside the state its checks belong to.
import SwiftvisorCore
import SwiftvisorOS

/// One process's checks in progress.
final class ProbeRun {
    enum Purpose { case readiness, liveness }
    let purpose: Purpose
    let probe: HealthProbe
    let interval: Int
    let timeout: Int
    /// `readiness=tcp 127.0.0.1:5432`, for log lines.
    let label: String
    /// Liveness: consecutive failures so far.
    var failures = 0
    init(purpose: Purpose, probe: HealthProbe, interval: Int, timeout: Int, label: String) {
        self.purpose = purpose
        self.probe = probe
        self.interval = interval
        self.timeout = timeout
        self.label = label
    }

    /// The connection of the check in progress, or -1.
    var fd: Int32 = -1
    /// The next check's start, or the running check's timeout.
    var timer: EventLoop.TimerID?
    var reply: [UInt8] = []
    /// When the running check began (the next one is due `interval` later).
    var began: Double = 0
    /// What the last check said, for the log.
    var last: String?
    /// The `exec` check's process while it runs, else 0.
    var checkPid: Int32 = 0
    /// The `exec` check's stdout and stderr (one pipe), read by the loop, or -1.
    var outputFD: Int32 = -1
    /// The last `outputLimit` bytes the running `exec` check wrote.
    var output: [UInt8] = []
    /// What the last finished `exec` check wrote (its last `outputLimit` bytes), for `health`.
    var lastOutput: [UInt8]?
    static let outputLimit = 4096
}

extension Supervisor {
    /// After a spawn: begin checking when the readiness kind is one this file runs.
    func startReadinessProbe(_ p: ManagedProcess) {
        stopProbe(p)
        let r = p.config.readiness
        guard let probe = r.probe else { return }
        let run = ProbeRun(purpose: .readiness, probe: probe, interval: r.interval, timeout: r.timeout, label: r.label)
        p.probe = run
        // The first check on the next round, once the spawn's events are handled.
        loop.deferToNextRound { [weak self, weak p] in
            guard let self, let p, p.probe === run else { return }
            self.runCheck(p, run)
        }
    }

    /// The process became RUNNING: liveness checks begin one interval later.
    func startLivenessProbe(_ p: ManagedProcess) {
        stopProbe(p)
        guard let l = p.config.liveness else { return }
        let run = ProbeRun(purpose: .liveness, probe: l.probe, interval: l.interval, timeout: l.timeout, label: l.label)
        p.probe = run
        run.began = loop.now()
        scheduleNext(p, run)
    }

    /// Keep a process's checks in step with its state: readiness only while
    /// STARTING, liveness only while RUNNING.
    func probeStateChanged(_ p: ManagedProcess, to state: ProcessState) {
        switch (p.probe?.purpose, state) {
        case (.readiness?, .starting), (.liveness?, .running): return
        case (_, .running) where p.config.liveness != nil: startLivenessProbe(p)
        case (nil, _): return
        default: stopProbe(p)
        }
    }

    /// The process left STARTING, was reaped or removed: no more checks.
    func stopProbe(_ p: ManagedProcess) {
        guard let run = p.probe else { return }
        p.probe = nil
        endConnection(run)
        killCheck(run)
        closeCheckOutput(run)
        if let t = run.timer { loop.cancel(t); run.timer = nil }
    }

    private func endConnection(_ run: ProbeRun) {
        guard run.fd >= 0 else { return }
        loop.unwatch(run.fd)
        Sys.close(run.fd)
        run.fd = -1
        run.reply = []
    }

    private func runCheck(_ p: ManagedProcess, _ run: ProbeRun) {
        guard p.probe === run, p.machine.state == (run.purpose == .readiness ? .starting : .running) else { return stopProbe(p) }
        run.began = loop.now()
        let endpoint: TCPEndpoint
        switch run.probe {
        case .tcp(let e): endpoint = e
        case .http(let u): endpoint = u.endpoint
        case .exec(let command): return runCommandCheck(p, run, command)
        }
        let timeout = run.timeout
        run.timer = loop.schedule(at: run.began + Double(timeout)) { [weak self, weak p] in
            guard let self, let p, p.probe === run else { return }
            run.timer = nil
            self.checkFailed(p, run, "no answer within \(timeout)s")
        }
        do {
            switch try ProbeSocket.connect(endpoint) {
            case .connected(let fd):
                run.fd = fd
                connected(p, run)
            case .pending(let fd):
                run.fd = fd
                loop.watchWritable(fd) { [weak self, weak p] in
                    guard let self, let p, p.probe === run, run.fd == fd else { return }
                    self.loop.unwatchWritable(fd)
                    let e = ProbeSocket.result(fd)
                    if e == 0 { self.connected(p, run) } else { self.checkFailed(p, run, "connect: \(Sys.errorDescription(e))") }
                }
            }
        } catch {
            checkFailed(p, run, "\(error)")
        }
    }

    /// `exec`: the command is a child like any other (spawned, never waited
    /// for in the loop); its exit comes through the reaper. Past
    /// `readiness_timeout` its process group is killed and the check failed.
    private func runCommandCheck(_ p: ManagedProcess, _ run: ProbeRun, _ command: String) {
        let pc = p.config
        let child: SpawnedChild
        closeCheckOutput(run)
        run.output = []
        do {
            let resolved = try CommandResolver.resolve(
                command: command, path: ChildEnvironment.searchPath(daemonEnvironment: daemonEnvironment, process: pc))
            let environment = ChildEnvironment.build(daemonEnvironment: daemonEnvironment,
                                                     serverURL: ChildEnvironment.serverURL(for: pc, in: config), process: pc, marker: nil)
            child = try host.spawn(SpawnRequest(argv: resolved.argv, executable: resolved.executable, environment: environment,
                                                directory: pc.directory, umask: pc.umask, user: pc.user,
                                                redirectStderr: true), programName: pc.name)
        } catch {
            return checkFailed(p, run, "\(error)")
        }
        if child.stdin >= 0 { Sys.close(child.stdin) }
        if let err = child.stderr { Sys.close(err) }
        if let out = child.stdout {
            run.outputFD = out
            loop.watchReadable(out) { [weak self] in
                guard let self, run.outputFD == out else { return }
                if !self.readCheckOutput(run) { self.closeCheckOutput(run) }
            }
        }
        run.checkPid = child.pid
        checkChildren[child.pid] = { [weak self, weak p] status in
            guard let self, let p, p.probe === run, run.checkPid == child.pid else { return }
            run.checkPid = 0
            // What is left in the pipe now (a grandchild may keep it open: not waited for).
            _ = self.readCheckOutput(run)
            self.closeCheckOutput(run)
            run.lastOutput = run.output
            if case .exited(code: 0) = status {
                self.checkPassed(p, run, "exec \(command) exited 0")
            } else {
                self.checkFailed(p, run, status.description)
            }
        }
        let timeout = run.timeout
        run.timer = loop.schedule(at: run.began + Double(timeout)) { [weak self, weak p] in
            guard let self, let p, p.probe === run, run.checkPid == child.pid else { return }
            run.timer = nil
            self.killCheck(run)
            self.checkFailed(p, run, "still running after \(timeout)s (killed)")
        }
    }

    /// A check command that outlived its timeout, or whose process stopped
    /// being checked: its whole process group is killed; the reaper collects it.
    private func killCheck(_ run: ProbeRun) {
        guard run.checkPid > 0 else { return }
        try? host.signal(-run.checkPid, SignalNumber.SIGKILL)
        run.checkPid = 0  // its reap is still expected: the entry in checkChildren stays, and ignores it
    }

    /// Read what the check command wrote, keeping its last `outputLimit`
    /// bytes; false at EOF or error. Bounded per call, like the relay.
    private func readCheckOutput(_ run: ProbeRun) -> Bool {
        guard run.outputFD >= 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: ProbeRun.outputLimit)
        for _ in 0..<16 {
            switch chunk.withUnsafeMutableBytes({ Sys.readNonBlocking(run.outputFD, into: $0) }) {
            case .data(let n):
                run.output += chunk[0..<n]
                if run.output.count > ProbeRun.outputLimit { run.output.removeFirst(run.output.count - ProbeRun.outputLimit) }
            case .wouldBlock: return true
            case .eof, .failed: return false
            }
        }
        return true
    }

    private func closeCheckOutput(_ run: ProbeRun) {
        guard run.outputFD >= 0 else { return }
        loop.unwatch(run.outputFD)
        Sys.close(run.outputFD)
        run.outputFD = -1
    }

    private func connected(_ p: ManagedProcess, _ run: ProbeRun) {
        guard case .http(let url) = run.probe else {
            return checkPassed(p, run, "\(run.label) accepted a connection")
        }
        let request = HTTPCheck.request(url)
        let written = (try? request.withUnsafeBytes { (raw) throws(SystemError) in try Sys.write(run.fd, raw) }) ?? -1
        guard written == request.count else { return checkFailed(p, run, "could not send the request") }
        let fd = run.fd
        loop.watchReadable(fd) { [weak self, weak p] in
            guard let self, let p, p.probe === run, run.fd == fd else { return }
            var chunk = [UInt8](repeating: 0, count: 1024)
            let n = (try? chunk.withUnsafeMutableBytes { (raw) throws(SystemError) in try Sys.read(fd, into: raw) }) ?? -1
            if n <= 0 { return self.checkFailed(p, run, n == 0 ? "connection closed before a status line" : "read failed") }
            run.reply += chunk[0..<n]
            switch HTTPCheck.statusCode(run.reply) {
            case nil: return  // the status line is not complete yet
            case let code? where (200...299).contains(code): self.checkPassed(p, run, "http \(url) answered \(code)")
            case .some(-1): self.checkFailed(p, run, "the reply is not HTTP")
            case let code?: self.checkFailed(p, run, "answered \(code)")
            }
        }
    }

    private func checkPassed(_ p: ManagedProcess, _ run: ProbeRun, _ how: String) {
        endConnection(run)
        if let t = run.timer { loop.cancel(t); run.timer = nil }
        switch run.purpose {
        case .readiness:
            run.last = "passed"
            stopProbe(p)
            feed(p, .ready(how: how))
        case .liveness:
            if run.failures > 0 { log.info("\(p.namespec): liveness check (\(run.label)) passed again") }
            run.failures = 0
            run.last = "passed"
            scheduleNext(p, run)
        }
    }

    private func checkFailed(_ p: ManagedProcess, _ run: ProbeRun, _ why: String) {
        endConnection(run)
        if let t = run.timer { loop.cancel(t); run.timer = nil }
        switch run.purpose {
        case .readiness:
            if run.last != why { log.debug("\(p.namespec): readiness check (\(run.label)) failed: \(why)") }
        case .liveness:
            run.failures += 1
            let limit = p.config.liveness?.failures ?? 1
            log.warn("\(p.namespec): liveness check (\(run.label)) failed (\(run.failures) of \(limit)): \(why)")
            if run.failures >= limit {
                stopProbe(p)
                feed(p, .livenessFailed(reason: "liveness check (\(run.label)) failed \(limit) times in a row (last: \(why))"))
                return
            }
        }
        run.last = why
        scheduleNext(p, run)
    }

    /// The next check, `interval` after the start of the last one.
    private func scheduleNext(_ p: ManagedProcess, _ run: ProbeRun) {
        let next = run.began + Double(run.interval)
        run.timer = loop.schedule(at: max(next, loop.now())) { [weak self, weak p] in
            guard let self, let p, p.probe === run else { return }
            run.timer = nil
            self.runCheck(p, run)
        }
    }
}
