// The `data target=I bytes=...` item of a `follow` stream (docs/protocol.md
// §5) encoded and decoded over raw buffers. A stream of 20 programs writing as
// fast as they can is hundreds of MiB a second through this line: the general
// item path (fields as values, a per-byte generic loop, the line split into
// words and kept as a String for error messages) cost more than the data
// itself. The bytes on the wire are exactly the general path's
// (`ControlItem.encode(into:)`, `ReplyLine.decodeBody`); the tests compare them.

public enum StreamDataItem {
    /// Append `data target=<target> bytes=<encoded bytes>\n` to `out`.
    public static func encode(target: Int, bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(contentsOf: "data target=".utf8)
        out.append(contentsOf: String(target).utf8)
        out.append(contentsOf: " bytes=".utf8)
        ControlEncoding.encode(bytes, into: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// The target and bytes of `line` (without its `\n`) when it is a data item
    /// exactly as the daemon writes it: `data target=DIGITS bytes=VALUE` with
    /// a value of plain bytes and `%HH` escapes. nil for anything else (other
    /// items, the end line, extra spaces or fields, a bad escape): the caller
    /// then decodes the line with `ReplyLine.decodeBody`, which gives the same
    /// result for every line this accepts.
    public static func decode(_ line: UnsafeRawBufferPointer) -> (target: Int, bytes: [UInt8])? {
        let head: StaticString = "data target="
        let n = line.count
        let h = head.utf8CodeUnitCount
        guard n > h else { return nil }
        for k in 0..<h where line[k] != head.utf8Start[k] { return nil }
        var i = h
        var target = 0
        let digitsStart = i
        while i < n, line[i] >= 0x30, line[i] <= 0x39 {
            // At most 18 digits: no overflow, and more is no target a client has.
            guard i - digitsStart < 18 else { return nil }
            target = target * 10 + Int(line[i] &- 0x30)
            i += 1
        }
        guard i > digitsStart else { return nil }
        let mid: StaticString = " bytes="
        let m = mid.utf8CodeUnitCount
        guard n - i >= m else { return nil }
        for k in 0..<m where line[i + k] != mid.utf8Start[k] { return nil }
        i += m
        guard let bytes = value(line, from: i) else { return nil }
        return (target, bytes)
    }

    /// The bytes of a `log data=VALUE` line (a `readlog` reply's item) under
    /// the same rule as `decode`; nil for any other line.
    public static func decodeLog(_ line: UnsafeRawBufferPointer) -> [UInt8]? {
        let head: StaticString = "log data="
        let h = head.utf8CodeUnitCount
        guard line.count >= h else { return nil }
        for k in 0..<h where line[k] != head.utf8Start[k] { return nil }
        return value(line, from: h)
    }

    /// Only bytes the daemon writes: a space, tab or `\r` would make
    /// decodeBody split or trim the line differently.
    private static func value(_ line: UnsafeRawBufferPointer, from start: Int) -> [UInt8]? {
        ControlEncoding.decode(UnsafeRawBufferPointer(rebasing: line[start...]), plainOnly: true)
    }
}
