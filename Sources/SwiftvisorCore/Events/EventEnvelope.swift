/// The bytes a listener receives for one event (process.py
/// `EventListenerPool._eventEnvelope`):
///
///     ver:3.0 server:ID serial:N pool:NAME poolserial:N eventname:TYPE len:N\nPAYLOAD
///
/// `len` is the payload's length in Unicode code points (Python's `len` of a
/// str), not its UTF-8 byte count: Python listeners read `len` characters
/// from a text-mode stdin (supervisor.childutils, superlance).
public enum EventEnvelope {
    public static func header(identifier: String, serial: Int, pool: String, poolSerial: Int, event: SupervisorEvent) -> String {
        "ver:3.0 server:\(identifier) serial:\(serial) pool:\(pool) poolserial:\(poolSerial) eventname:\(event.type.name) len:\(event.length)\n"
    }

    /// Header and payload in one buffer, built once, without a String in
    /// between: the child's bytes of a PROCESS_LOG event are copied once, from
    /// the read into the envelope.
    public static func encode(identifier: String, serial: Int, pool: String, poolSerial: Int, event: SupervisorEvent) -> [UInt8] {
        let (length, decoded) = event.lengthAndText()
        var out: [UInt8] = []
        out.reserveCapacity(128 &+ identifier.utf8.count &+ pool.utf8.count &+ event.byteCountHint)
        out.append(contentsOf: "ver:3.0 server:".utf8)
        out.append(contentsOf: identifier.utf8)
        out.append(contentsOf: " serial:".utf8)
        appendDecimal(serial, to: &out)
        out.append(contentsOf: " pool:".utf8)
        out.append(contentsOf: pool.utf8)
        out.append(contentsOf: " poolserial:".utf8)
        appendDecimal(poolSerial, to: &out)
        out.append(contentsOf: " eventname:".utf8)
        out.append(contentsOf: event.type.name.utf8)
        out.append(contentsOf: " len:".utf8)
        appendDecimal(length, to: &out)
        out.append(UInt8(ascii: "\n"))
        event.appendPayload(to: &out, decoded: decoded)
        return out
    }

    /// `n` in decimal, as Python's `str(int)`.
    static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        guard n > 0 else {
            if n == 0 { out.append(UInt8(ascii: "0")) } else { out.append(contentsOf: String(n).utf8) }
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = n, count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0, count < d.count {
                d[d.count &- 1 &- count] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10)
                v /= 10
                count &+= 1
            }
            out.append(contentsOf: d[(d.count &- count)...])
        }
    }
}
