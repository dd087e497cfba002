// The reply to `taillog` (supervisord's tailProcessStdoutLog): one `tail`
// item with the file's size (the offset the caller passes next time) and the
// overflow flag, then the bytes as `log` items of at most
// `ControlProtocol.logItemBytes` each.

public enum TailReply {
    /// The item type carrying size and overflow.
    public static let itemType = "tail"

    /// The reply's items.
    public static func items(bytes: [UInt8], size: Int64, overflow: Bool) -> [ControlItem] {
        var items: [ControlItem] = [.other(type: itemType, fields: [ControlField("size", String(size)),
                                                                    ControlField("overflow", overflow ? "1" : "0")])]
        var start = 0
        repeat {
            let end = min(bytes.count, start + ControlProtocol.logItemBytes)
            items.append(.log(Array(bytes[start..<end])))
            start = end
        } while start < bytes.count
        return items
    }

    /// Bytes, size and overflow from a reply's items; nil without a `tail` item.
    public static func parse(_ items: [ControlItem]) -> (bytes: [UInt8], size: Int, overflow: Bool)? {
        var head: (size: Int, overflow: Bool)?
        var bytes: [UInt8] = []
        for item in items {
            switch item {
            case .other(let type, let fields) where type == itemType && head == nil:
                let size = fields.first { $0.key == "size" }.flatMap { Int($0.string) } ?? 0
                head = (size, fields.first { $0.key == "overflow" }?.string == "1")
            case .log(let chunk):
                bytes += chunk
            default:
                break
            }
        }
        return head.map { (bytes, $0.size, $0.overflow) }
    }
}
