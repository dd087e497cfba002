// The control socket server: accepts connections on the Unix socket, frames
// SWV1 request lines, enforces authentication and limits, hands requests to the
// ControlHandler one at a time per connection, and streams followed log files.
// It never blocks: every socket is nonblocking and driven by the EventLoop, so
// slow or silent clients cost one fd and bounded memory, never supervision time.
import SwiftvisorCore
import SwiftvisorOS

/// The daemon's control server for one endpoint: a `[unix_http_server]`
/// socket or an `[inet_http_server]` port.
public final class ControlServer {
    public let endpoint: ControlEndpoint
    private var credentials: ControlCredentials?
    /// `legacy_get_actions=` of this listener, passed with each HTTP hand-off.
    var legacyGetActions: Bool
    private unowned let handler: ControlHandler
    private let loop: EventLoop
    private var listener: Int32 = -1
    private var connections: [Int32: ControlConnection] = [:]
    /// Followed path → connections following it (by fd).
    private var followers: [String: Set<Int32>] = [:]
    /// Files open for follow streams, over every connection (bounded by
    /// `ControlProtocol.maxFollowedFiles`).
    private var followedFiles = 0
    /// Where a followed file is read before it is encoded into a connection's
    /// output: one buffer for every connection (the loop is one thread), so a
    /// read costs no allocation. 128 KiB: the pipe gives at most 64 KiB per
    /// write, and a follower behind the end catches up in large reads.
    private var readScratch = [UInt8](repeating: 0, count: ControlProtocol.followReadBytes)
    /// A descriptor held back for the moment the process runs out: closed to
    /// accept one waiting connection and close it at once, then taken back,
    /// so a full descriptor table never leaves the listener readable forever
    /// (a busy loop) or clients hanging in the backlog.
    private var reserveFD: Int32 = -1
    /// The listener is not watched (accept failed for lack of descriptors even
    /// with the reserve): a timer watches it again shortly.
    private var acceptPaused = false
    private var acceptCount: UInt64 = 0

    /// Called before any reply bytes go out. The daemon flushes its batched
    /// main-log lines here, so a client that hears of a change (a started
    /// program, a reload) finds it in the log when it reads it next.
    public var beforeReply: (() -> Void)?

    /// Where connections that speak HTTP go (nil: none; they get 503).
    var httpWorker: HTTPWorkerHost?

    /// Connections open now (for tests and diagnostics).
    public var connectionCount: Int { connections.count }

    public init(endpoint: ControlEndpoint, handler: ControlHandler, loop: EventLoop) {
        self.endpoint = endpoint
        self.credentials = endpoint.credentials
        self.legacyGetActions = endpoint.legacyGetActions
        self.handler = handler
        self.loop = loop
    }

    /// Start accepting on a socket already created with `UnixSocket.listen`
    /// (the daemon binds before daemonizing, so "already listening" reaches the
    /// terminal, and attaches the server once the event loop exists).
    public func start(listeningOn fd: Int32) {
        listener = fd
        takeReserve()
        loop.watchReadable(listener) { [unowned self] in self.acceptPending() }
    }

