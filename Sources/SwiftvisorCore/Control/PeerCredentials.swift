/// Who is on the other end of a control connection, from SO_PEERCRED at accept
/// time (the kernel's word, not the client's): logged with every state change.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public init(pid: Int32, uid: UInt32, gid: UInt32) { self.pid = pid; self.uid = uid; self.gid = gid }

    /// The main-log line for a state-changing request:
    /// `stop web requested by uid 1000 pid 4242`.
    public func auditLine(for request: ControlRequest) -> String {
        "\(request.summary) requested by uid \(uid) pid \(pid)"
    }
}
