// The HTTP worker process (`swiftvisord --http-worker`, started by the core
// only; docs/architecture.md, "The HTTP worker"). It parses every byte HTTP
// and XML-RPC clients send, holds no privilege (nobody when the core is
// root, no new privileges ever), opens no file, and answers every request by
// asking the core over the connection's SWV1 session. If it dies, the core
// restarts it; supervision never depended on it.
import SwiftvisorCore
import SwiftvisorOS

/// `swiftvisord --http-worker`: serve connections the core hands over on fd 3
/// until the core closes the channel. Returns the exit status.
public func runHTTPWorker() -> Int32 {
    let channel = WorkerChannel.workerFD
    guard WorkerChannel.isSeqPacket(channel) else {
        writeStandardError("swiftvisord: \(WorkerChannel.workerSwitch) is started by swiftvisord itself\n")
        return 2
    }
    Sys.ignoreSIGPIPE()
    if let error = WorkerChannel.confineWorker() {
        _ = WorkerChannel.send(channel, WorkerMessage.log(.critical, "http worker could not drop its privileges: \(error)").encoded())
        return 3
    }
    let loop: EventLoop
    do {
        try Sys.setNonBlocking(channel)
        loop = try EventLoop()
    } catch {
        _ = WorkerChannel.send(channel, WorkerMessage.log(.critical, "http worker could not start: \(error)").encoded())
        return 3
    }
    let worker = HTTPWorker(loop: loop, channel: channel)
    worker.start()
    do { try loop.run() } catch { return 3 }
    return 0
}

/// The worker's connections and its channel to the core.
final class HTTPWorker {
    let loop: EventLoop
    private let channel: Int32
    private var connections: [ObjectIdentifier: HTTPWorkerConnection] = [:]
    /// The core closed the channel: finish what is held, then exit.
    private var draining = false
    /// The kernel's send buffer for each client (Linux doubles it): with the
    /// worker's own 64 KiB, what a client that does not read holds.
    static let clientSendBuffer: Int32 = 64 * 1024
    /// How long a draining worker waits for its last answers.
    static let drainGrace = 1.5

    init(loop: EventLoop, channel: Int32) {
        self.loop = loop
        self.channel = channel
    }

    func start() {
        loop.watchReadable(channel) { [unowned self] in self.channelReadable() }
    }

    /// A line for the core's main log (dropped if the channel is full: the
    /// worker never waits on the core).
    func log(_ level: LogLevel, _ text: String) {
        guard !draining else { return }
        _ = WorkerChannel.send(channel, WorkerMessage.log(level, text).encoded())
    }

    private func channelReadable() {
        // A few hand-offs per wakeup: connections already served go first.
        for _ in 0..<16 {
            switch WorkerChannel.receive(channel, capacity: WorkerMessage.maxSize) {
            case .wouldBlock:
                return
            case .eof, .failed:
                drain()
                return
            case .message(let bytes, let fds, let truncated):
                guard !truncated, fds.count == 2,
                      case .connection(let authRequired, let initial, let legacyGetActions)? = WorkerMessage.decode(bytes) else {
                    for fd in fds { Sys.close(fd) }
                    continue
                }
                adopt(client: fds[0], session: fds[1], authRequired: authRequired, legacyGetActions: legacyGetActions, initial: initial)
            }
        }
    }

    private func adopt(client: Int32, session: Int32, authRequired: Bool, legacyGetActions: Bool, initial: [UInt8]) {
        do {
            try Sys.setNonBlocking(client)
            try Sys.setNonBlocking(session)
        } catch {
            Sys.close(client)
            Sys.close(session)
            return
        }
        WorkerChannel.limitSendBuffer(client, bytes: Self.clientSendBuffer)
        let c = HTTPWorkerConnection(worker: self, client: client, session: session, authRequired: authRequired,
                                     legacyGetActions: legacyGetActions)
        connections[ObjectIdentifier(c)] = c
        c.start(initial: initial)
    }

    /// Called by a connection once both its descriptors are closed.
    func closed(_ c: HTTPWorkerConnection) {
        connections[ObjectIdentifier(c)] = nil
        if draining && connections.isEmpty { loop.stop() }
    }

    /// The core is going away (exit, or it stopped wanting a worker). The
    /// sessions it closed end their connections once their last bytes are
    /// passed on; whatever is left after the grace period is dropped.
    private func drain() {
        guard !draining else { return }
        draining = true
        loop.unwatch(channel)
        Sys.close(channel)
        if connections.isEmpty { loop.stop(); return }
        _ = loop.schedule(at: EventLoop.now() + Self.drainGrace) { [unowned self] in self.loop.stop() }
    }
}

/// The hidden switch `swiftvisord` recognises as "be the HTTP worker".
public let httpWorkerSwitch = WorkerChannel.workerSwitch