    private func takeReserve() {
        if reserveFD < 0 { reserveFD = (try? Sys.open("/dev/null", OpenFlag.readOnly)) ?? -1 }
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
            if case .unix(let path) = endpoint.address { Sys.unlinkQuietly(path) }
        }
        if reserveFD >= 0 { Sys.close(reserveFD); reserveFD = -1 }
    }

    /// Tell followers of `path` that it grew (or was truncated / rotated).
    /// Call after every append to a child log or the main log: a dictionary
    /// lookup when nobody follows it.
    public func logWritten(path: String) {
        guard let fds = followers[path] else { return }
        for fd in fds { if let c = connections[fd] { pump(c, only: path) } }
    }

    // MARK: accepting

    private func acceptPending() {
        // Bounded per round so a connect storm cannot starve other fds.
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: PeerCredentials)?
            do {
                accepted = try UnixSocket.accept(listener)
            } catch let e where e.errno == Errno.EMFILE || e.errno == Errno.ENFILE || e.errno == Errno.ENOBUFS || e.errno == Errno.ENOMEM {
                outOfDescriptors()
                return
            } catch {
                return  // anything else: the next readable round retries
            }
            guard let (fd, socketPeer) = accepted else { return }
            // TCP has no SO_PEERCRED: the peer is its address.
            let peer = if case .tcp = endpoint.address { InetSocket.acceptedPeer(fd) } else { socketPeer }
            if connections.count >= ControlProtocol.maxConnections {
                Sys.close(fd)
                continue
            }
            register(fd, peer: peer)
        }
    }

    /// Serve `fd` as a connection of `peer`: an accepted client, or the
    /// core's end of the SWV1 session of a connection handed to the HTTP
    /// worker (which speaks for that same client).
    private func register(_ fd: Int32, peer: PeerCredentials) {
        if credentials != nil { makeRoomForUnauthenticated() }
        acceptCount &+= 1
        let c = ControlConnection(fd: fd, peer: peer, credentials: credentials, order: acceptCount)
        connections[fd] = c
        loop.watchReadable(fd) { [unowned self] in self.readable(fd) }
        armDeadline(c, at: c.lastActivity + (credentials != nil ? ControlProtocol.authTimeout : ControlProtocol.idleTimeout))
    }

    /// accept() failed for lack of descriptors. Give up the reserve descriptor
    /// to accept the oldest waiting connection and close it at once (its
    /// client sees EOF, not a hang), then take the reserve back; if even that
    /// fails, stop watching the listener for a moment: a readable listener
    /// that cannot be accepted would wake the loop forever.
    private func outOfDescriptors() {
        if reserveFD >= 0 {
            Sys.close(reserveFD)
            reserveFD = -1
            if let (fd, _) = try? UnixSocket.accept(listener) { Sys.close(fd) }
            takeReserve()
            if reserveFD >= 0 { return }
        }
        guard !acceptPaused, listener >= 0 else { return }
        acceptPaused = true
        loop.unwatch(listener)
        _ = loop.schedule(at: EventLoop.now() + ControlProtocol.acceptRetryDelay) { [weak self] in
            guard let self, self.acceptPaused, self.listener >= 0 else { return }
            self.acceptPaused = false
            self.takeReserve()
            self.loop.watchReadable(self.listener) { [unowned self] in self.acceptPending() }
        }
    }

    /// Unauthenticated connections have a budget of their own: at the budget,
    /// the oldest one makes room, so clients that never authenticate cannot
    /// keep an operator (whose `auth` comes with its first bytes) out.
    private func makeRoomForUnauthenticated() {
        let waiting = connections.values.filter { !$0.session.authenticated && !$0.closed }
        guard waiting.count >= ControlProtocol.maxUnauthenticated,
              let oldest = waiting.min(by: { $0.order < $1.order }) else { return }
        closeConnection(oldest.fd)
    }

    // MARK: deadlines

    private func armDeadline(_ c: ControlConnection, at deadline: Double) {
        if let t = c.deadlineTimer { loop.cancel(t) }
        c.deadlineTimer = loop.schedule(at: deadline) { [weak self, weak c] in
            guard let self, let c, !c.closed else { return }
            c.deadlineTimer = nil
            self.checkDeadline(c)
        }
    }

    /// The auth deadline and the idle timeout (`ConnectionDeadline`).
    private func checkDeadline(_ c: ControlConnection) {
        let now = EventLoop.now()
        let active = c.session.busy || c.session.streaming || c.reply != nil || c.pendingOutput > 0
        if active { c.lastActivity = now }
        switch ConnectionDeadline.decide(now: now, acceptedAt: c.acceptedAt, lastActivity: c.lastActivity,
                                         authenticated: c.session.authenticated, active: active) {
        case .close: closeConnection(c.fd)
        case .checkAt(let t): armDeadline(c, at: t)
        }
    }

    // MARK: reading and requests

    private func readable(_ fd: Int32) {
        guard let c = connections[fd] else { return }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n: Int
        do {
            n = try chunk.withUnsafeMutableBytes { (b) throws(SystemError) in try UnixSocket.recv(fd, into: b) }
        } catch let e as SystemError where e.errno == Errno.EAGAIN || e.errno == Errno.EWOULDBLOCK {
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
        c.lastActivity = EventLoop.now()
        c.session.received(chunk[0..<n])
        processInput(c)
    }

    /// Let the session run the request lines it can run now, then pause or
    /// resume reading so unprocessed input stays bounded.
    private func processInput(_ c: ControlConnection) {
        if c.processing || c.closed { return }
        c.processing = true
        // Again after each batch: a handler that replied at once freed the
        // session for the next pipelined line. One batch per wakeup: a client
        // that pipelines many costly requests (64 KiB `status` lines) gets one
        // answered per loop round, the others' requests in between.
        var batches = 0
        while !c.closed {
            if batches == 1 {
                if c.resumeTimer == nil {
                    // A timer due now runs in the next round, after the fds (EventLoop.runDueTimers).
                    c.resumeTimer = loop.schedule(at: EventLoop.now()) { [weak self, weak c] in
                        guard let self, let c, !c.closed else { return }
                        c.resumeTimer = nil
                        self.processInput(c)
                    }
                }
                break
            }
            let actions = c.session.next(pendingOutput: c.pendingOutput)
            if actions.isEmpty { break }
            batches += 1
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
                if c.reply != nil && !c.closed && !c.watchingWrite { produceReply(c) }
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
            case .reply(let response):
                startReply(c, ReplyStream(response))
            case .audit(let line):
                handler.audit(line)
            case .close:
                c.closeAfterFlush = true
                flushOrClose(c)
            case .follow(let targets):
                startFollow(c, targets, from: nil)
            case .followFrom(let targets, let offsets):
                startFollow(c, targets, from: offsets)
            case .followRaw(let targets, let offsets):
                startFollow(c, targets, from: offsets, raw: true)
            case .handOff(let bytes):
                handOff(c, bytes)
            case .perform(.readLog(let name, let channel, let offset, let length)):
                startLogRead(c, .process(name: name, channel: channel), name: name, offset: offset, length: length)
            case .perform(.readLogFile(let name, let channel, let file, let offset, let length)):
                startLogRead(c, .process(name: name, channel: channel), name: name, offset: offset, length: length, file: file)
            case .perform(.readMainLog(let offset, let length)):
                startLogRead(c, .mainLog, name: "supervisord", offset: offset, length: length)
            case .perform(.tailLog(let name, let channel, let offset, let length)):
                startTailRead(c, name: name, channel: channel, offset: offset, length: length)
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

    // MARK: HTTP

    /// The connection speaks HTTP: the worker gets the client's descriptor,
    /// the bytes read so far and a fresh SWV1 session, whose core end is
    /// served here as a connection of the same peer (its audit lines name
    /// the client) with this listener's credentials. The core never parses
    /// the HTTP itself; without a worker it answers 503 and closes.
    private func handOff(_ c: ControlConnection, _ bytes: [UInt8]) {
        guard let worker = httpWorker, worker.isUp, let (core, far) = try? WorkerChannel.pair(seqpacket: false) else {
            return serviceUnavailable(c)
        }
        let sent = worker.handOff(client: c.fd, session: far, initialBytes: bytes, authRequired: credentials != nil,
                                    legacyGetActions: legacyGetActions)
        Sys.close(far)
        guard sent else {
            Sys.close(core)
            return serviceUnavailable(c)
        }
        let peer = c.peer
        closeConnection(c.fd)  // the worker holds the client now
        register(core, peer: peer)
    }

    private func serviceUnavailable(_ c: ControlConnection) {
        let response = HTTPResponse.error(.serviceUnavailable)
        send(c, response.serialized(version: .http10, connection: "close", epochSeconds: Int64(EventLoop.wallNow())).bytes)
        c.closeAfterFlush = true
        flushOrClose(c)
    }

    // MARK: replies

    /// Send `reply` as the client takes it; the session runs the next request
    /// when its end line is queued.
    private func startReply(_ c: ControlConnection, _ reply: ReplyStream) {
        guard !c.closed else { return }
        beforeReply?()
        c.reply = reply
        produceReply(c)
    }

    /// Queue more of the reply while little waits for the client. A few pieces
    /// per wakeup at most, so a large reply to one client never holds the
    /// loop; the write watch brings us back for the rest.
    private func produceReply(_ c: ControlConnection) {
        var pieces = 0
        while let reply = c.reply, !c.closed, c.pendingOutput < ControlProtocol.replyLowWater, pieces < 8 {
            pieces += 1
            if reply.produce(into: &c.output, budget: ControlProtocol.replyLowWater - c.pendingOutput) {
                c.reply = nil
                c.lastActivity = EventLoop.now()
                c.session.replySent()
            }
            flushOrClose(c)
        }
        guard !c.closed else { return }
        if c.reply != nil {
            if !c.watchingWrite {
                c.watchingWrite = true
                loop.watchWritable(c.fd) { [unowned self] in self.writable(c.fd) }
            }
        } else {
            processInput(c)
        }
    }

    /// `readlog`/`mainlog`: supervisord's readLog rules on the file the handler
    /// names (as for `follow`), clamped to `ControlProtocol.maxLogRead` and read
    /// while the client takes it (`LogReader`).
    /// With `file` (`readlog --file=N`), rotation N of the log (`path.N`, the
    /// names RotatingLogFile gives backups), announced by a `logfile` item.
    private func startLogRead(_ c: ControlConnection, _ target: FollowTarget, name: String, offset: Int, length: Int,
                              file: Int? = nil) {
        var path: String
        switch handler.followTarget(target) {
        case .failure(let fault):
            startReply(c, ReplyStream(.fault(fault)))
            return
        case .success(let p):
            path = p
        }
        if let file, file > 0 { path += ".\(file)" }
        do throws(LogTailError) {
            let reader = try LogReader(path: path, offset: offset, length: length, limit: ControlProtocol.maxLogRead)
            let head = file.map { ControlItem.logFile(file: $0, size: Int(clamping: reader.size), id: Int(clamping: reader.inode)) }
            startReply(c, ReplyStream(log: reader, first: head))
        } catch {
            // supervisord: a log file that is not there is NO_FILE; other errors FAILED.
            let fault: ControlFault
            switch error {
            case .badArguments: fault = ControlFault(.badArguments, name)
            // supervisord names the missing file (RPCError(NO_FILE, logfile)).
            case .failed(let path, let e) where e == Errno.ENOENT: fault = ControlFault(.noFile, path)
            case .failed: fault = ControlFault(.failed, name)
            }
            startReply(c, ReplyStream(.fault(fault)))
        }
    }

    /// `taillog`: supervisord's tailFile on a process log (LogTail.tail,
    /// bounded by `ControlProtocol.maxLogRead`): a `tail` item with the
    /// file's size and the overflow flag, then the bytes as `log` items. A
    /// log file that is not there is NO_FILE.
    private func startTailRead(_ c: ControlConnection, name: String, channel: LogChannel, offset: Int, length: Int) {
        switch handler.followTarget(.process(name: name, channel: channel)) {
        case .failure(let fault):
            startReply(c, ReplyStream(.fault(fault)))
        case .success(let path):
            guard let tail = LogTail.tailIfOpened(path: path, offset: Int64(offset), length: Int64(length)) else {
                startReply(c, ReplyStream(.fault(ControlFault(.noFile, path))))
                return
            }
            startReply(c, ReplyStream(.ok(TailReply.items(bytes: tail.bytes, size: tail.offset, overflow: tail.overflow))))
        }
    }

    // MARK: following

    /// `raw`: `follow --raw`, the bytes in `chunk` frames (RawFollowFrame).
    private func startFollow(_ c: ControlConnection, _ targets: [FollowTarget], from offsets: [Int]?, raw: Bool = false) {
        var files: [FollowedFile] = []
        func fail(_ fault: ControlFault) {
            for f in files { Sys.close(f.fd) }
            perform(c.session.followRefused(fault), on: c)
        }
        // Checked before anything is opened: the request's own size, then the
        // budget shared by every connection (docs/protocol.md §7).
        guard targets.count <= ControlProtocol.maxFollowedFiles - followedFiles else {
            return fail(ControlFault(.failed, "too many followed log files (at most \(ControlProtocol.maxFollowedFiles) at once)"))
        }
        for (index, target) in targets.enumerated() {
            let path: String
            switch handler.followTarget(target) {
            case .failure(let fault): fail(fault); return
            case .success(let p): path = p
            }
            let start = offsets.flatMap { $0.indices.contains(index) ? $0[index] : nil }
            guard let file = FollowedFile.open(path: path, index: index, from: start) else {
                let name: String
                if case .process(let n, _) = target { name = n } else { name = "supervisord" }
                fail(ControlFault(.noFile, name))
                return
            }
            files.append(file)
        }
        c.follow = files
        c.followRaw = raw
        followedFiles += files.count
        for f in files { followers[f.path, default: []].insert(c.fd) }
        perform(c.session.followStarted(), on: c)
        pump(c)
    }

    /// Move new bytes of followed files into the connection's output, stopping
    /// at the high-water mark (the rest waits in the file: no data is dropped
    /// for a slow reader, and memory stays bounded). `only`: the file that was
    /// just written (the others have nothing new, or are read when the socket
    /// drains: a stop at the high-water mark always leaves a writable watch).
    private func pump(_ c: ControlConnection, only path: String? = nil) {
        guard var files = c.follow, !c.closed else { return }
        var full = false
        let raw = c.followRaw
        readScratch.withUnsafeMutableBytes { buffer in
            for i in files.indices where path == nil || files[i].path == path {
                reading: while true {
                    guard c.pendingOutput < ControlProtocol.streamHighWater else { full = true; break }
                    switch files[i].readMore(into: buffer) {
                    case .data(let n):
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<n])
                        if raw {
                            // The file's bytes as read: one copy, no encoding.
                            RawFollowFrame.appendHeader(target: files[i].index, length: n, into: &c.output)
                            c.output.append(contentsOf: bytes)
                        } else {
                            StreamDataItem.encode(target: files[i].index, bytes: bytes, into: &c.output)
                        }
                    case .truncated:
                        let notice = Array(ControlProtocol.truncatedNotice.utf8)
                        if raw {
                            RawFollowFrame.appendHeader(target: files[i].index, length: notice.count, into: &c.output)
                            c.output += notice
                        } else {
                            c.output += ControlItem.data(target: files[i].index, bytes: notice).encoded()
                        }
                    case .nothing:
                        break reading
                    }
                }
            }
        }
        c.follow = files
        if full { c.followBehind = true } else if path == nil { c.followBehind = false }
        flushOrClose(c)
        // Stopped at the high-water mark with more to read, and the socket took
        // it all: nothing would call again until the file grows (a `follow
        // --from=` far behind the end would stall). The writable watch (level
        // triggered, the socket is writable) brings us back next round, after
        // the other ready descriptors: other clients stay served.
        if c.followBehind, !c.closed, c.pendingOutput == 0, !c.watchingWrite {
            c.watchingWrite = true
            loop.watchWritable(c.fd) { [unowned self] in self.writable(c.fd) }
        }
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
            } catch let e as SystemError where e.errno == Errno.EAGAIN || e.errno == Errno.EWOULDBLOCK {
                break
            } catch {
                closeConnection(c.fd)
                return
            }
            c.outputStart += n
            c.lastProgress = EventLoop.now()
        }
        if c.pendingOutput == 0 {
            // A follow refills it at once: its space (bounded by the
            // high-water mark and one read) is kept rather than given back
            // and grown again, copy by copy, for every frame.
            c.output.removeAll(keepingCapacity: c.output.capacity <= 64 * 1024 || c.follow != nil)
            c.outputStart = 0
            if c.closeAfterFlush { closeConnection(c.fd); return }
            // Not while a follow is behind: this flush may be a pump of one
            // file that was just written (`logWritten`), and the watch is what
            // brings the pump of every file. Dropped here, a file left unread
            // at the high-water mark whose writer had finished was never read
            // again: the stream stalled with its last bytes in the file.
            if c.watchingWrite, !(c.follow != nil && c.followBehind) { loop.unwatchWritable(c.fd); c.watchingWrite = false }
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
        if c.follow != nil { pump(c) } else if c.reply != nil { produceReply(c) } else { processInput(c) }
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
        if let timer = c.deadlineTimer { loop.cancel(timer) }
        if let timer = c.resumeTimer { loop.cancel(timer) }
        c.reply = nil  // a log being read is closed with it
        followedFiles -= c.follow?.count ?? 0
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
    /// The follow was asked with `--raw`: `chunk` frames instead of `data` items.
    var followRaw = false
    /// A pump stopped at the high-water mark: some followed file may have
    /// bytes not read yet, and only a pump of every file (after the socket
    /// drains) clears it. While it is set the writable watch stays.
    var followBehind = false
    var lastProgress = EventLoop.now()
    var stallTimer: EventLoop.TimerID?
    /// The auth deadline, then the idle deadline.
    var deadlineTimer: EventLoop.TimerID?
    /// A reply being produced as the client reads.
    var reply: ReplyStream?
    /// More pipelined requests wait for the next loop round.
    var resumeTimer: EventLoop.TimerID?
    /// Accept order (the oldest unauthenticated connection makes room first).
    let order: UInt64
    let acceptedAt = EventLoop.now()
    /// Last request bytes or reply completion (the idle deadline counts from it).
    var lastActivity = EventLoop.now()

    init(fd: Int32, peer: PeerCredentials, credentials: ControlCredentials?, order: UInt64) {
        self.fd = fd
        self.order = order
        self.peer = peer
        self.session = ControlSession(credentials: credentials, peer: peer)
    }

    var pendingOutput: Int { output.count - outputStart }
}
