// What swiftvisorctl's command logic needs from a connection to the daemon.
// The socket implementation is SwiftvisorOS/CtlConnection.swift; unit tests
// use a scripted one, so every command is tested without a daemon.

/// Why a request could not be carried out at the transport level.
public enum CtlTransportError: Error, Sendable, Equatable {
    /// connect: ENOENT (`unix:///path no such file`).
    case noSuchFile
    /// connect: ECONNREFUSED (`unix:///path refused connection`).
    case refused
    /// The daemon wants (other) credentials: AUTH_REQUIRED / AUTH_FAILED.
    case authRequired
    /// The daemon answered in another protocol version (first word of its reply).
    case incompatible(String)
    /// An `http://` URL swiftvisorctl cannot use: no host, a bad port.
    case unsupportedURL(String)
    /// The server URL is neither `unix://` nor `http://`: supervisorctl's
    /// SupervisorTransport raises `ValueError: Unknown protocol for serverurl X`.
    case unknownProtocol(String)
    /// Any other socket failure: the call and errno (`connect`, 13).
    case system(call: String, errno: Int32)
    /// The daemon closed the connection before the end of the reply.
    case closed
    /// No connection, or no reply, within the deadline: what was awaited and
    /// for how many seconds (`ControlProtocol.clientConnectTimeout`,
    /// `clientReplyTimeout`).
    case timedOut(what: String, seconds: Int)
    /// A reply line longer than `ControlProtocol.maxReplyLine`: not a
    /// swiftvisord reply (swiftvisorctl stops reading instead of buffering it).
    case replyLineTooLong
    /// supervisord answered an XML-RPC call with an HTTP status other than
    /// 200 (supervisorctl: xmlrpc.client.ProtocolError).
    case httpStatus(Int, String)
    /// supervisord's answer could not be read (HTTP framing or XML-RPC body).
    case badResponse(String)
}

extension CtlTransportError {
    /// Why `url`, which is not a usable `unix://` or `http://host:port` URL,
    /// cannot be connected to. supervisorctl tells the schemes apart by a
    /// case-sensitive prefix, so `HTTP://x` is an unknown protocol too.
    public static func forNonUnixURL(_ url: String) -> CtlTransportError {
        url.hasPrefix("http://") ? .unsupportedURL(url) : .unknownProtocol(url)
    }
}

/// A connection to the daemon.
public protocol CtlTransport: AnyObject {
    /// Send one request and return its complete reply. Connects (and
    /// authenticates) first if needed.
    func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse

    /// `send`, with the reply's items left as the bytes that carried them, for
    /// a reader that takes them in place (`status` of many processes:
    /// StatusReplyFormatter). Nil when this transport does not carry SWV1
    /// lines (supervisord over HTTP): use `send`.
    func sendUndecoded(_ request: ControlRequest) throws(CtlTransportError) -> UndecodedReply?

    /// Stream `targets` (a `follow` request), calling `onData(targetIndex, bytes)`
    /// for each chunk, until the daemon ends the stream or the user interrupts
    /// (Ctrl-C). Returns the reply's fault if the daemon refused the follow.
    func follow(_ targets: [FollowTarget], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault?

    /// `follow` with each target started at its byte offset (`follow --from=`).
    func follow(_ targets: [FollowTarget], from offsets: [Int], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault?

    /// `follow(_:from:onData:)` with each chunk's bytes where the transport
    /// received them (valid only during the call): `logs -f` renders them in
    /// place, with no copy per chunk.
    func follow(_ targets: [FollowTarget], from offsets: [Int],
                onBytes: (Int, UnsafeRawBufferPointer) -> Void) throws(CtlTransportError) -> ControlFault?

    /// Forget the connection (the next send reconnects), e.g. after `open`
    /// or to retry with new credentials.
    func reset(serverURL: String, username: String?, password: String?)
}

/// Terminal input/output of the controller.
public protocol CtlTerminal: AnyObject {
    /// Write bytes to stdout (may be buffered until `flush`).
    func write(_ bytes: [UInt8])
    /// `write` of bytes owned by the caller (valid only during the call).
    func write(_ bytes: UnsafeRawBufferPointer)
    /// Push buffered stdout bytes out (streams call it after each chunk).
    func flush()
    /// Write a line to stderr.
    func writeError(_ line: String)
    /// Show `prompt` and read a line from stdin (without `\n`); nil at EOF.
    func readLine(prompt: String) -> String?
    /// Read a password without echo; nil at EOF.
    func readPassword(prompt: String) -> String?
    /// A stream of hundreds of MiB a second is about to be written (`logs
    /// -f`): make each write reach the reader in as few wakeups as possible.
    func prepareForStreaming()
}

extension CtlTerminal {
    public func prepareForStreaming() {}
    public func write(_ bytes: UnsafeRawBufferPointer) { write(Array(bytes)) }
}

/// A reply whose items are not decoded yet.
public struct UndecodedReply: Sendable, Equatable {
    /// The status line, decoded.
    public var status: ReplyStatus
    /// The item lines, each with its `\n`; the end line is not included.
    public var items: [UInt8]
    public init(status: ReplyStatus, items: [UInt8]) { self.status = status; self.items = items }

    /// The items decoded one line at a time, as `send` would have returned
    /// them; nil when a line is not a valid item.
    public func decoded() -> [ControlItem]? {
        var result: [ControlItem] = []
        var start = 0
        while let nl = items[start...].firstIndex(of: 0x0A) {
            guard case .item(let item)? = try? ReplyLine.decodeBody(items[start..<nl]) else { return nil }
            result.append(item)
            start = nl + 1
        }
        return start == items.count ? result : nil
    }
}

extension CtlTransport {
    /// A transport that only decodes (a scripted one, supervisord's HTTP).
    public func sendUndecoded(_ request: ControlRequest) throws(CtlTransportError) -> UndecodedReply? { nil }

    /// A transport that cannot start a follow at an offset (one speaking
    /// supervisord's HTTP `/logtail`) follows as `follow` does: from 1024
    /// bytes before the end.
    public func follow(_ targets: [FollowTarget], from offsets: [Int], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        try follow(targets, onData: onData)
    }

    /// A transport without a receive buffer to lend: each chunk as an array.
    public func follow(_ targets: [FollowTarget], from offsets: [Int],
                       onBytes: (Int, UnsafeRawBufferPointer) -> Void) throws(CtlTransportError) -> ControlFault? {
        try follow(targets, from: offsets, onData: { index, bytes in bytes.withUnsafeBytes { onBytes(index, $0) } })
    }
}
