// The control socket server: accepts connections on the Unix socket, frames
// SWV1 request lines, enforces authentication and limits, hands requests to the
// ControlHandler one at a time per connection, and streams followed log files.
// It never blocks: every socket is nonblocking and driven by the EventLoop, so
// slow or silent clients cost one fd and bounded memory, never supervision time.
import Glibc
import SwiftvisorCore
import SwiftvisorOS

/// The daemon's control server for one endpoint: a `[unix_http_server]`
/// socket or an `[inet_http_server]` port.
public final class ControlServer {
    public let endpoint: ControlEndpoint
    private var credentials: ControlCredentials?
    private unowned let handler: ControlHandler
    private let loop: EventLoop
    private var listener: Int32 = -1
    private var connections: [Int32: ControlConnection] = [:]
    /// Followed path → connections following it (by fd).
    private var followers: [String: Set<Int32>] = [:]

    /// Called before any reply bytes go out. The daemon flushes its batched
    /// main-log lines here, so a client that hears of a change (a started
    /// program, a reload) finds it in the log when it reads it next.
    public var beforeReply: (() -> Void)?

    /// Connections open now (for tests and diagnostics).
    public var connectionCount: Int { connections.count }

    public init(endpoint: ControlEndpoint, handler: ControlHandler, loop: EventLoop) {
        self.endpoint = endpoint
        self.credentials = endpoint.credentials
        self.handler = handler
        self.loop = loop
    }

    /// Start accepting on a socket already created with `UnixSocket.listen`
    /// (the daemon binds before daemonizing, so "already listening" reaches the
    /// terminal, and attaches the server once the event loop exists).
    public func start(listeningOn fd: Int32) {
        listener = fd
        loop.watchReadable(listener) { [unowned self] in self.acceptPending() }
    }

    /// Replace the credentials after a reload (`username=/password=` may have
    /// changed); connections already authenticated stay so.
    public func updateCredentials(_ credentials: ControlCredentials?) {
        self.credentials = credentials
    }

    /// Close every connection and the listener and remove the socket file
    /// (at shutdown, and before a reload re-creates it).
    public func close() {
        for fd in Array(connections.keys) { closeConnection(fd) }
        if listener >= 0 {
            loop.unwatch(listener)
            Sys.close(listener)
            listener = -1
            if case .unix(let path) = endpoint.address { _ = unlink(path) }
        }
    }

    /// Tell followers of `path` that it grew (or was truncated / rotated).
    /// Call after every append to a child log or the main log: a dictionary
    /// lookup when nobody follows it.
    public func logWritten(path: String) {
        guard let fds = followers[path] else { return }
        for fd in fds { if let c = connections[fd] { pump(c) } }
    }

    // MARK: accepting

