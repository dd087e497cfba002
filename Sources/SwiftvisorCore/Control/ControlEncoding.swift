// Percent-encoding of request words and reply field values. The wire stays
// printable ASCII without spaces, so a line splits on spaces and `\n` ends it,
// whatever bytes a process name, log chunk or fault message contains.

/// Encoding and decoding of one word or field value.
public enum ControlEncoding {
    /// Whether `byte` travels as itself. Everything else is `%HH`: controls,
    /// space, `%`, DEL and every byte >= 0x80 (UTF-8 included: a line is ASCII).
    @inline(__always)
    public static func isPlain(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "%")
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Append the encoded form of `bytes` to `out`.
    public static func encode<S: Sequence>(_ bytes: S, into out: inout [UInt8]) where S.Element == UInt8 {
        for b in bytes {
            if isPlain(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0F)])
            }
        }
    }

    /// Append `bytes` encoded, copying runs of plain bytes whole (a status
    /// reply is mostly plain names and numbers).
    public static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var run = 0
        for i in 0..<bytes.count where !isPlain(bytes[i]) {
            if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
            out.append(UInt8(ascii: "%"))
            out.append(hexDigits[Int(bytes[i] >> 4)])
            out.append(hexDigits[Int(bytes[i] & 0x0F)])
            run = i + 1
        }
        if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
    }

    /// Append `n` in decimal (String(n)'s digits, without the String).
    public static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var m = n.magnitude   // Int.min has no positive Int
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buf in
            var i = buf.count
            repeat {
                i -= 1
                buf[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: buf[i...])
        }
    }

    /// The encoded form of a string's UTF-8 bytes.
    public static func encode(_ string: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        encode(string.utf8, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A hex digit's value (either case); also used by HTTP percent-decoding.
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// Decode `%HH` escapes; nil when a `%` is not followed by two hex digits.
    /// Other bytes pass through, so a hand-typed UTF-8 name is accepted as is.
    public static func decode<C: Collection>(_ encoded: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count)
        var i = encoded.startIndex
        while i != encoded.endIndex {
            let b = encoded[i]
            if b == UInt8(ascii: "%") {
                let h = encoded.index(after: i)
                guard h != encoded.endIndex else { return nil }
                let l = encoded.index(after: h)
                guard l != encoded.endIndex, let hi = hexValue(encoded[h]), let lo = hexValue(encoded[l]) else { return nil }
                out.append(hi << 4 | lo)
                i = encoded.index(after: l)
            } else {
                out.append(b)
                i = encoded.index(after: i)
            }
        }
        return out
    }

    /// Split a line (without its `\n`; a trailing `\r` is dropped, for telnet/socat
    /// users) into raw, still-encoded words separated by runs of spaces or tabs.
    public static func splitWords<C: Collection>(_ line: C) -> [ArraySlice<UInt8>] where C.Element == UInt8 {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        var words: [ArraySlice<UInt8>] = []
        var start: Int? = nil
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                if let s = start { words.append(bytes[s..<i]); start = nil }
            } else if start == nil {
                start = i
            }
        }
        if let s = start { words.append(bytes[s..<bytes.count]) }
        return words
    }
}
