// The HTTP worker's side of an SWV1 session: reply lines in, complete
// replies (or stream data) out. Incremental and bounded like the daemon's own
// request framing: a line over ControlProtocol.maxReplyLine, or a line that
// is not SWV1, ends the session (the core never sends one; a worker that
// received one stops trusting the session rather than guessing).

public struct ReplyReader: Sendable {
    public enum Event: Sendable, Equatable {
        /// A complete reply to the request in flight.
        case response(ControlResponse)
        /// `SWV1 STREAM`: a follow started; `data` events follow.
        case streamStarted
        /// Bytes of a followed file.
        case data(target: Int, bytes: [UInt8])
        /// The session is unusable: close it.
        case malformed(String)
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes from `start` already searched for a line end.
    private var scanned = 0
    private var items: [ControlItem] = []
    private var inReply = false
    private var streaming = false
    private var failed = false

    public init() {}

    /// Bytes received and not yet consumed.
    public var bufferedCount: Int { buffer.count - start }

    public mutating func received<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard !failed else { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next event the buffered bytes hold, or nil (read more).
    public mutating func next() -> Event? {
        guard !failed else { return nil }
        while true {
            guard let nl = buffer[(start + scanned)...].firstIndex(of: 0x0A) else {
                scanned = bufferedCount
                if bufferedCount > ControlProtocol.maxReplyLine { return fail("reply line over \(ControlProtocol.maxReplyLine) bytes") }
                compact()
                return nil
            }
            let line = buffer[start..<nl]
            start = nl + 1
            scanned = 0
            if line.count > ControlProtocol.maxReplyLine { return fail("reply line over \(ControlProtocol.maxReplyLine) bytes") }
            if !inReply && !streaming {
                let status: ReplyStatus
                do { status = try ReplyLine.decodeStatus(line) } catch { return fail(error.description) }
                switch status {
                case .stream:
                    streaming = true
                    return .streamStarted
                case .fault(let f):
                    // An ERR reply has no items: its end line follows.
                    inReply = true
                    items = []
                    pendingFault = f
                case .ok:
                    inReply = true
                    items = []
                    pendingFault = nil
                }
                continue
            }
            let decoded: ReplyLine
            do { decoded = try ReplyLine.decodeBody(line) } catch { return fail(error.description) }
            switch decoded {
            case .end:
                if streaming { return fail("end line in a stream") }
                inReply = false
                let reply: ControlResponse = pendingFault.map { .fault($0) } ?? .ok(items)
                items = []
                pendingFault = nil
                return .response(reply)
            case .item(.data(let target, let bytes)) where streaming:
                return .data(target: target, bytes: bytes)
            case .item(let item):
                if streaming { continue }  // an item type a newer core adds to streams
                items.append(item)
            case .status:
                return fail("status line inside a reply")
            }
        }
    }

    private var pendingFault: ControlFault?

    private mutating func fail(_ why: String) -> Event {
        failed = true
        buffer = []
        start = 0
        scanned = 0
        items = []
        return .malformed(why)
    }

    private mutating func compact() {
        if start > 0 && (start == buffer.count || start > 64 * 1024) {
            buffer.removeSubrange(..<start)
            start = 0
        }
    }
}
