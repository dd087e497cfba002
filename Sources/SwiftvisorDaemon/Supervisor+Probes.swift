// `tcp` and `http` readiness checks (docs/dependencies.md): while a process
// is STARTING, one check every `readiness_interval` seconds, each a
// non-blocking connection completed by the event loop and bounded by
// `readiness_timeout`. A passing check feeds `.ready`; the machine owns the
// deadline (`readiness_start_period`). Nothing runs for a process without
// such a check, or once it left STARTING.
import SwiftvisorCore
import SwiftvisorOS

/// One process's checks in progress.
final class ProbeRun {
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
}

extension Supervisor {
    /// After a spawn: begin checking when the readiness kind is one this file runs.
    func startReadinessProbe(_ p: ManagedProcess) {
        stopProbe(p)
        switch p.config.readiness.probe {
        case .tcp?, .http?, .exec?: beginProbes(p)
        case nil: return
        }
    }

    private func beginProbes(_ p: ManagedProcess) {
        let run = ProbeRun()
        p.probe = run
        // The first check on the next round, once the spawn's events are handled.
        loop.deferToNextRound { [weak self, weak p] in
            guard let self, let p, p.probe === run else { return }
            self.runCheck(p, run)
        }
    }

    /// The process left STARTING, was reaped or removed: no more checks.
    func stopProbe(_ p: ManagedProcess) {
        guard let run = p.probe else { return }
        p.probe = nil
        endConnection(run)
        killCheck(run)
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
        guard p.probe === run, p.machine.state == .starting else { return stopProbe(p) }
        let r = p.config.readiness
        run.began = loop.now()
        let endpoint: TCPEndpoint
        switch r.probe {
        case .tcp(let e)?: endpoint = e
        case .http(let u)?: endpoint = u.endpoint
        case .exec(let command)?: return runCommandCheck(p, run, command)
        case nil: return stopProbe(p)
        }
        run.timer = loop.schedule(at: run.began + Double(r.timeout)) { [weak self, weak p] in
            guard let self, let p, p.probe === run else { return }
            run.timer = nil
            self.checkFailed(p, run, "no answer within \(r.timeout)s")
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
        do {
            let resolved = try CommandResolver.resolve(
                command: command, path: ChildEnvironment.searchPath(daemonEnvironment: daemonEnvironment, process: pc))
            let environment = ChildEnvironment.build(daemonEnvironment: daemonEnvironment,
                                                     serverURL: ChildEnvironment.serverURL(for: pc, in: config), process: pc, marker: nil)
            child = try host.spawn(SpawnRequest(argv: resolved.argv, executable: resolved.executable, environment: environment,
                                                directory: pc.directory, umask: pc.umask, user: pc.user,
                                                discardStdout: true, discardStderr: true), programName: pc.name)
        } catch {
            return checkFailed(p, run, "\(error)")
        }
        if child.stdin >= 0 { Sys.close(child.stdin) }
        run.checkPid = child.pid
        checkChildren[child.pid] = { [weak self, weak p] status in
            guard let self, let p, p.probe === run, run.checkPid == child.pid else { return }
            run.checkPid = 0
            if case .exited(code: 0) = status {
                self.checkPassed(p, run, "exec \(command) exited 0")
            } else {
                self.checkFailed(p, run, status.description)
            }
        }
        let timeout = pc.readiness.timeout
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

    private func connected(_ p: ManagedProcess, _ run: ProbeRun) {
        guard case .http(let url)? = p.config.readiness.probe else {
            return checkPassed(p, run, "\(p.config.readiness.label) accepted a connection")
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
        run.last = "passed"
        stopProbe(p)
        feed(p, .ready(how: how))
    }

    private func checkFailed(_ p: ManagedProcess, _ run: ProbeRun, _ why: String) {
        endConnection(run)
        if let t = run.timer { loop.cancel(t); run.timer = nil }
        if run.last != why { log.debug("\(p.namespec): readiness check (\(p.config.readiness.label)) failed: \(why)") }
        run.last = why
        let next = run.began + Double(p.config.readiness.interval)
        run.timer = loop.schedule(at: max(next, loop.now())) { [weak self, weak p] in
            guard let self, let p, p.probe === run else { return }
            run.timer = nil
            self.runCheck(p, run)
        }
    }
}
