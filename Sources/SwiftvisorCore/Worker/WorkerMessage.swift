// What crosses the channel between the core and the HTTP worker
// (docs/architecture.md, "The HTTP worker"). One SEQPACKET message each:
//
//   core → worker  `C` flags bytes…   + SCM_RIGHTS [client fd, session fd]
//                  a connection whose first bytes were HTTP, the bytes the
//                  core already read from it, and flag bit 0: the listener
//                  wants credentials (the secrets never leave the core);
//                  bit 1: its `legacy_get_actions=false` (docs/web.md)
//   worker → core  `L` level text…    a line for the main log
//
// Nothing else: the worker asks the core everything else over each
// connection's own SWV1 session, with the client's identity the core bound
// to that session. The core reads worker messages as untrusted input: an
// unknown type, a bad level or a message with descriptors is dropped, and the
// text of a log line is cut and stripped of line breaks before it is logged.

public enum WorkerMessage: Sendable, Equatable {
    /// A connection handed to the worker (its two descriptors travel beside).
    case connection(authRequired: Bool, initialBytes: [UInt8], legacyGetActions: Bool = true)
    /// A line for the main log.
    case log(LogLevel, String)

    /// Largest message either side sends or accepts: the bytes the core read
    /// before the hand-off are at most one request line's worth plus one read.
    public static let maxSize = ControlProtocol.maxRequestLine + 32 * 1024
    /// Longest log text the core writes for the worker (longer is cut).
    public static let maxLogText = 8 * 1024

    public func encoded() -> [UInt8] {
        switch self {
        case .connection(let auth, let bytes, let legacy):
            return [UInt8(ascii: "C"), (auth ? 1 : 0) | (legacy ? 0 : 2)] + bytes.prefix(Self.maxSize - 2)
        case .log(let level, let text):
            return [UInt8(ascii: "L"), Self.code(level)] + Array(text.utf8.prefix(Self.maxLogText))
        }
    }

    public static func decode(_ bytes: [UInt8]) -> WorkerMessage? {
        guard bytes.count >= 2 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "C"):
            guard bytes[1] <= 3 else { return nil }
            return .connection(authRequired: bytes[1] & 1 != 0, initialBytes: Array(bytes.dropFirst(2)),
                               legacyGetActions: bytes[1] & 2 == 0)
        case UInt8(ascii: "L"):
            guard let level = level(bytes[1]) else { return nil }
            return .log(level, sanitized(bytes.dropFirst(2).prefix(maxLogText)))
        default:
            return nil
        }
    }

    private static func code(_ level: LogLevel) -> UInt8 {
        switch level {
        case .critical: return UInt8(ascii: "C")
        case .error: return UInt8(ascii: "E")
        case .warn: return UInt8(ascii: "W")
        case .info: return UInt8(ascii: "I")
        case .debug, .trace, .blather: return UInt8(ascii: "D")
        }
    }

    private static func level(_ code: UInt8) -> LogLevel? {
        switch code {
        case UInt8(ascii: "C"): return .critical
        case UInt8(ascii: "E"): return .error
        case UInt8(ascii: "W"): return .warn
        case UInt8(ascii: "I"): return .info
        case UInt8(ascii: "D"): return .debug
        default: return nil
        }
    }

    /// One main-log line's text: UTF-8 with replacement, and every control
    /// byte but TAB shown as `\xHH`, so the worker can never start a line of
    /// its own in the main log.
    static func sanitized<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let text = String(decoding: bytes, as: UTF8.self)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
