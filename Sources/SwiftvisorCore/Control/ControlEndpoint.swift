// Where the daemon serves its control protocol: the socket file of each
// `[unix_http_server]` section and the TCP port of each `[inet_http_server]`
// section: the line protocol, and HTTP/XML-RPC through the HTTP worker.

public struct ControlEndpoint: Sendable, Equatable {
    public enum Address: Sendable, Equatable {
        case unix(path: String)
        /// `host` as configured: empty or `*` for every interface.
        case tcp(host: String, port: Int)
    }

    /// The config section (`unix_http_server`, `inet_http_server:admin`).
    public var section: String
    public var address: Address
    /// nil: no authentication (supervisord logs a CRIT line for that).
    public var credentials: ControlCredentials?
    /// The web page performs supervisord's GET action URLs (`legacy_get_actions`).
    public var legacyGetActions: Bool

    public init(section: String, address: Address, credentials: ControlCredentials?, legacyGetActions: Bool = true) {
        self.section = section; self.address = address; self.credentials = credentials; self.legacyGetActions = legacyGetActions
    }

    public init(_ server: UnixHTTPServerConfig) {
        self.init(section: server.section, address: .unix(path: server.file),
                  credentials: Self.credentials(server.username, server.password), legacyGetActions: server.legacyGetActions)
    }

    public init(_ server: InetHTTPServerConfig) {
        self.init(section: server.section, address: .tcp(host: server.host, port: server.port),
                  credentials: Self.credentials(server.username, server.password), legacyGetActions: server.legacyGetActions)
    }

    /// Every endpoint of a configuration, Unix sockets first.
    public static func all(in config: Configuration) -> [ControlEndpoint] {
        config.unixHTTPServers.map(ControlEndpoint.init) + config.inetHTTPServers.map(ControlEndpoint.init)
    }

    private static func credentials(_ username: String?, _ password: String?) -> ControlCredentials? {
        guard let username, let password else { return nil }
        return ControlCredentials(username: username, password: password)
    }

    /// `127.0.0.1:9001`, `*:9001`, or the socket path, for messages.
    public var displayName: String {
        switch address {
        case .unix(let path): return path
        case .tcp(let host, let port): return "\(host.isEmpty ? "*" : host):\(port)"
        }
    }
}
