/// Capture mode on one output channel (dispatchers.py
/// `POutputDispatcher.record_output` and `toggle_capturemode` at 4.3.0):
/// with `<channel>_capture_maxbytes` > 0, what a child writes between
/// `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` is kept in memory
/// instead of the log, and at END becomes one PROCESS_COMMUNICATION event.
///
/// - The capture buffer keeps supervisord's `BoundIO` rule: a write that would
///   pass `maxBytes` first drops as many bytes from the front as it adds
///   (loggers.py `BoundIO.write`).
/// - A token split across reads is held until it can be recognised.
/// - Difference: supervisord holds back any pending output no longer than the
///   token it looks for and loses it when the child exits; `finish()` hands
///   it to the log at EOF.
public struct CaptureMode: Sendable {
    public static let beginToken: [UInt8] = Array("<!--XSUPERVISOR:BEGIN-->".utf8)
    public static let endToken: [UInt8] = Array("<!--XSUPERVISOR:END-->".utf8)

    public enum Output: Sendable, Equatable {
        /// Child bytes as supervisord's `_log` sees them: they go to the log
        /// file unless captured, and to PROCESS_LOG events either way.
        case data([UInt8], captured: Bool)
        /// END seen: the captured bytes, for PROCESS_COMMUNICATION.
        case communication([UInt8])
    }

    public let maxBytes: Int
    public private(set) var capturing = false
    private var pending: [UInt8] = []
    private var buffer: [UInt8] = []

    public init(maxBytes: Int) { self.maxBytes = max(1, maxBytes) }

    public mutating func received(_ data: [UInt8]) -> [Output] {
        pending += data
        var out: [Output] = []
        while true {
            let token = capturing ? Self.endToken : Self.beginToken
            guard pending.count > token.count else { return out }
            let data = pending
            pending = []
            if let r = Self.find(token, in: data) {
                emit(Array(data[..<r]), &out)
                toggle(&out)
                pending = Array(data[(r + token.count)...])
                if pending.isEmpty { return out }
            } else {
                let keep = Self.prefixAtEnd(data, token)
                pending = Array(data[(data.count - keep)...])
                emit(Array(data[..<(data.count - keep)]), &out)
                return out
            }
        }
    }

    /// EOF: what is still held back goes where it would have gone.
    public mutating func finish() -> [Output] {
        var out: [Output] = []
        emit(pending, &out)
        pending = []
        return out
    }

    private mutating func emit(_ data: [UInt8], _ out: inout [Output]) {
        guard !data.isEmpty else { return }
        if capturing {
            if data.count + buffer.count > maxBytes { buffer.removeFirst(min(data.count, buffer.count)) }
            buffer += data
        }
        out.append(.data(data, captured: capturing))
    }

    private mutating func toggle(_ out: inout [Output]) {
        capturing.toggle()
        if !capturing {
            out.append(.communication(buffer))
            buffer = []
        }
    }

    static func find(_ token: [UInt8], in data: [UInt8]) -> Int? {
        guard data.count >= token.count else { return nil }
        for i in 0...(data.count - token.count) where data[i] == token[0] {
            if data[i..<(i + token.count)].elementsEqual(token) { return i }
        }
        return nil
    }

    /// supervisord's `find_prefix_at_end`: the longest end of `data` that
    /// begins `token` (at most token.count - 1 bytes).
    static func prefixAtEnd(_ data: [UInt8], _ token: [UInt8]) -> Int {
        var l = min(token.count - 1, data.count)
        while l > 0 {
            if data[(data.count - l)...].elementsEqual(token[..<l]) { return l }
            l -= 1
        }
        return 0
    }
}
