// One HTTP connection inside the worker, with the SWV1 session the core
// opened for it. Requests are read with HTTPRequestParser, answered one at a
// time in order (pipelined requests wait in the parser), authenticated by the
// core (`auth --http`), routed as supervisord routes them (HTTPRoute), and
// turned into SWV1 requests by XMLRPCDispatcher; replies come back through
// ReplyReader. Memory is bounded both ways: the client is not read while a
// request is being answered, and the session is not read while more than
// `highWater` bytes wait for the client (docs/protocol.md §9.9).
import SwiftvisorCore
import SwiftvisorOS

final class HTTPWorkerConnection {
    /// What the session's next reply is for.
    private enum Waiting {
        case nothing
        /// `auth --http` for the request in flight; then route it.
        case auth(user: String, password: String)
        /// One step of an XML-RPC call.
        case rpc((ControlResponse) -> XMLRPCStep)
        /// `follow` for a log stream (`logtail`: the /logtail form).
        case follow(logtail: Bool)
        /// The stream runs: data items until the session ends.
        case streaming(chunked: Bool)
        /// `metrics` for `/metrics` (`head`: a HEAD request).
        case metrics(head: Bool)
        /// One step of a web page request.
        case web((ControlResponse) -> WebStep)
    }

    /// Output waiting for the client above which neither the session nor
    /// the next pipelined request is read.
    static let highWater = 64 * 1024
    static let readSize = 16 * 1024

    private unowned let worker: HTTPWorker
    private var loop: EventLoop { worker.loop }
    private let client: Int32
    private let session: Int32
    private let authRequired: Bool
    private let legacyGetActions: Bool
    private var parser = HTTPRequestParser()
    private var reader = ReplyReader()
    private var waiting = Waiting.nothing
    /// The request being answered.
    private var current: HTTPRequest?
    /// The credentials the core accepted on this session.
    private var acceptedCredentials: (user: String, password: String)?
    private var output: [UInt8] = []
    private var outputStart = 0
    private var readingClient = false
    private var readingSession = false
    private var watchingWrite = false
    private var closeAfterFlush = false
    private var clientEOF = false
    private var closed = false
    private var lastProgress = EventLoop.now()
    private var stallTimer: EventLoop.TimerID?

    init(worker: HTTPWorker, client: Int32, session: Int32, authRequired: Bool, legacyGetActions: Bool) {
        self.legacyGetActions = legacyGetActions
        self.worker = worker
        self.client = client
        self.session = session
        self.authRequired = authRequired
    }

    private var pendingOutput: Int { output.count - outputStart }
    private var streaming: Bool { if case .streaming = waiting { return true } else { return false } }

    func start(initial: [UInt8]) {
        parser.received(initial)
        processRequests()
        updateWatches()
    }

    // MARK: watches

    /// Read the client only between requests (and, during a stream, to see
    /// it leave: those bytes are dropped); read the session only while the
    /// client keeps up.
    private func updateWatches() {
        guard !closed else { return }
        let wantClient = !clientEOF && !closeAfterFlush && (current == nil || streaming)
            && pendingOutput < Self.highWater && parser.bufferedCount < parser.limits.maxHeaderBytes + parser.limits.maxBodyBytes
        if wantClient != readingClient {
            readingClient = wantClient
            if wantClient { loop.watchReadable(client) { [unowned self] in self.clientReadable() } } else { unwatchClientRead() }
        }
        let wantSession = pendingOutput < Self.highWater
        if wantSession != readingSession {
            readingSession = wantSession
            if wantSession { loop.watchReadable(session) { [unowned self] in self.sessionReadable() } } else { loop.unwatch(session) }
        }
    }

    /// The client's read watch off, its write watch kept.
    private func unwatchClientRead() {
        loop.unwatch(client)
        if watchingWrite { loop.watchWritable(client) { [unowned self] in self.clientWritable() } }
    }

    // MARK: the client

    /// What one read of a socket gave.
    private enum ReadResult {
        case bytes(ArraySlice<UInt8>)
        case wouldBlock
        /// EOF, or an error that ends the socket.
        case ended(error: Bool)
    }

    private func read(_ fd: Int32) -> ReadResult {
        var chunk = [UInt8](repeating: 0, count: Self.readSize)
        let n: Int
        do {
            n = try chunk.withUnsafeMutableBytes { (b) throws(SystemError) in try UnixSocket.recv(fd, into: b) }
        } catch let e as SystemError where e.errno == Errno.EAGAIN || e.errno == Errno.EWOULDBLOCK {
            return .wouldBlock
        } catch {
            return .ended(error: true)
        }
        return n == 0 ? .ended(error: false) : .bytes(chunk[0..<n])
    }

