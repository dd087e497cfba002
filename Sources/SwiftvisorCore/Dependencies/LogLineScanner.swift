// `readiness=log` (docs/dependencies.md): the lines of one output channel,
// as the relay reads them in chunks of any size, checked against the pattern.
// A line split across reads is joined first; the buffer is bounded, so a
// longer line is checked on its first `maxLine` bytes and the rest skipped up
// to its newline.

public struct LogLineScanner: Sendable {
    /// Bytes of one line kept for the check.
    public static let maxLine = 4096
    public let regex: LineRegex
    private var line: [UInt8] = []
    /// The current line passed `maxLine` and was already checked.
    private var overlong = false

    public init(regex: LineRegex) { self.regex = regex }

    /// Feed the bytes read; true once a complete line (or the first
    /// `maxLine` bytes of one) matched.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> Bool {
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                defer { line.removeAll(keepingCapacity: true); overlong = false }
                if !overlong, regex.matches(Self.trimmed(line)) { return true }
                continue
            }
            if overlong { continue }
            line.append(b)
            if line.count >= Self.maxLine {
                overlong = true
                if regex.matches(line) { return true }
            }
        }
        return false
    }

    /// `\r\n` line ends: the `\r` is not part of the line (so `$` works).
    private static func trimmed(_ line: [UInt8]) -> ArraySlice<UInt8> {
        line.last == 13 ? line.dropLast() : line[...]
    }
}
