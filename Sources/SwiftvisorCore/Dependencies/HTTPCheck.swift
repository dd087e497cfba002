// An `http` health check as bytes (docs/dependencies.md): the request sent,
// and the verdict read from the status line of the reply. Nothing else of
// the reply is read, so a check costs one small read however large the body.

public enum HTTPCheck {
    /// The request for `url`: HTTP/1.0, no keep-alive.
    public static func request(_ url: HTTPCheckURL) -> [UInt8] {
        Array("GET \(url.path) HTTP/1.0\r\nHost: \(url.endpoint)\r\nUser-Agent: swiftvisord-check\r\nConnection: close\r\n\r\n".utf8)
    }

    /// The status code once the status line is complete (`HTTP/1.1 204 …`),
    /// nil while more bytes are needed; -1 when it is not HTTP.
    public static func statusCode(_ bytes: [UInt8]) -> Int? {
        guard let end = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return bytes.count > 1024 ? -1 : nil }
        var line = bytes[..<end]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.starts(with: "HTTP/".utf8) else { return -1 }
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[1].count == 3, parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return -1 }
        return parts[1].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
