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
        // Log chunks (`log`, `data` items) are large and contiguous: one pass
        // over raw memory instead of an append per byte.
        if bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0), into: &out) }) != nil { return }
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

    /// Append the encoded form of raw bytes to `out`: the worst case (every
    /// byte `%HH`) reserved in new storage, filled in one pass, copied once.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let (worst, overflow) = bytes.count.multipliedReportingOverflow(by: 3)
        guard !overflow else {
            for b in bytes { encode(CollectionOfOne(b), into: &out) }
            return
        }
        let encoded = [UInt8](unsafeUninitializedCapacity: worst) { dst, initialized in
            initialized = 0
            guard let d = dst.baseAddress, let src = bytes.baseAddress else { return }
            let n = bytes.count
            var i = 0
            var j = 0
            while i < n {
                // Eight plain bytes (most of a log) are copied as one word; a
                // word with any other byte is done byte by byte.
                if n - i >= 8 {
                    let word = src.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if Self.allPlain(word) {
                        UnsafeMutableRawPointer(d + j).storeBytes(of: word, as: UInt64.self)
                        i &+= 8
                        j &+= 8
                        continue
                    }
                }
                let end = min(n, i &+ 8)
                while i < end {
                    let b = bytes[i]
                    if isPlain(b) {
                        d[j] = b
                        j &+= 1
                    } else {
                        d[j] = UInt8(ascii: "%")
                        d[j &+ 1] = hexDigit(b >> 4)
                        d[j &+ 2] = hexDigit(b & 0x0F)
                        j &+= 3
                    }
                    i &+= 1
                }
            }
            initialized = j
        }
        out.append(contentsOf: encoded)
    }

    /// Whether each of the eight bytes of `word` is plain (`isPlain`), with
    /// the word-at-a-time byte tests ("bit twiddling hacks": hasless,
    /// hasmore, haszero), each exact as a yes/no for the whole word.
    @inline(__always)
    static func allPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below21 = (word &- ones &* 0x21) & ~word & highs          // a byte < 0x21
        let above7E = ((word &+ ones &* (127 - 0x7E)) | word) & highs  // a byte > 0x7E
        let x = word ^ (ones &* 0x25)
        let percent = (x &- ones) & ~x & highs                         // a byte == 0x25
        return below21 | above7E | percent == 0
    }

    /// Whether no byte of `word` is `%`.
    @inline(__always)
    static func noPercent(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let x = word ^ (ones &* 0x25)
        return (x &- ones) & ~x & 0x8080_8080_8080_8080 == 0
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? v &+ UInt8(ascii: "0") : v &+ (UInt8(ascii: "A") &- 10)
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
        if let decoded = encoded.withContiguousStorageIfAvailable({ decode(UnsafeRawBufferPointer($0)) }) { return decoded }
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

    /// `decode` over raw memory: one pass into storage of the encoded size.
    /// `plainOnly`: nil also for a byte that a sender must escape (a value
    /// exactly as this protocol writes it).
    public static func decode(_ encoded: UnsafeRawBufferPointer, plainOnly: Bool = false) -> [UInt8]? {
        let n = encoded.count
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: n) { dst, initialized in
            initialized = 0
            guard let d = dst.baseAddress, let src = encoded.baseAddress else { return }
            var i = 0
            var j = 0
            var wordEnd = 0
            while i < n {
                // Eight bytes without an escape (nor, with plainOnly, a byte a
                // sender must escape) are copied as one word; else byte by
                // byte to the end of that word (an escape may run past it).
                if i >= wordEnd, n - i >= 8 {
                    let word = src.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if plainOnly ? allPlain(word) : noPercent(word) {
                        UnsafeMutableRawPointer(d + j).storeBytes(of: word, as: UInt64.self)
                        i += 8
                        j += 8
                        continue
                    }
                    wordEnd = i + 8
                }
                let b = encoded[i]
                if b == UInt8(ascii: "%") {
                    guard i + 2 < n, let hi = hexValue(encoded[i + 1]), let lo = hexValue(encoded[i + 2]) else { ok = false; return }
                    d[j] = hi << 4 | lo
                    i += 3
                } else {
                    if plainOnly && !isPlain(b) { ok = false; return }
                    d[j] = b
                    i += 1
                }
                j += 1
            }
            initialized = j
        }
        return ok ? out : nil
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
