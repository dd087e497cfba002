// The seam between the control server (sockets, framing, auth, streaming) and
// the daemon (what requests do to processes). The server owns the bytes; the
// handler owns the semantics. docs/protocol.md lists the reply to each request.
import SwiftvisorCore

/// What the daemon implements to answer control requests. Every method is
/// called on the event loop thread.
public protocol ControlHandler: AnyObject {
    /// Perform one authenticated, parsed request and call `reply` exactly once,
    /// possibly later (start waits for RUNNING, stop for STOPPED). Calling it
    /// after the client left is harmless: the server drops the reply.
    /// Never receives `.auth`, `.follow`, `.quit`, `.readLog` or `.readMainLog`
    /// (the server handles them; a log read asks `followTarget` for the path
    /// and is streamed from the file as the client takes it).
    func perform(_ request: ControlRequest, peer: PeerCredentials, reply: @escaping (ControlResponse) -> Void)

    /// The path of the log file `follow` should stream for `target`, or the
    /// fault to reply with: BAD_NAME for an unknown process, NO_FILE when the
    /// channel has no log file (`stdout_logfile=NONE`, `stderr` with
    /// redirect_stderr). The server opens the path; a missing file is NO_FILE.
    func followTarget(_ target: FollowTarget) -> Result<String, ControlFault>

    /// Write `line` to the main log at INFO. The server calls it before
    /// `perform` for every state-changing request, with
    /// `PeerCredentials.auditLine(for:)` (`stop web requested by uid 1000 pid 4242`).
    func audit(_ line: String)
}
