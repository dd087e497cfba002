// The output of `swiftvisorctl logs -f` (docs/swiftvisorctl.md): each
// followed stream's chunks turned into whole lines after a `name | ` prefix.
// Pure, so it is unit-tested against a line-by-line reference
// (StreamDataItemTests) without a daemon.
//
// It is the client's one pass over every byte a follow receives: with 20
// programs writing as fast as they can that is hundreds of MiB and ten
// million lines a second (docs/benchmarks.md, "`swiftvisorctl logs`"). So it
// works on the received bytes in place, renders into space it keeps and
// reuses, and does per line only a few word loads and stores: no value, call,
// retain or allocation per line or per chunk.

/// Turns one followed stream's chunks into output lines: whole lines only,
/// each after `prefix`, its timestamp prefix removed unless kept.
public struct FollowRenderer {
    let prefix: [UInt8]
    let keepTimestamps: Bool
    /// The start of a line whose end has not arrived yet.
    private var partial: [UInt8] = []
    /// Where lines are rendered, reused for every chunk: it grows to fit the
    /// largest chunk once (a `follow --raw` frame is one read of the daemon's,
    /// 128 KiB) and is not allocated again.
    private var space: [UInt8] = []

    /// Room left past the last line of a round for the word copies, which may
    /// write up to 32 bytes from a line's start (see `render`).
    static let slack = 64

    public init(prefix: [UInt8], keepTimestamps: Bool) {
        self.prefix = prefix
        self.keepTimestamps = keepTimestamps
    }

    /// Append the lines `bytes` completes to `out`.
    public mutating func feed(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBytes { src in feed(src) { out.append(contentsOf: $0) } }
    }

    /// Render the lines `src` completes and hand them to `emit`, in one piece
    /// or a few (each valid only during its call; `emit` must not use this
    /// renderer). A line with no newline yet is kept for the next chunk.
    public mutating func feed(_ src: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        let n = src.count
        var start = 0
        // A line begun in an earlier chunk: completed here (rare: once a chunk).
        if !partial.isEmpty {
            guard let nl = ByteSearch.newline(in: src, from: 0) else { partial.append(contentsOf: src); return }
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[..<nl]))
            let whole = partial
            partial = []
            var rendered: [UInt8] = []
            whole.withUnsafeBytes { line($0, into: &rendered) }
            rendered.withUnsafeBytes(emit)
            start = nl + 1
        }
        guard let base = src.baseAddress, start < n else { return }
        let pc = prefix.count
        // Room for the rest if its lines average 8 bytes or more (the bytes,
        // a prefix per 8 of them, the slack). Shorter lines fill it before the
        // chunk ends: the round stops before the line that does not fit, is
        // emitted, and the next round goes on from there. Any one line fits
        // (the room covers the whole rest plus a prefix), so every round makes
        // progress.
        let want = (n - start) + ((n - start) / 8 + 1) * pc + Self.slack
        if space.count < want { space = [UInt8](repeating: 0, count: want) }
        let keep = keepTimestamps
        var pword: UInt64 = 0
        if pc <= 8 { prefix.withUnsafeBytes { p in withUnsafeMutableBytes(of: &pword) { $0.copyMemory(from: p) } } }
        prefix.withUnsafeBytes { p in
            space.withUnsafeMutableBytes { dst in
                while start < n {
                    let (next, written) = Self.render(base, count: n, from: start, prefix: p, prefixWord: pword,
                                                      keepTimestamps: keep, into: dst)
                    if written > 0 { emit(UnsafeRawBufferPointer(rebasing: dst[..<written])) }
                    // No newline after `start`: the rest is a partial line.
                    if next == start { break }
                    start = next
                }
            }
        }
        if start < n { partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[start...])) }
    }

    /// One round: the lines of `base[from..<count]` rendered into `dst` from
    /// its start until one does not fit or no newline is left. Returns where
    /// the first line not rendered starts (`from` when none was) and the
    /// bytes written. A line is prefix, text (timestamp removed unless kept)
    /// and newline; the newlines are found a word at a time, all of a word's
    /// from one mask.
    @inline(__always)
    static func render(_ base: UnsafeRawPointer, count n: Int, from: Int, prefix p: UnsafeRawBufferPointer,
                       prefixWord: UInt64, keepTimestamps keep: Bool,
                       into dst: UnsafeMutableRawBufferPointer) -> (Int, Int) {
        guard let d = dst.baseAddress, dst.count > slack else { return (from, 0) }
        let pc = p.count
        let width = LogTimestamp.width
        let limit = dst.count - slack
        var s = from
        var j = 0
        var i = from
        // Line `s...nl` (its newline included) after the prefix; false when it
        // does not fit (nothing written).
        @inline(__always) func emit(_ nl: Int) -> Bool {
            var text = s
            if !keep, nl - s >= width,
               LogTimestamp.parse(UnsafeRawBufferPointer(start: base + s, count: nl - s).assumingMemoryBound(to: UInt8.self)) != nil {
                text = s + width
            }
            let len = nl + 1 - text
            guard limit - j >= pc + len else { return false }
            if pc <= 8 {
                // A prefix of 8 bytes or less is one word store (the bytes
                // past it are overwritten by the line).
                (d + j).storeBytes(of: prefixWord, as: UInt64.self)
            } else if let pb = p.baseAddress {
                (d + j).copyMemory(from: pb, byteCount: pc)
            }
            j += pc
            if len <= 32, n - text >= 32 {
                // A short line: two 16-byte copies, within the source (checked)
                // and the space (`slack`); what lands past the line's end is
                // overwritten by the next line or never emitted.
                (d + j).storeBytes(of: (base + text).loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                (d + j + 16).storeBytes(of: (base + text + 16).loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
            } else {
                (d + j).copyMemory(from: base + text, byteCount: len)
            }
            j += len
            s = nl + 1
            return true
        }
        while n - i >= 8 {
            var m = ByteSearch.newlineMask(base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            while m != 0 {
                guard emit(i + m.trailingZeroBitCount / 8) else { return (s, j) }
                m &= m &- 1
            }
            i += 8
        }
        while i < n {
            if base.load(fromByteOffset: i, as: UInt8.self) == 0x0A, !emit(i) { return (s, j) }
            i += 1
        }
        return (s, j)
    }

    /// The unterminated rest, as a line (at the end of a follow).
    public mutating func flush(into out: inout [UInt8]) {
        guard !partial.isEmpty else { return }
        let whole = partial
        partial = []
        whole.withUnsafeBytes { line($0, into: &out) }
    }

    /// One line (without its newline) rendered onto the end of `out`.
    private func line(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out += prefix
        var body = text
        if !keepTimestamps, text.count >= LogTimestamp.width,
           LogTimestamp.parse(text.assumingMemoryBound(to: UInt8.self)) != nil {
            body = UnsafeRawBufferPointer(rebasing: text[LogTimestamp.width...])
        }
        out.append(contentsOf: body)
        out.append(0x0A)
    }
}
