// Response serialization: the status line, `Server` and `Date` first (medusa
// sets them when the request is created), then the handler's headers in the
// order it set them, then what the keep-alive rules add. Bodies are either
// sized by Content-Length or, for streams, chunked (HTTP/1.1) or raw until
// close (HTTP/1.0).

/// A response with a body known in advance.
public struct HTTPResponse: Sendable, Equatable {
    /// The `Server` header. supervisord sends `Medusa/1.12`; swiftvisord names
    /// itself so a client can tell the two apart (docs/protocol.md).
    public static let serverName = "swiftvisord"

    public var status: HTTPStatus
    /// Headers after Server and Date, in order, Content-Length among them.
    public var headers: [HTTPHeaderField]
    public var body: [UInt8]
    /// Close after this response whatever the request asked (the 401).
    public var forcesClose: Bool

    public init(status: HTTPStatus, headers: [HTTPHeaderField], body: [UInt8], forcesClose: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.forcesClose = forcesClose
    }

    /// An XML-RPC answer (supervisor/xmlrpc.py continue_request: Content-Type
    /// then Content-Length; no charset).
    public static func xmlrpc(_ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: [
            HTTPHeaderField("Content-Type", "text/xml"),
            HTTPHeaderField("Content-Length", String(body.count)),
        ], body: body)
    }

    /// A document: Content-Type, Content-Length, and the body unless the
    /// request was `HEAD` (whose answer has the length of the GET's).
    public static func document(_ body: [UInt8], contentType: String, head: Bool = false, extra: [HTTPHeaderField] = []) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: [
            HTTPHeaderField("Content-Type", contentType),
            HTTPHeaderField("Content-Length", String(body.count)),
        ] + extra, body: head ? [] : body)
    }

    /// medusa's error page (http_request.error): Content-Length, then
    /// Content-Type, and DEFAULT_ERROR_MESSAGE with CRLF line ends.
    public static func error(_ status: HTTPStatus) -> HTTPResponse {
        let body = errorBody(status)
        return HTTPResponse(status: status, headers: [
            HTTPHeaderField("Content-Length", String(body.count)),
            HTTPHeaderField("Content-Type", "text/html"),
        ], body: body)
    }

    /// The answer to a request without acceptable credentials
    /// (medusa/auth_handler.py handle_unauthorized): `Connection: close` comes
    /// first because it is set before the error page is built. supervisord
    /// then ignores the connection's input; swiftvisord closes it.
    public static func unauthorized(realm: String = "default") -> HTTPResponse {
        let body = errorBody(.unauthorized)
        return HTTPResponse(status: .unauthorized, headers: [
            HTTPHeaderField("Connection", "close"),
            HTTPHeaderField("WWW-Authenticate", "Basic realm=\"\(realm)\""),
            HTTPHeaderField("Content-Length", String(body.count)),
            HTTPHeaderField("Content-Type", "text/html"),
        ], body: body, forcesClose: true)
    }

    /// The error page's body, byte for byte medusa's.
    public static func errorBody(_ status: HTTPStatus) -> [UInt8] {
        Array(("<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n"
            + "<p>Error code \(status.code).\r\n<p>Message: \(status.reason).\r\n</body>\r\n").utf8)
    }

    /// The bytes to send in answer to a request of this version and
    /// Connection token, and whether the connection then stays open.
    public func serialized(version: HTTPVersion, connection: String, epochSeconds: Int64) -> (bytes: [UInt8], keepAlive: Bool) {
        let persistence = HTTPPersistence.decide(version: version, connection: connection, hasContentLength: true)
        var all = headers
        if persistence.announceKeepAlive && !forcesClose {
            all.append(HTTPHeaderField("Connection", "Keep-Alive"))
        }
        var out = HTTPResponse.head(status: status, version: version, headers: all, epochSeconds: epochSeconds)
        out += body
        return (out, persistence.keepAlive && !forcesClose)
    }

    /// Status line, Server, Date, `headers`, blank line.
    public static func head(status: HTTPStatus, version: HTTPVersion, headers: [HTTPHeaderField], epochSeconds: Int64) -> [UInt8] {
        var text = "\(version.text) \(status.code) \(status.reason)\r\n"
        text += "Server: \(serverName)\r\n"
        text += "Date: \(HTTPDate.format(epochSeconds: epochSeconds))\r\n"
        for h in headers { text += "\(h.name): \(h.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}

/// The start of a response whose length is not known (a log stream).
public struct HTTPStreamResponse: Sendable, Equatable {
    /// Status line and headers.
    public var head: [UInt8]
    /// Each piece of the body goes through `HTTPChunk.encode`; the end is
    /// `HTTPChunk.last`. Otherwise the body is raw bytes and ends at close.
    public var chunked: Bool
    /// The connection serves another request after the stream's last chunk.
    public var keepAlive: Bool

    /// A stream's head for a request of this version and Connection token.
    /// HTTP/1.1 gets chunks (medusa's chunked_producer); HTTP/1.0 and
    /// `Connection: close` get the raw bytes until the connection closes.
    /// (supervisord holds an HTTP/1.0 stream until 64 KiB have accumulated;
    /// swiftvisord sends each piece at once.)
    public init(status: HTTPStatus = .ok, headers: [HTTPHeaderField], version: HTTPVersion, connection: String, epochSeconds: Int64) {
        let persistence = HTTPPersistence.decide(version: version, connection: connection, hasContentLength: false)
        var all = headers
        if persistence.chunked { all.append(HTTPHeaderField("Transfer-Encoding", "chunked")) }
        head = HTTPResponse.head(status: status, version: version, headers: all, epochSeconds: epochSeconds)
        chunked = persistence.chunked
        keepAlive = persistence.keepAlive
    }
}

/// Chunked transfer coding (RFC 7230 §4.1), as medusa's chunked_producer writes
/// it: lower-case hex size, CRLF, the bytes, CRLF.
public enum HTTPChunk {
    /// One chunk; an empty piece encodes to nothing (an empty chunk would end
    /// the stream).
    public static func encode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        guard !bytes.isEmpty else { return [] }
        var out = Array(String(bytes.count, radix: 16).utf8)
        out += [0x0D, 0x0A]
        out += bytes
        out += [0x0D, 0x0A]
        return out
    }

    /// The last chunk: the end of the stream.
    public static let last: [UInt8] = Array("0\r\n\r\n".utf8)
}
