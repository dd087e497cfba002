// The web page's requests as steps: each is answered from SWV1 requests to
// the core (the same pattern as XMLRPCDispatcher), so the HTTP worker only
// runs the steps and the rules stay pure and unit-tested. supervisord's URLs
// (supervisor/web.py at 4.3.0: StatusView, TailView, OKView, make_callback)
// keep their meaning; what the page adds is described in docs/web.md.

/// What to do next for a page request.
public enum WebStep {
    case done(HTTPResponse)
    /// Send this request on the session; its reply decides the next step.
    case control(ControlRequest, (ControlResponse) -> WebStep)
}

/// What the worker knows about the request beyond its bytes.
public struct WebContext: Sendable {
    /// Wall-clock seconds (messages, uptimes).
    public var now: Int64
    /// The session's token: the request's `swv_token` cookie when it has a
    /// well-formed one, else a fresh random one the answer sets.
    public var token: String
    /// Whether `token` is new (the answer then carries Set-Cookie).
    public var newToken: Bool
    /// supervisord's GET actions (`index.html?processname=x&action=stop`)
    /// are performed; off: refused with 403 (docs/web.md).
    public var legacyGetActions: Bool

    public init(now: Int64, token: String, newToken: Bool, legacyGetActions: Bool = true) {
        self.now = now; self.token = token; self.newToken = newToken; self.legacyGetActions = legacyGetActions
    }

    /// The cookie's name, and the shape of a token (32 lower-case hex digits).
    public static let cookieName = "swv_token"
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 32 && token.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

public enum WebDispatcher {
    /// supervisor_ui_handler.match plus swiftvisord's page files: the paths
    /// this dispatcher answers (GET and HEAD, POST for the two page names).
    public static func handles(_ request: HTTPRequest) -> Bool {
        let page = pageName(request.path)
        switch request.method {
        case "GET", "HEAD": return ["", "index.html", "tail.html", "ok.html", "state.json", "download", "swiftvisor.js", "swiftvisor.css"].contains(page)
        case "POST": return page == "" || page == "index.html"
        default: return false
        }
    }

    static func pageName(_ path: String) -> Substring {
        var p = Substring(path)
        if p.first == "/" { p = p.dropFirst() }
        return p
    }

    public static func dispatch(_ request: HTTPRequest, _ context: WebContext) -> WebStep {
        let query: Substring = request.target.lastIndex(of: "?").map { request.target[request.target.index(after: $0)...] } ?? ""
        let head = request.method == "HEAD"
        switch pageName(request.path) {
        case "ok.html":
            // web.py OKView: text/plain `OK`.
            return .done(.document(Array("OK".utf8), contentType: "text/plain", head: head))
        case "swiftvisor.js":
            return .done(.document(Array(WebAssets.script.utf8), contentType: "text/javascript;charset=utf-8", head: head,
                                   extra: [HTTPHeaderField("Cache-Control", "no-cache")]))
        case "swiftvisor.css":
            return .done(.document(Array(WebAssets.stylesheet.utf8), contentType: "text/css;charset=utf-8", head: head,
                                   extra: [HTTPHeaderField("Cache-Control", "no-cache")]))
        case "state.json":
            return snapshot { statuses, metrics in
                page(WebPage.stateJSON(statuses, metrics, now: context.now), contentType: "application/json", head: head, context)
            }
        case "download":
            let form = WebForm.fields(query: query, body: [])
            guard let name = form["processname"], !name.isEmpty else { return .done(.error(.notFound)) }
            return download(name: name, channel: form["channel"] == "stderr" ? .stderr : .stdout, head: head)
        case "tail.html":
            return tail(WebForm.fields(query: query, body: []), head: head, context)
        default:
            let form = WebForm.fields(query: query, body: request.method == "POST" ? request.body : [])
            guard let action = form["action"] else {
                return snapshot { statuses, metrics in
                    page(WebPage.status(statuses, metrics, message: form["message"], token: context.token, now: context.now),
                         contentType: "text/html;charset=utf-8", head: head, context)
                }
            }
            if request.method == "POST" {
                if let refusal = crossSiteRefusal(request, form: form) { return .done(refusal) }
            } else if !context.legacyGetActions {
                return .done(forbidden("GET actions are switched off on this server (legacy_get_actions=false): use the page's buttons."))
            }
            let namespec = form["processname"]
            return perform(action: action, namespec: namespec, context) { message in
                guard let message else { return .error(.internalServerError) }
                if form["ajax"] == "1" {
                    return .document(Array(message.utf8), contentType: "text/plain;charset=utf-8")
                }
                // supervisord answers 301 to SERVER_URL/?message=…, an
                // absolute URL built from Host that breaks behind a proxy on
                // a path prefix; a relative one works everywhere.
                let location = "./?message=" + WebForm.quote(message)
                return HTTPResponse(status: request.method == "POST" ? .seeOther : .movedPermanently, headers: [
                    HTTPHeaderField("Location", location), HTTPHeaderField("Content-Length", "0"),
                ], body: [])
            }
        }
    }

