// What one HTTP request may cost. supervisord's medusa has none of these limits
// (a header block or a Content-Length body grows its buffers without end); ours
// are documented in docs/protocol.md ("HTTP and XML-RPC"), and each is answered
// with a status and the connection closed, because the framing after an
// oversized part cannot be trusted.

/// Bounds on one request's request line, header block and body.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (method, target, version), CRLF excluded → 414.
    public var maxRequestLine: Int
    /// Largest header block, request line and the blank line included → 400.
    public var maxHeaderBytes: Int
    /// Most header fields (after folding) → 400.
    public var maxHeaderCount: Int
    /// Largest Content-Length accepted → 413.
    public var maxBodyBytes: Int

    public init(maxRequestLine: Int, maxHeaderBytes: Int, maxHeaderCount: Int, maxBodyBytes: Int) {
        self.maxRequestLine = maxRequestLine
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }

    /// The daemon's limits. The largest request a real client sends is a
    /// `system.multicall` from a dashboard or `sendProcessStdin` with a block
    /// of input: well under 1 MiB.
    public static let `default` = HTTPLimits(
        maxRequestLine: 8192,
        maxHeaderBytes: 65536,
        maxHeaderCount: 100,
        maxBodyBytes: 1 << 20
    )
}
