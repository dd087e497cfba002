/// Who is on the other end of a control connection, from SO_PEERCRED at accept
/// time (the kernel's word, not the client's): logged with every state change.
/// A TCP connection (`[inet_http_server]`) has no credentials, only the
/// peer's address.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// `host:port` of a TCP peer; nil on the Unix socket.
    public var address: String?
    public init(pid: Int32, uid: UInt32, gid: UInt32, address: String? = nil) {
        self.pid = pid; self.uid = uid; self.gid = gid; self.address = address
    }

    /// The main-log line for a state-changing request:
    /// `stop web requested by uid 1000 pid 4242`, or over TCP
    /// `stop web requested by 127.0.0.1:40022`.
    public func auditLine(for request: ControlRequest) -> String {
        if let address { return "\(request.summary) requested by \(address)" }
        return "\(request.summary) requested by uid \(uid) pid \(pid)"
    }
}
