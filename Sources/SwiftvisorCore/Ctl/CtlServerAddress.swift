// Where a server URL points: supervisorctl accepts `unix:///path` and
// `http://host[:port][/...]`. swiftvisord serves its line protocol on both
// (the Unix socket of [unix_http_server], the TCP port of [inet_http_server]).

public enum CtlServerAddress: Sendable, Equatable {
    case unix(path: String)
    /// `host` as written (`localhost`, `127.0.0.1`); port 80 when not given,
    /// as urllib reads `http://host`.
    case tcp(host: String, port: Int)
    /// Anything else (`https://`, a bad port): swiftvisorctl cannot connect.
    case unsupported

    public init(url: String) {
        if url.hasPrefix("unix://") {
            self = .unix(path: String(url.dropFirst("unix://".count)))
            return
        }
        guard url.hasPrefix("http://") else { self = .unsupported; return }
        var rest = Substring(url.dropFirst("http://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }  // user:pass@ is not ours to use
        guard let colon = rest.lastIndex(of: ":") else {
            self = rest.isEmpty ? .unsupported : .tcp(host: String(rest), port: 80)
            return
        }
        let host = rest[..<colon], portText = rest[rest.index(after: colon)...]
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { self = .unsupported; return }
        self = .tcp(host: String(host), port: port)
    }
}
