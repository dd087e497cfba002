// swiftvisorctl's connection to supervisord: XML-RPC over HTTP/1.1 as
// supervisorctl's SupervisorTransport speaks it (supervisor/xmlrpc.py at
// 4.3.0: `POST /RPC2`, Host `localhost` over a Unix socket, basic auth when a
// user and a password are set, one kept-alive connection for a command's
// calls), and `tail -f` / `fg` as supervisorctl's http_client does it
// (`GET /logtail/NAME/CHANNEL`, `GET /mainlogtail`, a chunked stream).
// Which calls a command makes, and how their answers read, is
// SwiftvisorCore's CtlXMLRPCExchange; this file only carries them.
import Glibc
import Synchronization
import SwiftvisorCore

final class CtlHTTPSession {
    /// Largest response body read: an answer of getAllProcessInfo for 10,000
    /// processes is about 15 MB. Beyond it the command fails instead of
    /// buffering without bound.
    static let maxResponseBytes = 64 * 1024 * 1024

    private let serverURL: String
    private let username: String?
    private let password: String?
    private var fd: Int32 = -1
    private var reader = HTTPResponseReader(maxBodyBytes: CtlHTTPSession.maxResponseBytes)
    /// The sockets of a follow in progress, for `shutdownSocket` from another thread.
    private let streamFDs = Mutex<[Int32]>([])