    private func clientReadable() {
        let chunk: ArraySlice<UInt8>
        switch read(client) {
        case .wouldBlock: return
        case .ended(error: true): return close()
        case .ended(error: false):
            clientEOF = true
            // Nothing in flight and nothing to send: done. Otherwise the
            // answer still goes out (a client may half-close after its request).
            if current == nil && pendingOutput == 0 || streaming { return close() }
            updateWatches()
            return
        case .bytes(let bytes):
            chunk = bytes
        }
        if streaming { return }  // input after a stream request is ignored
        parser.received(chunk)
        processRequests()
        updateWatches()
    }

    /// Start the next complete request, if none is being answered and the
    /// client has taken most of what we sent.
    private func processRequests() {
        while !closed, current == nil, !closeAfterFlush, pendingOutput < Self.highWater {
            switch parser.next() {
            case .needMore:
                if clientEOF && pendingOutput == 0 { close() }
                return
            case .failure(let error):
                // The framing is lost: answer and close.
                var response = HTTPResponse.error(error.status)
                response.forcesClose = true
                send(response, version: error.version ?? .http10, connection: "close")
                return
            case .request(let request):
                begin(request)
            }
        }
    }

    private func begin(_ request: HTTPRequest) {
        current = request
        // medusa wraps every handler in the auth handler: credentials first.
        guard authRequired else { return route(request) }
        switch HTTPBasicAuth.offered(in: request) {
        case .refused(let outcome):
            respond(HTTPBasicAuth.response(for: outcome) ?? .unauthorized())
        case .credentials(let user, let password):
            if let accepted = acceptedCredentials, accepted.user == user, accepted.password == password {
                return route(request)
            }
            waiting = .auth(user: user, password: password)
            ask(.authHTTP(user: user, password: password))
        }
    }

    private func route(_ request: HTTPRequest) {
        switch HTTPRoute.resolve(request) {
        case .error(let status):
            respond(.error(status))
        case .xmlrpc:
            switch XMLRPCRequestDecoder.decode(request.body) {
            case .failure(let error):
                worker.log(.error, error.logMessage(body: request.body))
                respond(.error(error.status))
            case .success(let call):
                run(XMLRPCDispatcher.dispatch(call))
            }
        case .stream(let target, let logtail):
            waiting = .follow(logtail: logtail)
            ask(.follow([target]))
        case .metrics(let head):
            waiting = .metrics(head: head)
            ask(.metrics)
        case .web:
            let cookie = WebForm.cookie(WebContext.cookieName, in: request.header("Cookie"))
            let context: WebContext
            if let cookie, WebContext.isWellFormed(cookie) {
                context = WebContext(now: Int64(EventLoop.wallNow()), token: cookie, newToken: false, legacyGetActions: legacyGetActions)
            } else {
                context = WebContext(now: Int64(EventLoop.wallNow()), token: Self.newToken(), newToken: true, legacyGetActions: legacyGetActions)
            }
            run(WebDispatcher.dispatch(request, context))
        }
    }

