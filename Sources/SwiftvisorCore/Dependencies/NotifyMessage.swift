// One sd_notify datagram (sd_notify(3)): newline-separated VAR=VALUE
// assignments. Only what readiness and the watchdog use is kept.

public struct NotifyMessage: Sendable, Equatable {
    /// `READY=1`.
    public var ready = false
    /// `STATUS=…`: one line shown in the description (cut at 200 characters).
    public var status: String? = nil
    /// `WATCHDOG=1`.
    public var watchdog = false
    /// `STOPPING=1` (informational).
    public var stopping = false

    public init() {}

    /// Bytes that are not UTF-8, and unknown variables, are ignored.
    public static func parse(_ bytes: [UInt8]) -> NotifyMessage {
        var m = NotifyMessage()
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(decoding: line[line.startIndex..<eq], as: UTF8.self)
            let value = line[line.index(after: eq)...]
            switch key {
            case "READY": m.ready = value.elementsEqual("1".utf8)
            case "WATCHDOG": if value.elementsEqual("1".utf8) { m.watchdog = true }
            case "STOPPING": m.stopping = value.elementsEqual("1".utf8)
            case "STATUS":
                let text = String(decoding: value, as: UTF8.self)
                    .unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
                m.status = String(String.UnicodeScalarView(text.prefix(200)))
            default: continue
            }
        }
        return m
    }
}
