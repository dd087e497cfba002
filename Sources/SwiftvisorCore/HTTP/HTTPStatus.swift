// The HTTP status codes swiftvisord answers with, and their reason phrases.
// The phrases are medusa's (supervisor/medusa/http_server.py, http_request.responses
// at 4.3.0), not RFC 7231's: `302 Moved Temporarily`, `414 Request-URI Too Large`.

/// A response status: the code and medusa's reason phrase.
public struct HTTPStatus: Sendable, Hashable {
    public let code: Int
    public let reason: String

    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public static let ok = HTTPStatus(200, "OK")
    public static let movedPermanently = HTTPStatus(301, "Moved Permanently")
    /// After a POST action of the page: the browser GETs the page again.
    public static let seeOther = HTTPStatus(303, "See Other")
    public static let notModified = HTTPStatus(304, "Not Modified")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let forbidden = HTTPStatus(403, "Forbidden")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let lengthRequired = HTTPStatus(411, "Length Required")
    public static let requestEntityTooLarge = HTTPStatus(413, "Request Entity Too Large")
    public static let requestURITooLarge = HTTPStatus(414, "Request-URI Too Large")
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    /// The core's own answer while the HTTP worker is not running.
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    public static let versionNotSupported = HTTPStatus(505, "HTTP Version not supported")
}
