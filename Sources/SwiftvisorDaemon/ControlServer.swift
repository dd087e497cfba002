// The control socket server: accepts connections on the Unix socket, frames
// SWV1 request lines, enforces authentication and limits, hands requests to the
// ControlHandler one at a time per connection, and streams followed log files.
// It never blocks: every socket is nonblocking and driven by the EventLoop, so
// slow or silent clients cost one fd and bounded memory, never supervision time.
import Glibc
import SwiftvisorCore
import SwiftvisorOS

/// The daemon's control server for one `[unix_http_server]` section.
public final class ControlServer {
    public let path: String
    private let config: UnixHTTPServerConfig
    private var credentials: ControlCredentials?
    private unowned let handler: ControlHandler
    private let loop: EventLoop
    private var listener: Int32 = -1
    private var connections: [Int32: ControlConnection] = [:]
    /// Followed path → connections following it (by fd).
    private var followers: [String: Set<Int32>] = [:]

    /// Connections open now (for tests and diagnostics).
    public var connectionCount: Int { connections.count }

    public init(config: UnixHTTPServerConfig, handler: ControlHandler, loop: EventLoop) {
        self.config = config
        self.path = config.file
        self.handler = handler
        self.loop = loop
        if let u = config.username, let p = config.password {
            credentials = ControlCredentials(username: u, password: p)
        } else {
            credentials = nil
        }
    }

    /// Create the socket file and start accepting. `onStale` receives
    /// supervisord's `Unlinking stale socket <path>` line (stderr by default).
    public func start(onStale: (String) -> Void = { p in
        let line = Array("Unlinking stale socket \(p)\n".utf8)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }) throws(UnixSocketError) {
        start(listeningOn: try UnixSocket.listen(path: config.file, mode: config.chmod, uid: config.chownUID,
                                                 gid: config.chownGID, onStale: onStale))
    }

    /// Start accepting on a socket already created with `UnixSocket.listen`
    /// (the daemon binds before daemonizing, so "already listening" reaches the
    /// terminal, and attaches the server once the event loop exists).
    public func start(listeningOn fd: Int32) {
        listener = fd
        loop.watchReadable(listener) { [unowned self] in self.acceptPending() }
    }

    /// Replace the credentials after a reload (`[unix_http_server] username=/password=`
    /// may have changed); connections already authenticated stay so.
    public func updateCredentials(_ config: UnixHTTPServerConfig) {
        if let u = config.username, let p = config.password {
            credentials = ControlCredentials(username: u, password: p)
        } else {
            credentials = nil
        }
    }

    /// Close every connection and the listener and remove the socket file
    /// (at shutdown, and before a reload re-creates it).
    public func close() {
        for fd in Array(connections.keys) { closeConnection(fd) }
        if listener >= 0 {
            loop.unwatch(listener)
            Sys.close(listener)
            listener = -1
            _ = unlink(config.file)
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
            guard let (fd, peer) = accepted else { return }
            if connections.count >= ControlProtocol.maxConnections {
                Sys.close(fd)
                continue
            }
            let c = ControlConnection(fd: fd, peer: peer, authenticated: credentials == nil)
            connections[fd] = c
            loop.watchReadable(fd) { [unowned self] in self.readable(fd) }
        }
    }

