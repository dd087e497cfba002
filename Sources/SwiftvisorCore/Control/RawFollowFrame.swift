// The frames of a `follow --raw` stream (docs/protocol.md §5): a header line
// `chunk target=I length=N`, then exactly N bytes of the file as they are, no
// encoding. Only a client that asks for it gets it (swiftvisorctl `logs -f`):
// a `data` item percent-encodes every byte on the daemon and decodes it again
// in the client, two passes over hundreds of MiB a second when 20 programs
// write as fast as they can; a raw frame is one copy on each side.
//
// The parser is pure and works on whatever has been received so far, so the
// client can hand it its receive buffer as it is (the fuzz target "ctl"
// also reads its input as such a stream, whole and cut in two).

public enum RawFollowFrame {
    /// The largest length a client accepts: a frame is one read of the
    /// daemon's (128 KiB); anything near the reply-line bound is garbage.
    public static let maxLength = ControlProtocol.maxReplyLine

    /// Append the header of a frame of `length` bytes for `target`.
    public static func appendHeader(target: Int, length: Int, into out: inout [UInt8]) {
        out.append(contentsOf: "chunk target=".utf8)
        out.append(contentsOf: String(target).utf8)
        out.append(contentsOf: " length=".utf8)
        out.append(contentsOf: String(length).utf8)
        out.append(UInt8(ascii: "\n"))
    }

    /// What `next` found at the start of the bytes given.
    public enum Step: Equatable, Sendable {
        /// A frame: its target, where its bytes are, where the next step starts.
        case frame(target: Int, bytes: Range<Int>, next: Int)
        /// Another reply line (without its `\n`): the end line `.`, or an item
        /// type the client does not know (ignored, as §4 says).
        case line(Range<Int>, next: Int)
        /// The line or the frame is not complete yet: receive more.
        case needMore
        /// A line that starts `chunk ` but is not a header as the daemon
        /// writes it, or a length over `maxLength`: the stream is garbled.
        case malformed
    }

    /// The step at `start` in `bytes`. Never reads outside `bytes`; `next`
    /// is always past `start` and at most `bytes.count`.
    public static func next(in bytes: UnsafeRawBufferPointer, from start: Int) -> Step {
        guard start >= 0, start < bytes.count else { return .needMore }
        guard let nl = ByteSearch.newline(in: bytes, from: start) else { return .needMore }
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<nl])
        let head: StaticString = "chunk "
        let h = head.utf8CodeUnitCount
        guard line.count >= h, (0..<h).allSatisfy({ line[$0] == head.utf8Start[$0] }) else {
            return .line(start..<nl, next: nl + 1)
        }
        guard let (target, length) = header(line), length <= maxLength else { return .malformed }
        let from = nl + 1
        guard bytes.count - from >= length else { return .needMore }
        return .frame(target: target, bytes: from..<(from + length), next: from + length)
    }

    /// `chunk target=DIGITS length=DIGITS`, exactly (a frame header is never
    /// anything else, and a loose parse could take data for a header).
    static func header(_ line: UnsafeRawBufferPointer) -> (Int, Int)? {
        var i = 0
        func literal(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard line.count - i >= n else { return false }
            for k in 0..<n where line[i + k] != s.utf8Start[k] { return false }
            i += n
            return true
        }
        func number() -> Int? {
            let first = i
            var v = 0
            while i < line.count, line[i] >= 0x30, line[i] <= 0x39 {
                // At most 9 digits: no overflow, and more is no frame or target.
                guard i - first < 9 else { return nil }
                v = v * 10 + Int(line[i] &- 0x30)
                i += 1
            }
            return i > first ? v : nil
        }
        guard literal("chunk target="), let target = number(), literal(" length="), let length = number(),
              i == line.count else { return nil }
        return (target, length)
    }
}

/// Newline search over raw bytes (Core has no memchr).
enum ByteSearch {
    /// 0x80 in exactly the bytes of `word` (little-endian) that are `\n`:
    /// with the high bit cleared first, no carry crosses into another byte.
    @inline(__always)
    static func newlineMask(_ word: UInt64) -> UInt64 {
        let x = word.littleEndian ^ 0x0A0A_0A0A_0A0A_0A0A
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low) &+ low) | x | low)
    }

    /// The first `\n` at or after `from`: eight bytes a step (a word with a
    /// zero byte where `\n` was; the lowest flagged byte is always a true
    /// one, so little-endian order gives the first), then byte by byte.
    static func newline(in src: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = src.baseAddress, from >= 0 else { return nil }
        let n = src.count
        var i = from
        while n - i >= 8 {
            let x = (base + i).loadUnaligned(as: UInt64.self).littleEndian ^ 0x0A0A_0A0A_0A0A_0A0A
            let zero = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if zero != 0 { return i + zero.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < n {
            if src[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }
}