    init(serverURL: String, username: String?, password: String?) {
        self.serverURL = serverURL; self.username = username; self.password = password
    }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { Sys.close(fd); fd = -1 }
        reader = HTTPResponseReader(maxBodyBytes: Self.maxResponseBytes)
    }

    /// Shut the socket down from another thread (fg ends its output stream so).
    func shutdownSocket() {
        if fd >= 0 { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        streamFDs.withLock { for f in $0 { _ = Glibc.shutdown(f, Int32(SHUT_RDWR)) } }
    }

    /// The headers every request carries: Host as supervisorctl sends it (the
    /// literal `localhost` over a Unix socket), and the credentials.
    private func commonHeaders() -> String {
        var host = "localhost"
        if case .tcp(let h, let port) = CtlServerAddress(url: serverURL) { host = "\(h):\(port)" }
        var out = "Host: \(host)\r\nUser-Agent: swiftvisorctl\r\n"
        if let username, let password {
            out += "Authorization: Basic " + Base64.encode(Array("\(username):\(password)".utf8)) + "\r\n"
        }
        return out
    }

    // MARK: XML-RPC

    /// Carry out `request` as supervisorctl would against supervisord.
    func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse {
        var exchange = CtlXMLRPCExchange(request)
        var step = exchange.start()
        while case .call(let call) = step {
            step = exchange.receive(try perform(call))
        }
        guard case .done(let response) = step else { return .done }
        return response
    }

    /// One call, on the kept connection when there is one. If the server
    /// closed it meanwhile (a restart, an idle close) before answering, the
    /// call is sent once more on a fresh connection.
    private func perform(_ call: CtlXMLRPCCall) throws(CtlTransportError) -> XMLRPCResult {
        let reused = fd >= 0
        do {
            return try post(call)
        } catch .closed where reused {
            disconnect()
            return try post(call)
        } catch .system(let c, let e) where reused && (e == EPIPE || e == ECONNRESET) {
            _ = c
            disconnect()
            return try post(call)
        }
    }

    private func post(_ call: CtlXMLRPCCall) throws(CtlTransportError) -> XMLRPCResult {
        if fd < 0 { fd = try CtlSocketIO.connect(serverURL) }
        let body = call.body
        let head = "POST /RPC2 HTTP/1.1\r\n" + commonHeaders()
            + "Content-Type: text/xml\r\nAccept: text/xml\r\nContent-Length: \(body.count)\r\n\r\n"
        do throws(CtlTransportError) {
            try CtlSocketIO.sendAll(fd, Array(head.utf8) + body)
            let (status, reason, bytes) = try readWholeResponse(deadline: call.waitsForProcesses ? nil : CtlSocketIO.replyDeadline())
            if status == 401 { throw CtlTransportError.authRequired }
            guard status == 200 else { throw CtlTransportError.httpStatus(status, reason) }
            switch XMLRPCResponseDecoder.decode(bytes, limits: XMLRPCResponseDecoder.limits(maxBytes: Self.maxResponseBytes)) {
            case .success(let result): return result
            case .failure(let e): throw CtlTransportError.badResponse(e.description)
            }
        } catch {
            disconnect()
            throw error
        }
    }

    /// Status, reason and body of the next response; the connection is
    /// closed after it unless the server keeps it.
    private func readWholeResponse(deadline: Double?) throws(CtlTransportError) -> (Int, String, [UInt8]) {
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var sawAny = false
        while true {
            let chunk = try CtlSocketIO.receive(fd, deadline: deadline, interruptible: false, what: "a reply from \(serverURL)")
            let events: [HTTPResponseEvent]
            do {
                if let chunk { sawAny = true; events = try reader.feed(chunk) } else { events = try reader.finish() }
            } catch {
                throw .badResponse(error.description)
            }
            for event in events {
                switch event {
                case .head(let h): head = h
                case .body(let b): body += b
                case .end:
                    guard let head else { throw .badResponse("a response without a head") }
                    if !head.keepsAlive || chunk == nil { disconnect() }
                    return (head.status, head.reason, body)
                }
            }
            if chunk == nil {
                // EOF before any byte of a response: the server dropped the connection.
                throw sawAny ? .badResponse("connection closed in the middle of a response") : .closed
            }
        }
    }

    // MARK: streams

    /// supervisorctl's http_client path for a follow target.
    static func path(_ target: FollowTarget) -> String {
        switch target {
        case .mainLog: return "/mainlogtail"
        case .process(let name, let channel): return "/logtail/" + percentEncoded(name) + "/" + channel.rawValue
        }
    }

    /// A name in a URL path: bytes other than unreserved ones and `:` as %HH
    /// (medusa unquotes the path).
    static func percentEncoded(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 0x80, c.isLetter || c.isNumber || "-._~:".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Stream every target on its own connection until the server ends them
    /// all or the user interrupts. A target the server refuses (404, no such
    /// process or no log file) ends the follow with a fault naming it.
    func follow(_ targets: [FollowTarget], stopped: () -> Bool, onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        var fds: [Int32] = []
        defer {
            streamFDs.withLock { $0 = [] }
            for f in fds { Sys.close(f) }
        }
        var readers: [HTTPResponseReader] = []
        for target in targets {
            let f = try CtlSocketIO.connect(serverURL)
            fds.append(f)
            streamFDs.withLock { $0.append(f) }
            let request = "GET \(Self.path(target)) HTTP/1.1\r\n" + commonHeaders() + "Accept: */*\r\n\r\n"
            try CtlSocketIO.sendAll(f, Array(request.utf8))
            readers.append(HTTPResponseReader(maxBodyBytes: Self.maxResponseBytes))
        }
        if stopped() { return nil }
        var open = Array(fds.indices)
        var started = Set<Int>()
        while !open.isEmpty {
            var polls = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            // Ctrl-C pressed while the last chunk was handled wakes this poll
            // too (CtlInterrupt's pipe), not only one that lands during it.
            let wakeFD = CtlInterrupt.wakeFD
            if wakeFD >= 0 { polls.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
            if CtlInterrupt.isSet { return nil }
            // Until every stream has its head the server must answer in time;
            // then a quiet log is a live stream.
            let timeout: Int32 = started.count == targets.count ? -1 : Int32(ControlProtocol.clientReplyTimeout * 1000)
            let n = polls.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), timeout) }
            if n < 0 {
                if errno == EINTR { if CtlInterrupt.isSet { return nil }; continue }
                throw .system(call: "poll", errno: errno)
            }
            if n == 0 { throw .timedOut(what: "a reply from \(serverURL)", seconds: Int(ControlProtocol.clientReplyTimeout)) }
            if CtlInterrupt.isSet { return nil }
            var ended: [Int] = []
            for (k, p) in polls.prefix(open.count).enumerated() where p.revents != 0 {
                let i = open[k]
                let chunk: [UInt8]?
                do {
                    chunk = try CtlSocketIO.receive(fds[i], deadline: nil, interruptible: true, what: "")
                } catch .closed {
                    return nil  // Ctrl-C
                }
                let events: [HTTPResponseEvent]
                do throws(HTTPResponseError) {
                    if let chunk { events = try readers[i].feed(chunk) } else { events = try readers[i].finish() }
                } catch {
                    throw .badResponse(error.description)
                }
                for event in events {
                    switch event {
                    case .head(let head):
                        started.insert(i)
                        if head.status == 401 { throw .authRequired }
                        if head.status != 200 {
                            return ControlFault(code: .noFile, message: "\(Self.path(targets[i])) Cannot read, status code \(head.status)")
                        }
                    case .body(let bytes): onData(i, bytes)
                    case .end: ended.append(i)
                    }
                }
                if chunk == nil && !ended.contains(i) { ended.append(i) }
            }
            open.removeAll { ended.contains($0) }
        }
        return nil
    }
}