    private func acceptPending() {
        // Bounded per round so a connect storm cannot starve other fds.
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: PeerCredentials)?
            do { accepted = try UnixSocket.accept(listener) } catch { return }  // EMFILE etc.: retry next round
            guard let (fd, socketPeer) = accepted else { return }
            // TCP has no SO_PEERCRED: the peer is its address.
            let peer = if case .tcp = endpoint.address { InetSocket.acceptedPeer(fd) } else { socketPeer }
            if connections.count >= ControlProtocol.maxConnections {
                Sys.close(fd)
                continue
            }
            let c = ControlConnection(fd: fd, peer: peer, credentials: credentials)
            connections[fd] = c
            loop.watchReadable(fd) { [unowned self] in self.readable(fd) }
        }
    }

    // MARK: reading and requests

    private func readable(_ fd: Int32) {
        guard let c = connections[fd] else { return }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n: Int
        do {
            n = try chunk.withUnsafeMutableBytes { (b) throws(SystemError) in try UnixSocket.recv(fd, into: b) }
        } catch let e as SystemError where e.errno == EAGAIN || e.errno == EWOULDBLOCK {
            return
        } catch {
            closeConnection(fd)
            return
        }
        if n == 0 {
            // The client left; a reply still being prepared is dropped when it comes.
            closeConnection(fd)
            return
        }
        c.session.received(chunk[0..<n])
        processInput(c)
    }

    /// Let the session run the request lines it can run now, then pause or
    /// resume reading so unprocessed input stays bounded.
    private func processInput(_ c: ControlConnection) {
        if c.processing || c.closed { return }
        c.processing = true
        // Again after each batch: a handler that replied at once freed the
        // session for the next pipelined line.
        while !c.closed {
            let actions = c.session.next(pendingOutput: c.pendingOutput)
            if actions.isEmpty { break }
            perform(actions, on: c)
        }
        c.processing = false
        guard !c.closed else { return }
        let shouldRead = c.session.wantsInput
        if shouldRead != c.reading {
            c.reading = shouldRead
            if shouldRead {
                loop.watchReadable(c.fd) { [unowned self] in self.readable(c.fd) }
            } else {
                loop.unwatch(c.fd)
                c.watchingWrite = false
                flushOrClose(c)  // re-arms the write watch if bytes are pending
            }
        }
    }

    /// Carry out what the session decided.
    private func perform(_ actions: [ControlSession.Action], on c: ControlConnection) {
        for action in actions {
            guard !c.closed else { return }
            switch action {
            case .send(let bytes):
                send(c, bytes)
            case .audit(let line):
                handler.audit(line)
            case .close:
                c.closeAfterFlush = true
                flushOrClose(c)
            case .follow(let targets):
                startFollow(c, targets)
            case .perform(let request):
                c.generation &+= 1
                let generation = c.generation
                handler.perform(request, peer: c.peer) { [weak self, weak c] response in
                    // Dropped when the client left, or when called twice (a handler bug).
                    guard let self, let c, !c.closed, c.generation == generation else { return }
                    c.generation &+= 1
                    self.perform(c.session.replied(response), on: c)
                    self.processInput(c)
                }
            }
        }
    }

    // MARK: following

    private func startFollow(_ c: ControlConnection, _ targets: [FollowTarget]) {
        var files: [FollowedFile] = []
        func fail(_ fault: ControlFault) {
            for f in files { Sys.close(f.fd) }
            perform(c.session.followRefused(fault), on: c)
        }
        for (index, target) in targets.enumerated() {
            let path: String
            switch handler.followTarget(target) {
            case .failure(let fault): fail(fault); return
            case .success(let p): path = p
            }
            guard let file = FollowedFile.open(path: path, index: index) else {
                let name: String
                if case .process(let n, _) = target { name = n } else { name = "supervisord" }
                fail(ControlFault(.noFile, name))
                return
            }
            files.append(file)
        }
        c.follow = files
        for f in files { followers[f.path, default: []].insert(c.fd) }
        perform(c.session.followStarted(), on: c)
        pump(c)
    }

    /// Move new bytes of followed files into the connection's output, stopping
    /// at the high-water mark (the rest waits in the file: no data is dropped
    /// for a slow reader, and memory stays bounded).
    private func pump(_ c: ControlConnection) {
        guard var files = c.follow, !c.closed else { return }
        for i in files.indices {
            while c.pendingOutput < ControlProtocol.streamHighWater {
                switch files[i].readMore(max: 32 * 1024) {
                case .data(let bytes):
                    c.output += ControlItem.data(target: files[i].index, bytes: bytes).encoded()
                case .truncated:
                    c.output += ControlItem.data(target: files[i].index, bytes: Array(ControlProtocol.truncatedNotice.utf8)).encoded()
                case .nothing:
                    break
                }
                if case .nothing = files[i].lastRead { break }
            }
        }
        c.follow = files
        flushOrClose(c)
    }

    // MARK: writing

    private func send(_ c: ControlConnection, _ bytes: [UInt8]) {
        guard !c.closed else { return }
        beforeReply?()
        c.output += bytes
        flushOrClose(c)
    }

    /// Write what the socket takes now; watch for writability if anything is
    /// left; close when asked to after the flush, or when the peer is gone.
    private func flushOrClose(_ c: ControlConnection) {
        guard !c.closed else { return }
        while c.pendingOutput > 0 {
            let n: Int
            do {
                n = try c.output.withUnsafeBytes { (raw) throws(SystemError) in
                    try UnixSocket.send(c.fd, UnsafeRawBufferPointer(rebasing: raw[c.outputStart...]))
                }
            } catch let e as SystemError where e.errno == EAGAIN || e.errno == EWOULDBLOCK {
                break
            } catch {
                closeConnection(c.fd)
                return
            }
            c.outputStart += n
            c.lastProgress = EventLoop.now()
        }
        if c.pendingOutput == 0 {
            c.output.removeAll(keepingCapacity: c.output.capacity <= 64 * 1024)
            c.outputStart = 0
            if c.closeAfterFlush { closeConnection(c.fd); return }
            if c.watchingWrite { loop.unwatchWritable(c.fd); c.watchingWrite = false }
            if let timer = c.stallTimer { loop.cancel(timer); c.stallTimer = nil }
        } else {
            if c.outputStart > 64 * 1024 {
                c.output.removeSubrange(..<c.outputStart)
                c.outputStart = 0
            }
            if !c.watchingWrite {
                c.watchingWrite = true
                loop.watchWritable(c.fd) { [unowned self] in self.writable(c.fd) }
            }
            if c.stallTimer == nil { armStallTimer(c) }
        }
    }

    private func writable(_ fd: Int32) {
        guard let c = connections[fd] else { return }
        flushOrClose(c)
        guard !c.closed else { return }
        if c.follow != nil { pump(c) } else { processInput(c) }
    }

    /// A reader that takes nothing for `stalledWriterTimeout` seconds is closed.
    private func armStallTimer(_ c: ControlConnection) {
        let fd = c.fd
        c.stallTimer = loop.schedule(at: c.lastProgress + ControlProtocol.stalledWriterTimeout) { [weak self, weak c] in
            guard let self, let c, !c.closed else { return }
            c.stallTimer = nil
            guard c.pendingOutput > 0 else { return }
            if EventLoop.now() - c.lastProgress >= ControlProtocol.stalledWriterTimeout {
                self.closeConnection(fd)
            } else {
                self.armStallTimer(c)
            }
        }
    }

    private func closeConnection(_ fd: Int32) {
        guard let c = connections.removeValue(forKey: fd) else { return }
        c.closed = true
        loop.unwatch(fd)
        Sys.close(fd)
        if let timer = c.stallTimer { loop.cancel(timer) }
        for f in c.follow ?? [] {
            Sys.close(f.fd)
            followers[f.path]?.remove(fd)
            if followers[f.path]?.isEmpty == true { followers[f.path] = nil }
        }
        c.follow = nil
        c.output = []
    }
}

/// One client connection: its protocol session and its socket-side state.
final class ControlConnection {
    let fd: Int32
    let peer: PeerCredentials
    var session: ControlSession
    var output: [UInt8] = []
    var outputStart = 0
    /// Bumped for each request handed to the handler, so a late or repeated reply is recognised.
    var generation: UInt64 = 0
    var processing = false
    var reading = true
    var watchingWrite = false
    var closeAfterFlush = false
    var closed = false
    var follow: [FollowedFile]?
    var lastProgress = EventLoop.now()
    var stallTimer: EventLoop.TimerID?

    init(fd: Int32, peer: PeerCredentials, credentials: ControlCredentials?) {
        self.fd = fd
        self.peer = peer
        self.session = ControlSession(credentials: credentials, peer: peer)
    }

    var pendingOutput: Int { output.count - outputStart }
}
