// Whether a connection stays open after a response, and how a response whose
// length is unknown is framed: medusa's rules (medusa/http_server.py
// http_request.done, supervisor/http.py deferring_http_request.done at 4.3.0),
// observed against supervisord:
//
//   request  Connection   response has Content-Length   result
//   1.0      keep-alive   yes   open, `Connection: Keep-Alive` sent
//   1.0      keep-alive   no    closed after the response
//   1.0      other/none   any   closed (no `Connection: close` sent)
//   1.1      close        any   closed (no header sent)
//   1.1      other/none   yes   open
//   1.1      other/none   no    open, `Transfer-Encoding: chunked`
//
// supervisord compares the token case-sensitively for deferred XML-RPC
// answers and case-insensitively otherwise; swiftvisord always ignores case.

/// The connection's fate after one response.
public struct HTTPPersistence: Sendable, Equatable {
    /// The connection serves the next request after this response.
    public var keepAlive: Bool
    /// Send `Connection: Keep-Alive` (HTTP/1.0 keep-alive only).
    public var announceKeepAlive: Bool
    /// Frame the body as chunks (HTTP/1.1 stream).
    public var chunked: Bool

    public init(keepAlive: Bool, announceKeepAlive: Bool, chunked: Bool) {
        self.keepAlive = keepAlive
        self.announceKeepAlive = announceKeepAlive
        self.chunked = chunked
    }

    /// The rules above, for a request's version and lower-cased Connection
    /// token, and whether the response carries a Content-Length.
    public static func decide(version: HTTPVersion, connection: String, hasContentLength: Bool) -> HTTPPersistence {
        switch version {
        case .http10:
            let keep = connection == "keep-alive" && hasContentLength
            return HTTPPersistence(keepAlive: keep, announceKeepAlive: keep, chunked: false)
        case .http11:
            if connection == "close" {
                return HTTPPersistence(keepAlive: false, announceKeepAlive: false, chunked: false)
            }
            return HTTPPersistence(keepAlive: true, announceKeepAlive: false, chunked: !hasContentLength)
        }
    }
}