    /// 128 random bits (the system's CSPRNG) as 32 hex digits.
    static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        let words = [g.next() as UInt64, g.next() as UInt64]
        return words.map { w in
            let h = String(w, radix: 16)
            return String(repeating: "0", count: 16 - h.count) + h
        }.joined()
    }

    private func run(_ step: WebStep) {
        switch step {
        case .done(let response):
            waiting = .nothing
            respond(response)
        case .control(let request, let next):
            waiting = .web(next)
            ask(request)
        }
    }

    private func run(_ step: XMLRPCStep) {
        switch step {
        case .done(let result):
            waiting = .nothing
            respond(.xmlrpc(XMLRPCEncoder.result(result)))
        case .control(let request, let next):
            waiting = .rpc(next)
            ask(request)
        }
    }

    // MARK: answers

    /// Queue the answer to the request in flight; the next one may start.
    private func respond(_ response: HTTPResponse) {
        guard let request = current else { return }
        send(response, version: request.version, connection: request.connectionToken)
    }

    private func send(_ response: HTTPResponse, version: HTTPVersion, connection: String) {
        let (bytes, keepAlive) = response.serialized(version: version, connection: connection, epochSeconds: Int64(EventLoop.wallNow()))
        // Nothing waiting (the usual case): take the answer as the buffer
        // rather than copying it (a /metrics body of 1,000 processes is ~1 MB).
        if pendingOutput == 0 {
            output = bytes
            outputStart = 0
        } else {
            output += bytes
        }
        current = nil
        waiting = .nothing
        if !keepAlive { closeAfterFlush = true }
        flush()
    }

    // MARK: the session

    private func ask(_ request: ControlRequest) {
        let bytes = request.encoded()
        // The session is a fresh socket pair holding at most one request: a
        // request line (at most 64 KiB) fits its buffer, so a short write
        // means the core is gone.
        var sent = 0
        while sent < bytes.count {
            do {
                sent += try bytes.withUnsafeBytes { (raw) throws(SystemError) in
                    try UnixSocket.send(session, UnsafeRawBufferPointer(rebasing: raw[sent...]))
                }
            } catch {
                return close()
            }
        }
    }

    private func sessionReadable() {
        switch read(session) {
        case .wouldBlock: return
        case .ended: return sessionEnded()
        case .bytes(let bytes): reader.received(bytes)
        }
        while !closed, let event = reader.next() {
            handle(event)
        }
        processRequests()
        updateWatches()
    }

    private func handle(_ event: ReplyReader.Event) {
        switch (event, waiting) {
        case (.response(.fault(let f)), _) where f.code == .authRequired || f.code == .authFailed:
            respond(.unauthorized())
        case (.response(.ok), .auth(let user, let password)):
            acceptedCredentials = (user, password)
            waiting = .nothing
            if let request = current { route(request) }
        case (.response(.fault), .auth):
            respond(.error(.internalServerError))
        case (.response(let reply), .rpc(let next)):
            run(next(reply))
        case (.response(let reply), .web(let next)):
            run(next(reply))
        case (.response(.ok(let items)), .metrics(let head)):
            guard let sample = MetricsSample(items: items) else { return respond(.error(.internalServerError)) }
            respond(.document(MetricsRenderer.render(sample), contentType: MetricsRenderer.contentType, head: head))
        case (.response(.fault), .metrics):
            respond(.error(.internalServerError))
        case (.response(.fault(let f)), .follow):
            // logtail_handler: an unknown name or a missing file is 404.
            respond(.error(f.code == .badName || f.code == .noFile ? .notFound : .internalServerError))
        case (.streamStarted, .follow(let logtail)):
            guard let request = current else { return close() }
            var headers = [HTTPHeaderField("Content-Type", "text/plain;charset=utf-8")]
            if logtail { headers.append(HTTPHeaderField("X-Accel-Buffering", "no")) }
            let head = HTTPStreamResponse(headers: headers, version: request.version, connection: request.connectionToken,
                                          epochSeconds: Int64(EventLoop.wallNow()))
            waiting = .streaming(chunked: head.chunked)
            output += head.head
            flush()
        case (.data(_, let bytes), .streaming(let chunked)):
            output += chunked ? HTTPChunk.encode(bytes) : bytes
            flush()
        default:
            // A reply nobody asked for, or a session that stopped making
            // sense: this connection cannot be trusted further.
            close()
        }
    }

    /// The core closed the session (exit, its idle or auth deadline, a
    /// failed `auth`): pass on what is left, end a chunked stream properly,
    /// and close the client.
    private func sessionEnded() {
        loop.unwatch(session)
        readingSession = false
        if case .streaming(true) = waiting { output += HTTPChunk.last }
        current = nil
        waiting = .nothing
        closeAfterFlush = true
        flush()
    }

    // MARK: writing

    private func flush() {
        guard !closed else { return }
        while pendingOutput > 0 {
            let n: Int
            do {
                n = try output.withUnsafeBytes { (raw) throws(SystemError) in
                    try UnixSocket.send(client, UnsafeRawBufferPointer(rebasing: raw[outputStart...]))
                }
            } catch let e as SystemError where e.errno == Errno.EAGAIN || e.errno == Errno.EWOULDBLOCK {
                break
            } catch {
                return close()
            }
            outputStart += n
            lastProgress = EventLoop.now()
        }
        if pendingOutput == 0 {
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
            outputStart = 0
            if closeAfterFlush || (clientEOF && current == nil) { return close() }
            if watchingWrite { loop.unwatchWritable(client); watchingWrite = false }
            if let t = stallTimer { loop.cancel(t); stallTimer = nil }
        } else {
            if outputStart > 64 * 1024 {
                output.removeSubrange(..<outputStart)
                outputStart = 0
            }
            if !watchingWrite {
                watchingWrite = true
                loop.watchWritable(client) { [unowned self] in self.clientWritable() }
            }
            if stallTimer == nil { armStallTimer() }
        }
    }

    private func clientWritable() {
        flush()
        guard !closed else { return }
        processRequests()
        updateWatches()
    }

    /// A client that takes nothing for the control server's stalled-writer
    /// time is dropped (docs/protocol.md §7).
    private func armStallTimer() {
        stallTimer = loop.schedule(at: lastProgress + ControlProtocol.stalledWriterTimeout) { [weak self] in
            guard let self, !self.closed else { return }
            self.stallTimer = nil
            guard self.pendingOutput > 0 else { return }
            if EventLoop.now() - self.lastProgress >= ControlProtocol.stalledWriterTimeout { self.close() } else { self.armStallTimer() }
        }
    }

    private func close() {
        guard !closed else { return }
        closed = true
        loop.unwatch(client)
        loop.unwatch(session)
        Sys.close(client)
        Sys.close(session)
        if let t = stallTimer { loop.cancel(t) }
        output = []
        worker.closed(self)
    }
}