    // MARK: - Safety of the page's POSTs

    /// A POST action needs the session's token (from the form, matching the
    /// request's cookie) and must not come from another site: a cross-site
    /// form can neither read the token nor, with SameSite=Strict, send the
    /// cookie. Origin and Sec-Fetch-Site, when the browser sends them, are
    /// checked as well.
    static func crossSiteRefusal(_ request: HTTPRequest, form: [String: String]) -> HTTPResponse? {
        let cookie = WebForm.cookie(WebContext.cookieName, in: request.header("Cookie"))
        guard let cookie, WebContext.isWellFormed(cookie), form["token"] == cookie else {
            return forbidden("This action was refused: it did not carry this page's token (a form from another site, or an expired page). Reload the page and try again.")
        }
        if request.header("Sec-Fetch-Site") == "cross-site" {
            return forbidden("This action was refused: it came from another site.")
        }
        if let origin = request.header("Origin"), origin != "null", let host = request.header("Host") {
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            if originHost != host { return forbidden("This action was refused: it came from another site (\(origin)).") }
        }
        return nil
    }

    static func forbidden(_ text: String) -> HTTPResponse {
        let body = Array(("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Refused</title></head>"
            + "<body><h1>403 Forbidden</h1><p>\(WebForm.html(text))</p><p><a href=\"./\">Back to the page</a></p></body></html>\n").utf8)
        return HTTPResponse(status: .forbidden, headers: [
            HTTPHeaderField("Content-Type", "text/html;charset=utf-8"), HTTPHeaderField("Content-Length", String(body.count)),
        ], body: body)
    }

    // MARK: - Pages

    /// `status` then `metrics`: what the table shows.
    static func snapshot(_ render: @escaping ([ProcessSnapshot], MetricsSample?) -> HTTPResponse) -> WebStep {
        .control(.status(names: [])) { reply in
            guard case .ok(let items) = reply else { return .done(.error(.internalServerError)) }
            let statuses = items.compactMap { item -> ProcessSnapshot? in if case .process(let p) = item { return p } else { return nil } }
            return .control(.metrics) { reply in
                if case .ok(let items) = reply { return .done(render(statuses, MetricsSample(items: items))) }
                return .done(render(statuses, nil))
            }
        }
    }

    /// web.py's headers for its views: no caching anywhere.
    static func page(_ body: String, contentType: String, head: Bool, _ context: WebContext) -> HTTPResponse {
        var extra = [HTTPHeaderField("Pragma", "no-cache"), HTTPHeaderField("Cache-Control", "no-cache"),
                     HTTPHeaderField("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")]
        if context.newToken {
            extra.append(HTTPHeaderField("Set-Cookie", "\(WebContext.cookieName)=\(context.token); Path=/; HttpOnly; SameSite=Strict"))
        }
        return .document(Array(body.utf8), contentType: contentType, head: head, extra: extra)
    }

    /// TailView: the last `limit` (at least 1024) bytes of stdout.
    static func tail(_ form: [String: String], head: Bool, _ context: WebContext) -> WebStep {
        guard let name = form["processname"], !name.isEmpty else {
            return .done(page(WebPage.tail(name: nil, limit: 1024, text: "No process name found"), contentType: "text/html;charset=utf-8", head: head, context))
        }
        let raw = form["limit"] ?? "1024"
        let asked = raw.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && !raw.isEmpty ? (Int(raw) ?? Int.max) : 1024
        let limit = min(max(asked, 1024), 1 << 20)  // beyond supervisord: at most 1 MiB per page
        return .control(.readLog(name: name, channel: .stdout, offset: -limit, length: 0)) { reply in
            let text: String
            switch reply {
            case .ok(let items):
                var bytes: [UInt8] = []
                for case .log(let data) in items { bytes += data }
                text = String(decoding: bytes, as: UTF8.self)
            case .fault(let f) where f.code == .noFile:
                text = "No file for \(name)"
            case .fault(let f):
                text = "ERROR: unexpected rpc fault [\(f.code.rawValue)] \(f.message)"
            }
            return .done(page(WebPage.tail(name: name, limit: limit, text: text), contentType: "text/html;charset=utf-8", head: head, context))
        }
    }

