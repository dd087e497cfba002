// One control connection's protocol state, as a pure value: bytes in, actions
// out. Framing (lines, the size limit), the first-bytes protocol choice, the
// authentication gate and "one request at a time, in order" live here and are
// unit-tested without sockets; ControlServer performs the actions.

/// The protocol side of one connection.
public struct ControlSession: Sendable {
    /// What the server must do.
    public enum Action: Sendable, Equatable {
        /// Queue these bytes for the client.
        case send([UInt8])
        /// Send the handler's reply, produced piece by piece as the client
        /// reads (a large reply never sits whole in memory); call `replySent`
        /// when its end line is queued.
        case reply(ControlResponse)
        /// Log this line to the main log (state-changing request, with the peer).
        case audit(String)
        /// Hand the request to the handler; call `replied` with its answer.
        case perform(ControlRequest)
        /// Open the follow targets; then call `followStarted()` or `followRefused(_:)`.
        case follow([FollowTarget])
        /// The same, each target started at its offset (`follow --from=`).
        case followFrom([FollowTarget], offsets: [Int])
        /// The same in `chunk` frames (`follow --raw`, `RawFollowFrame`).
        case followRaw([FollowTarget], offsets: [Int]?)
        /// Close the connection once the bytes sent so far are written.
        case close
        /// The connection speaks HTTP: hand it, with these bytes already
        /// received, to the HTTP worker (or answer 503 when it is not up).
        /// The session is finished.
        case handOff([UInt8])
    }

    private let credentials: ControlCredentials?
    private let peer: PeerCredentials
    private var input: [UInt8] = []
    private var sawFirstLine = false
    public private(set) var authenticated: Bool
    /// A request is with the handler.
    public private(set) var busy = false
    /// The handler answered and its reply is being sent.
    private var replying = false
    /// A follow stream is running (input is ignored from now on).
    public private(set) var streaming = false
    /// `.close` was issued: nothing more will be done.
    public private(set) var closing = false

    public init(credentials: ControlCredentials?, peer: PeerCredentials) {
        self.credentials = credentials
        self.peer = peer
        self.authenticated = credentials == nil
    }

    /// Whether the server should keep reading: not while a full line's worth
    /// waits unprocessed (the client pipelines faster than we answer).
    public var wantsInput: Bool {
        !closing && (streaming || input.count < ControlProtocol.maxRequestLine)
    }

    /// Bytes from the client. Call `next` afterwards.
    public mutating func received<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if streaming || closing { return }
        input.append(contentsOf: bytes)
    }

    /// Run the buffered request lines that may run now: none while a request is
    /// with the handler, while streaming, or while `pendingOutput` bytes still
    /// wait to be written (a client that never reads stops being served).
    public mutating func next(pendingOutput: Int) -> [Action] {
        var actions: [Action] = []
        while !closing, !busy, !streaming, pendingOutput + actions.sentBytes < ControlProtocol.streamHighWater {
            guard let nl = input.firstIndex(of: 0x0A) else {
                if input.count >= ControlProtocol.maxRequestLine { actions += lineTooLong() }
                break
            }
            if nl + 1 > ControlProtocol.maxRequestLine { actions += lineTooLong(); break }
            let line = Array(input[..<nl])
            input.removeSubrange(...nl)
            if !sawFirstLine {
                sawFirstLine = true
                if Self.looksLikeHTTP(line) { actions += handOff(line); break }
            }
            actions += handle(line)
        }
        return actions
    }

    /// The handler's answer to the `.perform` in flight. The session stays
    /// busy (no further request runs) until `replySent`.
    public mutating func replied(_ response: ControlResponse) -> [Action] {
        guard busy, !closing, !replying else { return [] }
        replying = true
        return [.reply(response)]
    }

    /// The reply to the request in flight is fully queued (the handler's,
    /// or one the server produced itself, as for `readlog`): the next
    /// request may run.
    public mutating func replySent() {
        guard busy else { return }
        replying = false
        busy = false
    }

    /// The follow targets are open: the stream starts.
    public mutating func followStarted() -> [Action] {
        [.send(ReplyStatus.stream.encoded())]
    }

    /// The follow could not start: the fault is the reply, requests continue.
    public mutating func followRefused(_ fault: ControlFault) -> [Action] {
        streaming = false
        return [.send(ControlResponse.fault(fault).encoded())]
    }

    // MARK: private

    private mutating func handle(_ line: [UInt8]) -> [Action] {
        guard let decoded = ControlRequest.decode(line) else { return [] }  // blank line
        let request: ControlRequest
        switch decoded {
        case .failure(let fault): return [.send(ControlResponse.fault(fault).encoded())]
        case .success(let r): request = r
        }
        switch request {
        case .auth(let user, let password):
            if let credentials, !credentials.accepts(user: user, password: password) {
                return closeWith(ControlResponse.fault(ControlFault(.authFailed, "wrong username or password")).encoded())
            }
            authenticated = true
            return [.send(ControlResponse.done.encoded())]
        case .authHTTP(let user, let password):
            if let credentials, !HTTPBasicAuth.accepts(user: user, password: password, credentials: credentials) {
                return closeWith(ControlResponse.fault(ControlFault(.authFailed, "wrong username or password")).encoded())
            }
            authenticated = true
            return [.send(ControlResponse.done.encoded())]
        case .quit:
            return closeWith(ControlResponse.done.encoded())
        default:
            break
        }
        guard authenticated else {
            return [.send(ControlResponse.fault(ControlFault(.authRequired, "send auth USER PASSWORD first")).encoded())]
        }
        switch request {
        case .follow(let targets), .followFrom(let targets, _), .followRaw(let targets, _):
            streaming = true
            input = []
            if case .followFrom(_, let offsets) = request { return [.followFrom(targets, offsets: offsets)] }
            if case .followRaw(_, let offsets) = request { return [.followRaw(targets, offsets: offsets)] }
            return [.follow(targets)]
        default:
            break
        }
        busy = true
        var actions: [Action] = []
        if request.changesState { actions.append(.audit(peer.auditLine(for: request))) }
        actions.append(.perform(request))
        return actions
    }

    private mutating func closeWith(_ bytes: [UInt8]) -> [Action] {
        closing = true
        input = []
        return [.send(bytes), .close]
    }

    private mutating func lineTooLong() -> [Action] {
        closeWith(ControlResponse.fault(ControlFault(.lineTooLong, "request lines are limited to \(ControlProtocol.maxRequestLine) bytes")).encoded())
    }

    /// Everything received so far goes with the connection: the request
    /// line and whatever followed it in the same reads.
    private mutating func handOff(_ line: [UInt8]) -> [Action] {
        closing = true
        let bytes = line + [0x0A] + input
        input = []
        return [.handOff(bytes)]
    }

    /// The first line of an HTTP request (`GET / HTTP/1.0`): the second protocol
    /// the socket speaks (HTTP/XML-RPC, served by the HTTP worker) is told
    /// apart by its first bytes.
    public static func looksLikeHTTP(_ line: [UInt8]) -> Bool {
        ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS "].contains { line.starts(with: $0.utf8) }
    }
}

extension Array where Element == ControlSession.Action {
    /// Bytes queued by these actions (they count against the output high-water mark).
    var sentBytes: Int {
        reduce(0) { if case .send(let b) = $1 { return $0 + b.count } else { return $0 } }
    }
}
