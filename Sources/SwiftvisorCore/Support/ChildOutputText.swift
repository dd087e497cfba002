// Transformations of child output that supervisord applies before logging
// (dispatchers.py): `strip_ansi` and the debug-level echo into the main log.

public enum ChildOutputText {
    private static let terminators: Set<UInt8> = Set("HfABCDRsuJKhlpm".utf8)

    /// supervisord's stripEscapes: drop each `ESC [` and everything up to and
    /// including the next terminator character. Applied per read chunk, as
    /// supervisord does (an escape split across two reads is not stripped).
    public static func stripANSI(_ data: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(data.count)
        var show = true
        var i = 0
        while i < data.count {
            if !show {
                if terminators.contains(data[i]) { show = true }
                i += 1
                continue
            }
            if data[i] == 0x1B, i + 1 < data.count, data[i + 1] == UInt8(ascii: "[") {
                show = false
                i += 2
                continue
            }
            result.append(data[i])
            i += 1
        }
        return result
    }

    /// The main-log message for child output at debug level:
    /// `'web' stdout output:\n<text>`, or `Undecodable: b'...'` for invalid UTF-8.
    public static func mainLogEcho(processName: String, channel: String, data: [UInt8]) -> String {
        let text: String
        if let decoded = String(validating: data, as: UTF8.self) {
            text = decoded
        } else {
            text = "Undecodable: \(bytesRepr(data))"
        }
        return "\(pythonRepr(processName)) \(channel) output:\n\(text)"
    }

    /// Python's repr of a bytes object: `b'a\n\x88'`.
    public static func bytesRepr(_ data: [UInt8]) -> String {
        let quote: UInt8 = data.contains(UInt8(ascii: "'")) && !data.contains(UInt8(ascii: "\"")) ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        var out = "b" + String(UnicodeScalar(quote))
        let hex = Array("0123456789abcdef")
        for b in data {
            switch b {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\r"): out += "\\r"
            case UInt8(ascii: "\t"): out += "\\t"
            case quote: out += "\\" + String(UnicodeScalar(quote))
            case 0x20..<0x7F: out.append(Character(UnicodeScalar(b)))
            default: out += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
            }
        }
        return out + String(UnicodeScalar(quote))
    }
}
