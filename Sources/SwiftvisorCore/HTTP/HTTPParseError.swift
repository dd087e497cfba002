// Why the parser refused a request. Each refusal is answered with its status
// and the connection is closed: after a malformed or oversized request the
// position of the next request in the byte stream is unknown.

/// A request the parser refused.
public struct HTTPParseError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The request line is not `METHOD SP TARGET SP HTTP/x.y`.
        case malformedRequestLine
        /// `HTTP/x.y` other than 1.0 and 1.1.
        case unsupportedVersion
        /// A header line that is not `name: value`, or a control byte in it.
        case malformedHeader
        /// More than `maxRequestLine` bytes before the request line's CRLF.
        case requestLineTooLong
        /// The header block exceeds `maxHeaderBytes` or `maxHeaderCount`.
        case headersTooLarge
        /// Content-Length is not a decimal number, or two differ.
        case badContentLength
        /// Content-Length exceeds `maxBodyBytes`.
        case bodyTooLarge
        /// Transfer-Encoding on a request without Content-Length: medusa never
        /// decodes a chunked request body (its collector needs a length).
        case lengthRequired
        /// Transfer-Encoding and Content-Length together (RFC 7230 §3.3.3:
        /// the framing is ambiguous, the classic request-smuggling shape).
        case conflictingFraming
    }

    public var kind: Kind
    /// What was wrong, for the log.
    public var detail: String
    /// The version the request line named, when it got that far (the error
    /// response's status line uses it, as medusa's does).
    public var version: HTTPVersion?

    public init(_ kind: Kind, _ detail: String, version: HTTPVersion? = nil) {
        self.kind = kind
        self.detail = detail
        self.version = version
    }

    /// The status the client is answered with.
    public var status: HTTPStatus {
        switch kind {
        case .malformedRequestLine, .malformedHeader, .headersTooLarge, .badContentLength, .conflictingFraming:
            return .badRequest
        case .unsupportedVersion: return .versionNotSupported
        case .requestLineTooLong: return .requestURITooLarge
        case .bodyTooLarge: return .requestEntityTooLarge
        case .lengthRequired: return .lengthRequired
        }
    }
}