    /// Most of a log one download holds (the worker keeps it in memory
    /// while it reads the file in `maxLogRead` pages).
    public static let maxDownload = 64 * 1024 * 1024

    /// The whole log file, read page by page from offset 0, as an attachment.
    static func download(name: String, channel: LogChannel, head: Bool) -> WebStep {
        func page(_ offset: Int, _ got: [UInt8]) -> WebStep {
            .control(.readLog(name: name, channel: channel, offset: offset, length: ControlProtocol.maxLogRead)) { reply in
                guard case .ok(let items) = reply else {
                    if case .fault(let f) = reply, f.code == .badName || f.code == .noFile { return .done(.error(.notFound)) }
                    return .done(.error(.internalServerError))
                }
                var all = got
                for case .log(let data) in items { all += data }
                let read = all.count - got.count
                if read == ControlProtocol.maxLogRead && all.count < maxDownload { return page(offset + read, all) }
                let file = WebForm.quote(name.replacingColon() + "-" + channel.rawValue + ".log", safe: "")
                return .done(.document(all, contentType: "text/plain;charset=utf-8", head: head,
                                       extra: [HTTPHeaderField("Content-Disposition", "attachment; filename=\"\(file)\"")]))
            }
        }
        return page(0, [])
    }

    // MARK: - Actions (web.py make_callback)

    static func perform(action: String, namespec: String?, _ context: WebContext, _ finish: @escaping (String?) -> HTTPResponse) -> WebStep {
        let at = WebForm.ctime(epochSeconds: context.now)
        switch action {
        case "refresh":
            return .done(finish("Page refreshed at \(at)"))
        case "stopall":
            return .control(.stop(names: ["all"])) { _ in .done(finish("All stopped at \(at)")) }
        case "restartall":
            return .control(.stop(names: ["all"])) { _ in
                .control(.start(names: ["all"], wait: true)) { _ in .done(finish("All restarted at \(at)")) }
            }
        case "start", "stop", "restart", "clearlog":
            break
        default:
            // make_callback raises ValueError: supervisord answers 500.
            return .done(finish(nil))
        }
        let ns = namespec ?? "None"
        let noSuch = "No such process named \(ns)"
        func outcome(_ reply: ControlResponse) -> (FaultCode, String)? {
            switch reply {
            case .fault(let f): return (f.code, f.message)
            case .ok(let items):
                for case .result(let r) in items where r.code != .success { return (r.code, r.description) }
                let any = items.contains { if case .result = $0 { return true } else { return false } }
                return any ? nil : (.badName, ns)
            }
        }
        func unexpected(_ f: (FaultCode, String)) -> String { "unexpected rpc fault [\(f.0.rawValue)] \(f.1)" }
        switch action {
        case "start":
            return .control(.start(names: [ns], wait: true)) { reply in
                guard let f = outcome(reply) else { return .done(finish("Process \(ns) started")) }
                let why: String
                switch f.0 {
                case .badName: return .done(finish(noSuch))
                case .noFile: why = "no such file"
                case .notExecutable: why = "file not executable"
                case .alreadyStarted: why = "already started"
                case .spawnError: why = "spawn error"
                case .abnormalTermination: why = "abnormal termination"
                default: why = unexpected(f)
                }
                return .done(finish("ERROR: Process \(ns): \(why)"))
            }
        case "stop":
            return .control(.stop(names: [ns])) { reply in
                guard let f = outcome(reply) else { return .done(finish("Process \(ns) stopped")) }
                return .done(finish(f.0 == .badName ? noSuch : unexpected(f)))
            }
        case "restart":
            // supervisord reports success whatever the start did.
            return .control(.stop(names: [ns])) { reply in
                if let f = outcome(reply), f.0 == .badName { return .done(finish(noSuch)) }
                return .control(.start(names: [ns], wait: true)) { _ in .done(finish("Process \(ns) restarted")) }
            }
        default:  // clearlog
            return .control(.clear(names: [ns])) { reply in
                guard let f = outcome(reply) else { return .done(finish("Log for \(ns) cleared")) }
                return .done(finish(f.0 == .badName ? noSuch : unexpected(f)))
            }
        }
    }
}

extension String {
    /// `g:p` → `g_p` (a file name without a colon).
    func replacingColon() -> String { String(map { $0 == ":" ? "_" : $0 }) }
}