    // MARK: reading and framing

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
        // While streaming, input is ignored: only EOF matters.
        if c.follow != nil { return }
        c.input += chunk[0..<n]
        processInput(c)
    }

    /// Run complete request lines while the connection is idle: one request at
    /// a time, in order, and not while a big reply is still unsent (so a client
    /// that pipelines and never reads cannot grow our buffers).
    private func processInput(_ c: ControlConnection) {
        if c.processing { return }
        c.processing = true
        defer { c.processing = false }
        while !c.closed, !c.closeAfterFlush, !c.busy, c.follow == nil,
              c.pendingOutput < ControlProtocol.streamHighWater {
            guard let nl = c.input.firstIndex(of: 0x0A) else {
                if c.input.count >= ControlProtocol.maxRequestLine { lineTooLong(c) }
                break
            }
            if nl + 1 > ControlProtocol.maxRequestLine { lineTooLong(c); break }
            let line = Array(c.input[..<nl])
            c.input.removeSubrange(...nl)
            if !c.sawFirstLine {
                c.sawFirstLine = true
                if Self.looksLikeHTTP(line) { replyHTTPNotImplemented(c); break }
            }
            handleLine(c, line)
        }
        // Pause reading while we cannot make progress, so input stays bounded.
        let shouldRead = c.follow != nil || c.input.count < ControlProtocol.maxRequestLine
        if !c.closed && shouldRead != c.reading {
            c.reading = shouldRead
            if shouldRead {
                loop.watchReadable(c.fd) { [unowned self] in self.readable(c.fd) }
            } else {
                loop.unwatch(c.fd)
                if c.pendingOutput > 0 { loop.watchWritable(c.fd) { [unowned self] in self.writable(c.fd) } }
            }
        }
    }

    private func lineTooLong(_ c: ControlConnection) {
        c.input = []
        send(c, ControlResponse.fault(ControlFault(.lineTooLong, "request lines are limited to \(ControlProtocol.maxRequestLine) bytes")).encoded())
        c.closeAfterFlush = true
        flushOrClose(c)
    }

    /// The first line of an HTTP request (`GET / HTTP/1.0`): the second
    /// protocol the socket will speak (XML-RPC) is told apart by its first bytes.
    static func looksLikeHTTP(_ line: [UInt8]) -> Bool {
        for method in ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS "] where line.starts(with: method.utf8) {
            return true
        }
        return false
    }

    private func replyHTTPNotImplemented(_ c: ControlConnection) {
        let body = "swiftvisord speaks the SWV1 line protocol on this socket (see docs/protocol.md); HTTP and XML-RPC are not implemented.\n"
        let head = "HTTP/1.0 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        send(c, Array((head + body).utf8))
        c.closeAfterFlush = true
        flushOrClose(c)
    }

    private func handleLine(_ c: ControlConnection, _ line: [UInt8]) {
        guard let decoded = ControlRequest.decode(line) else { return }  // blank line
        let request: ControlRequest
        switch decoded {
        case .failure(let fault): send(c, ControlResponse.fault(fault).encoded()); return
        case .success(let r): request = r
        }
        switch request {
        case .auth(let user, let password):
            if let credentials, !credentials.accepts(user: user, password: password) {
                send(c, ControlResponse.fault(ControlFault(.authFailed, "wrong username or password")).encoded())
                c.closeAfterFlush = true
                flushOrClose(c)
                return
            }
            c.authenticated = true
            send(c, ControlResponse.done.encoded())
            return
        case .quit:
            send(c, ControlResponse.done.encoded())
            c.closeAfterFlush = true
            flushOrClose(c)
            return
        default:
            break
        }
        guard c.authenticated else {
            send(c, ControlResponse.fault(ControlFault(.authRequired, "send auth USER PASSWORD first")).encoded())
            return
        }
        if case .follow(let targets) = request {
            startFollow(c, targets)
            return
        }
        if request.changesState { handler.audit(c.peer.auditLine(for: request)) }
        c.busy = true
        c.generation &+= 1
        let generation = c.generation
        handler.perform(request, peer: c.peer) { [weak self, weak c] response in
            // Dropped when the client left, or when called twice (a handler bug).
            guard let self, let c, !c.closed, c.busy, c.generation == generation else { return }
            c.busy = false
            self.send(c, response.encoded())
            self.processInput(c)
        }
    }

    // MARK: following

    private func startFollow(_ c: ControlConnection, _ targets: [FollowTarget]) {
        var files: [FollowedFile] = []
        func fail(_ fault: ControlFault) {
            for f in files { Sys.close(f.fd) }
            send(c, ControlResponse.fault(fault).encoded())
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
        send(c, ReplyStatus.stream.encoded())
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
        c.input = []
    }
}

/// One client connection's state.
final class ControlConnection {
    let fd: Int32
    let peer: PeerCredentials
    var authenticated: Bool
    var input: [UInt8] = []
    var output: [UInt8] = []
    var outputStart = 0
    var busy = false
    var generation: UInt64 = 0
    var processing = false
    var reading = true
    var watchingWrite = false
    var sawFirstLine = false
    var closeAfterFlush = false
    var closed = false
    var follow: [FollowedFile]?
    var lastProgress = EventLoop.now()
    var stallTimer: EventLoop.TimerID?

    init(fd: Int32, peer: PeerCredentials, authenticated: Bool) {
        self.fd = fd
        self.peer = peer
        self.authenticated = authenticated
    }

    var pendingOutput: Int { output.count - outputStart }
}
