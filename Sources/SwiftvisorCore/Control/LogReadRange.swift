// Which bytes of a log file a `readlog`/`mainlog` request reads: supervisord's
// readFile rules (options.py readFile at 4.3.0) with every number checked, so
// no OFFSET/LENGTH a client sends (Int.min, Int.max, past the end) can
// overflow, and the range is clamped to the file and to a fixed bound.

/// A range of a file to read: `count` bytes from `start`, within the file.
public struct LogReadRange: Sendable, Equatable {
    public var start: Int64
    public var count: Int64

    public init(start: Int64, count: Int64) { self.start = start; self.count = count }

    /// Why a request's numbers select nothing valid (supervisord's BAD_ARGUMENTS).
    public struct BadArguments: Error, Sendable, Equatable {}

    /// supervisord's readFile: a negative `offset` means the last `-offset`
    /// bytes and requires `length == 0`; otherwise `length` bytes from
    /// `offset` (`0`: to the end; negative: BAD_ARGUMENTS). The result lies
    /// within `0..<size` and holds at most `limit` bytes: of a tail read the
    /// newest bytes are kept, of a forward read the first ones (the client
    /// pages on from `start + count`).
    public static func clamp(offset: Int, length: Int, size: Int64, limit: Int) throws(BadArguments) -> LogReadRange {
        let size = max(0, size)
        let limit = Int64(max(0, limit))
        if offset < 0 {
            guard length == 0 else { throw BadArguments() }
            // magnitude: -Int.min does not fit in an Int.
            let wanted = offset.magnitude
            let count = wanted >= UInt64(size) ? size : Int64(wanted)
            let kept = min(count, limit)
            return LogReadRange(start: size - kept, count: kept)
        }
        guard length >= 0 else { throw BadArguments() }
        let start = min(Int64(offset), size)
        let available = size - start
        let count = length == 0 ? available : min(Int64(length), available)
        return LogReadRange(start: start, count: min(count, limit))
    }
}
