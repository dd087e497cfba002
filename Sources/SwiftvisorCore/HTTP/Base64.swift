// Base64 as Python's `base64.decodebytes` (binascii.a2b_base64, non-strict)
// decodes it, which is what supervisord applies to `Authorization: Basic`
// credentials (medusa/auth_handler.py) and to XML-RPC `<base64>` values
// (supervisor/xmlrpc.py unmarshallers): bytes outside the alphabet are
// skipped, padding ends the data once a quantum is complete, and a final
// partial quantum is an error. Plus the encoder, for clients and tests.

/// Base64 (RFC 4648 alphabet).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The decoded bytes, or nil where Python raises binascii.Error.
    public static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var quadPos = 0
        var leftover: UInt8 = 0
        var pads = 0
        for byte in text {
            if byte == UInt8(ascii: "=") {
                if quadPos >= 2 {
                    pads += 1
                    if quadPos + pads >= 4 { return out }
                }
                continue
            }
            guard let v = value(byte) else { continue }
            switch quadPos {
            case 0:
                leftover = v
                quadPos = 1
            case 1:
                out.append(leftover << 2 | v >> 4)
                leftover = v & 0x0F
                quadPos = 2
            case 2:
                out.append(leftover << 4 | v >> 2)
                leftover = v & 0x03
                quadPos = 3
            default:
                out.append(leftover << 6 | v)
                leftover = 0
                quadPos = 0
            }
        }
        return quadPos == 0 ? out : nil
    }

    /// Standard padded encoding.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let data = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i < data.count {
            let b0 = data[i]
            let b1: UInt8 = i + 1 < data.count ? data[i + 1] : 0
            let b2: UInt8 = i + 2 < data.count ? data[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < data.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < data.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func value(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return b - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return b - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
