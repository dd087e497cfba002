// HTTP basic authentication as supervisord checks it: medusa/auth_handler.py
// auth_handler.handle_request and supervisor/http.py
// encrypted_dictionary_authorizer at 4.3.0. It guards every path (XML-RPC,
// log streams, the web page, static files) of a server section that sets
// `username=`.

/// The outcome of checking one request's `Authorization` header.
public enum HTTPAuthOutcome: Sendable, Equatable {
    /// Credentials accepted: serve the request.
    case authorized(user: String)
    /// Missing header, another scheme, or wrong credentials: answer
    /// `HTTPResponse.unauthorized()` and close.
    case unauthorized
    /// The credentials are not base64 (medusa answers 400).
    case malformed
    /// The credentials decode to text without a `:` (medusa fails unpacking
    /// them and answers 500; swiftvisord answers the same status).
    case noSeparator
}

/// What a request's `Authorization` header offers.
public enum HTTPAuthOffer: Sendable, Equatable {
    case credentials(user: String, password: String)
    /// No usable credentials: `.unauthorized`, `.malformed` or `.noSeparator`.
    case refused(HTTPAuthOutcome)
}

/// Basic auth against one `[unix_http_server]`/`[inet_http_server]` section's
/// `username=` and `password=`.
public enum HTTPBasicAuth {
    /// Check `request` against the configured credentials.
    /// - The header name and the scheme are matched case-insensitively.
    /// - The credentials split at the first `:`.
    /// - A stored `{SHA}<hex>` password is compared with the lower-case hex
    ///   SHA-1 of the given password, exactly: an upper-case digest in the
    ///   config never matches, as in supervisord. Anything else is plaintext.
    public static func check(_ request: HTTPRequest, credentials: ControlCredentials) -> HTTPAuthOutcome {
        switch offered(in: request) {
        case .refused(let outcome): return outcome
        case .credentials(let user, let password):
            return accepts(user: user, password: password, credentials: credentials) ? .authorized(user: user) : .unauthorized
        }
    }

    /// The user and password a request offers, before any comparison (the
    /// HTTP worker holds no secrets: it passes them to the core with
    /// `auth --http`), or the refusal when the header cannot be read.
    public static func offered(in request: HTTPRequest) -> HTTPAuthOffer {
        guard let header = request.header("Authorization"),
              let space = header.firstIndex(of: " ") else { return .refused(.unauthorized) }
        let scheme = HTTPRequest.asciiLowercased(String(header[..<space]))
        guard scheme == "basic" else { return .refused(.unauthorized) }
        let cookie = header[header.index(after: space)...]
        guard let decoded = Base64.decode(Array(cookie.utf8)),
              let text = String(validating: decoded, as: UTF8.self) else { return .refused(.malformed) }
        guard let colon = text.firstIndex(of: ":") else { return .refused(.noSeparator) }
        return .credentials(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// supervisord's `encrypted_dictionary_authorizer.authorize`.
    public static func accepts(user: String, password: String, credentials: ControlCredentials) -> Bool {
        guard constantTimeEqual(user, credentials.username) else { return false }
        if credentials.password.hasPrefix("{SHA}") {
            return constantTimeEqual(SHA1.hexDigest(password), String(credentials.password.dropFirst(5)))
        }
        return constantTimeEqual(password, credentials.password)
    }

    /// Equality whose time does not depend on where the strings differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }

    /// The status for the outcomes that are refusals.
    public static func response(for outcome: HTTPAuthOutcome) -> HTTPResponse? {
        switch outcome {
        case .authorized: return nil
        case .unauthorized: return .unauthorized()
        case .malformed: return .error(.badRequest)
        case .noSeparator: return .error(.internalServerError)
        }
    }
}
