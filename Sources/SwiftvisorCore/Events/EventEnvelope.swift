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

    public static func encode(identifier: String, serial: Int, pool: String, poolSerial: Int, event: SupervisorEvent) -> [UInt8] {
        var out = Array(header(identifier: identifier, serial: serial, pool: pool, poolSerial: poolSerial, event: event).utf8)
        out.append(contentsOf: event.payload.utf8)
        return out
    }
}
