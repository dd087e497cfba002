// Which of supervisord's handlers answers a request, and with what
// (supervisor/http.py make_http_servers: the XML-RPC handler, logtail_handler,
// mainlogtail_handler, the web UI and the static default_handler, tried in
// that order, each matching on a prefix of the URI). Authentication comes
// before any of this: every handler is wrapped (medusa auth_handler), so a
// request without credentials gets 401 whatever its path or method.

/// What the worker does with an authenticated request.
public enum HTTPRoute: Sendable, Equatable {
    /// `POST /RPC2…` with a Content-Length: decode the body as XML-RPC.
    case xmlrpc
    /// `GET /logtail/NAME[/CHANNEL]` or `GET /mainlogtail`: a log stream.
    /// `logtail` adds `X-Accel-Buffering: no` (only logtail_handler sets it).
    case stream(FollowTarget, logtail: Bool)
    /// `GET /metrics` (`HEAD`: the same head, no body): Prometheus' text
    /// format from the core's `metrics` reply (docs/metrics.md).
    case metrics(head: Bool)
    /// The web page and its files (`WebDispatcher`, docs/web.md).
    case web
    /// Answered with this status and medusa's error page.
    case error(HTTPStatus)

    public static func resolve(_ request: HTTPRequest) -> HTTPRoute {
        let uri = request.uri
        if uri.hasPrefix("/RPC2") {
            // medusa/xmlrpc_handler.py handle_request: POST only (400), and
            // supervisor/xmlrpc.py's collector needs a Content-Length (411).
            guard request.method == "POST" else { return .error(.badRequest) }
            guard request.hasContentLength else { return .error(.lengthRequired) }
            return .xmlrpc
        }
        if uri.hasPrefix("/logtail") {
            guard request.method == "GET" else { return .error(.badRequest) }
            return logtail(path: request.path)
        }
        if uri.hasPrefix("/mainlogtail") {
            guard request.method == "GET" else { return .error(.badRequest) }
            return .stream(.mainLog, logtail: false)
        }
        // Not one of supervisord's URLs (its default handler finds no file
        // there), so no client of supervisord can be relying on its 404.
        if request.path == "/metrics" && (request.method == "GET" || request.method == "HEAD") {
            return .metrics(head: request.method == "HEAD")
        }
        // The web page: supervisord's pages and swiftvisord's own files.
        if WebDispatcher.handles(request) { return .web }
        // default_handler's answers: GET and HEAD find nothing (404), other
        // methods are refused (400). docs/protocol.md §9.9.
        guard request.method == "GET" || request.method == "HEAD" else { return .error(.badRequest) }
        return .error(.notFound)
    }

    /// logtail_handler.handle_request: leading slashes stripped, the first
    /// segment dropped (`/logtailXYZ/p` is `p`; none at all raises: 500), the
    /// rest split at the first `/` into name and channel (default stdout).
    /// A channel other than stdout and stderr has no `<channel>_logfile`: 404.
    static func logtail(path: String) -> HTTPRoute {
        var rest = Substring(path)
        while rest.first == "/" { rest = rest.dropFirst() }
        guard let slash = rest.firstIndex(of: "/") else { return .error(.internalServerError) }
        let nameAndChannel = rest[rest.index(after: slash)...]
        let name: Substring
        let channelText: Substring
        if let second = nameAndChannel.firstIndex(of: "/") {
            name = nameAndChannel[..<second]
            channelText = nameAndChannel[nameAndChannel.index(after: second)...]
        } else {
            name = nameAndChannel
            channelText = "stdout"
        }
        guard let channel = LogChannel(rawValue: String(channelText)), !name.isEmpty else { return .error(.notFound) }
        return .stream(.process(name: String(name), channel: channel), logtail: true)
    }
}
