// One parsed HTTP request, as HTTPRequestParser hands it over: the request
// line, the header fields in the order sent, and the body read by
// Content-Length.

/// The two protocol versions served. HTTP/0.9 (no version) and anything but
/// 1.0 and 1.1 are refused by the parser.
public enum HTTPVersion: String, Sendable, Equatable {
    case http10 = "1.0"
    case http11 = "1.1"

    /// As it appears in a status line: `HTTP/1.1`.
    public var text: String { "HTTP/" + rawValue }
}

/// One header field: the name as sent, the value without surrounding blanks.
public struct HTTPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A complete request.
public struct HTTPRequest: Sendable, Equatable {
    /// `GET`, `POST`, … exactly as sent (medusa compares them case-sensitively).
    public var method: String
    /// The request target as sent, before percent-decoding.
    public var target: String
    public var version: HTTPVersion
    public var headers: [HTTPHeaderField]
    public var body: [UInt8]

    public init(method: String, target: String, version: HTTPVersion, headers: [HTTPHeaderField], body: [UInt8]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The first field with this name, compared case-insensitively; medusa's
    /// `get_header` also takes the first.
    public func header(_ name: String) -> String? {
        let wanted = HTTPRequest.asciiLowercased(name)
        return headers.first { HTTPRequest.asciiLowercased($0.name) == wanted }?.value
    }

    /// Whether the request carried a Content-Length (medusa's XML-RPC handler
    /// answers 411 to a POST without one).
    public var hasContentLength: Bool { header("Content-Length") != nil }

    /// The `Connection` field lower-cased, "" when absent: what medusa's
    /// keep-alive rules compare (http_server.py, http_request.done).
    public var connectionToken: String { HTTPRequest.asciiLowercased(header("Connection") ?? "") }

    /// The path and query, the path percent-decoded, as medusa's channel
    /// rewrites `request.uri` before choosing a handler
    /// (http.py, deferring_http_channel.found_terminator: splitquery, unquote).
    public var uri: String {
        let (path, query) = splitQuery
        let decoded = path.contains("%") ? HTTPRequest.percentDecoded(path) : path
        guard let query else { return decoded }
        return decoded + "?" + query
    }

    /// The percent-decoded path without the query.
    public var path: String {
        let (path, _) = splitQuery
        return path.contains("%") ? HTTPRequest.percentDecoded(path) : path
    }

    /// Python's `splitquery`: split at the last `?`; the query is nil when
    /// there is no `?`.
    private var splitQuery: (String, String?) {
        guard let q = target.lastIndex(of: "?") else { return (target, nil) }
        return (String(target[..<q]), String(target[target.index(after: q)...]))
    }

    /// Python's `urllib.parse.unquote`: `%XX` sequences become bytes, invalid
    /// ones stay as they are, and the bytes are decoded as UTF-8 with U+FFFD
    /// for what is not UTF-8.
    public static func percentDecoded(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let hi = ControlEncoding.hexValue(bytes[i + 1]), let lo = ControlEncoding.hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func asciiLowercased(_ s: String) -> String {
        String(decoding: s.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
