// The core's side of the HTTP worker (docs/architecture.md, "The HTTP
// worker"): it spawns the worker, hands it each connection whose first bytes
// are HTTP, writes its log lines to the main log, notices its death (its
// channel closes, SIGCHLD reaps it), restarts it with a backoff, and stops
// and reaps it at exit. The core never parses HTTP: what a worker sends is
// one of two small messages (WorkerMessage), checked as untrusted input.
import SwiftvisorCore
import SwiftvisorOS

final class HTTPWorkerHost {
    private let loop: EventLoop
    private unowned let log: MainLog
    private let argv0: String
    /// The running worker; 0 when none.
    private(set) var pid: Int32 = 0
    /// The core's end of the channel; -1 while no worker can take connections.
    private var channel: Int32 = -1
    private var startedAt = 0.0
    /// The worker should run (there are listeners and the daemon is not exiting).
    private var wanted = false
    private var restartTimer: EventLoop.TimerID?
    /// The pause before the next restart: doubles while the worker dies within
    /// `stableAfter` of its start, back to 0 once it lived longer.
    private var restartDelay = 0.0
    static let stableAfter = 1.0
    static let firstDelay = 0.1
    static let maxDelay = 5.0
    /// How long an exiting daemon waits for the worker to finish the answers
    /// it holds (a `shutdown` reply) before SIGKILL.
    static let exitGrace = 2.0

    init(loop: EventLoop, log: MainLog, argv0: String) {
        self.loop = loop
        self.log = log
        self.argv0 = argv0
    }

    /// A worker is running and its channel takes connections.
    var isUp: Bool { channel >= 0 }

    /// Run a worker from now on (at start, or when a reload adds the first listener).
    func start() {
        guard !wanted else { return }
        wanted = true
        restartDelay = 0
        spawn()
    }

    private func spawn() {
        guard wanted, pid == 0 else { return }
        let ends: (Int32, Int32)
        do { ends = try WorkerChannel.pair(seqpacket: true) } catch {
            log.error("could not create the http worker's channel: \(error); retrying")
            scheduleRestart()
            return
        }
        let (core, worker) = ends
        do {
            pid = try WorkerChannel.spawnWorker(argv: [argv0, WorkerChannel.workerSwitch], channel: worker)
        } catch {
            Sys.close(core)
            Sys.close(worker)
            log.error("could not start the http worker: \(error); retrying")
            scheduleRestart()
            return
        }
        Sys.close(worker)
        channel = core
        startedAt = EventLoop.now()
        log.debug("http worker started with pid \(pid)")
        loop.watchReadable(core) { [unowned self] in self.channelReadable() }
    }

    private func scheduleRestart() {
        guard wanted, restartTimer == nil else { return }
        restartDelay = restartDelay == 0 ? Self.firstDelay : min(restartDelay * 2, Self.maxDelay)
        restartTimer = loop.schedule(at: EventLoop.now() + restartDelay) { [weak self] in
            self?.restartTimer = nil
            self?.spawn()
        }
    }

    /// Hand a connection over: the client's descriptor, the worker's end of
    /// the connection's SWV1 session and the bytes already read. False when
    /// no worker takes it now (the caller answers 503). The caller closes
    /// its copies of both descriptors either way.
    func handOff(client: Int32, session: Int32, initialBytes: [UInt8], authRequired: Bool, legacyGetActions: Bool) -> Bool {
        guard channel >= 0 else { return false }
        let message = WorkerMessage.connection(authRequired: authRequired, initialBytes: initialBytes,
                                               legacyGetActions: legacyGetActions).encoded()
        switch WorkerChannel.send(channel, message, fds: [client, session]) {
        case .sent: return true
        case .full: return false  // a stuck worker: its queue holds the backlog
        case .failed: channelLost(); return false
        }
    }

    /// The worker's messages: log lines. Bounded per wakeup, so a worker
    /// flooding its channel cannot hold the loop.
    private func channelReadable() {
        for _ in 0..<64 {
            guard channel >= 0 else { return }
            switch WorkerChannel.receive(channel, capacity: WorkerMessage.maxSize) {
            case .wouldBlock:
                return
            case .eof, .failed:
                channelLost()
                return
            case .message(let bytes, let fds, let truncated):
                for fd in fds { Sys.close(fd) }  // the worker never sends descriptors
                guard !truncated, fds.isEmpty, case .log(let level, let text)? = WorkerMessage.decode(bytes) else { continue }
                log.log(level, text)
            }
        }
    }

    /// The channel is gone (the worker exited, or broke it): no hand-offs
    /// until the reaper has seen the worker and a new one runs.
    private func channelLost() {
        guard channel >= 0 else { return }
        loop.unwatch(channel)
        Sys.close(channel)
        channel = -1
        // A worker that closed its channel but lives on is of no use.
        if pid > 0 { try? Sys.kill(pid, SignalNumber.SIGKILL) }
    }

    /// Called for every reaped child the supervisor does not manage: true
    /// when it was the worker.
    func reaped(_ reapedPid: Int32, _ status: ExitStatus) -> Bool {
        guard reapedPid > 0, reapedPid == pid else { return false }
        pid = 0
        channelLost()
        guard wanted else { return true }
        let lived = EventLoop.now() - startedAt
        if lived >= Self.stableAfter { restartDelay = 0 }
        if restartDelay == 0 && lived >= Self.stableAfter {
            log.warn("http worker (pid \(reapedPid)) exited (\(status.description)); restarting")
            spawn()
        } else {
            scheduleRestart()
            log.warn("http worker (pid \(reapedPid)) exited (\(status.description)); restarting in \(restartDelay) s")
        }
        return true
    }

    /// Stop the worker and reap it (exit, or no listener left). Closing the
    /// channel tells it to finish what it holds and exit; after `exitGrace`
    /// it is killed. Blocks the loop for at most that long, which only the
    /// exit and a reload that removes every listener do.
    func stop() {
        wanted = false
        if let t = restartTimer { loop.cancel(t); restartTimer = nil }
        if channel >= 0 {
            loop.unwatch(channel)
            Sys.close(channel)
            channel = -1
        }
        guard pid > 0 else { return }
        let deadline = EventLoop.now() + Self.exitGrace
        while EventLoop.now() < deadline {
            if WorkerChannel.reap(pid) != nil { pid = 0; return }
            WorkerChannel.pause(seconds: 0.01)
        }
        log.warn("http worker (pid \(pid)) did not exit within \(Self.exitGrace) s; killing it with SIGKILL")
        try? Sys.kill(pid, SignalNumber.SIGKILL)
        _ = WorkerChannel.reapBlocking(pid)
        pid = 0
    }
}
