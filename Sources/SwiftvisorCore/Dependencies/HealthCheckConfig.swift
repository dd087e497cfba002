// `readiness=` and `liveness=` (swiftvisor only; docs/dependencies.md): how
// the daemon learns that a process is ready (STARTING → RUNNING) and that it
// is still alive. Values are checked where they are read (ConfigReader's
// readHealthChecks); nothing here trusts a number it did not range-check.

/// How readiness is decided. `none` keeps supervisord's `startsecs`.
public enum ReadinessKind: String, Sendable, Equatable, CaseIterable {
    case none, exec, tcp, http, notify, fd, log
}

/// How liveness is checked once RUNNING.
public enum LivenessKind: String, Sendable, Equatable, CaseIterable {
    case exec, tcp, http
}

/// `HOST:PORT` of a tcp check.
public struct TCPEndpoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) { self.host = host; self.port = port }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `127.0.0.1:5432`, `localhost:80`, `[::1]:8080`.
    public static func parse(_ v: String, option: String) throws(ValueError) -> TCPEndpoint {
        let bad = ValueError("\(ValueTypes.quoted(v)) is not HOST:PORT", hint: "write e.g. \(option)=127.0.0.1:5432")
        var host: Substring
        var portText: Substring
        if v.hasPrefix("[") {
            guard let close = v.firstIndex(of: "]"), v[v.index(after: close)...].hasPrefix(":") else { throw bad }
            host = v[v.index(after: v.startIndex)..<close]
            portText = v[v.index(close, offsetBy: 2)...]
        } else {
            guard let colon = v.lastIndex(of: ":"), !v[..<colon].contains(":") else { throw bad }
            host = v[..<colon]
            portText = v[v.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
              !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw bad }
        guard portText.count <= 5, let port = Int(portText), (1...65535).contains(port) else {
            throw ValueError("port \(portText) in \(ValueTypes.quoted(v)) is out of range", hint: "use a port from 1 to 65535")
        }
        return TCPEndpoint(host: String(host), port: port)
    }
}

/// `http://HOST[:PORT]/PATH` of an http check (plain HTTP only: a check
/// talks to the program on this host, where TLS buys nothing).
public struct HTTPCheckURL: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var endpoint: TCPEndpoint
    /// The request target, starting with `/`.
    public var path: String
    public init(endpoint: TCPEndpoint, path: String) { self.endpoint = endpoint; self.path = path }
    public var description: String { "http://\(endpoint)\(path)" }

    public static func parse(_ v: String, option: String) throws(ValueError) -> HTTPCheckURL {
        let hint = "write e.g. \(option)=http://127.0.0.1:8080/healthz"
        guard v.lowercased().hasPrefix("http://") else {
            throw ValueError("\(ValueTypes.quoted(v)) is not an http:// URL", hint: hint)
        }
        let rest = v.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        guard !authority.isEmpty, !authority.contains("@"),
              path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw ValueError("\(ValueTypes.quoted(v)) is not an http:// URL", hint: hint)
        }
        let endpoint: TCPEndpoint
        if authority.hasSuffix("]") || !authority.contains(":") {
            endpoint = try TCPEndpoint.parse(authority + ":80", option: option)
        } else {
            endpoint = try TCPEndpoint.parse(authority, option: option)
        }
        return HTTPCheckURL(endpoint: endpoint, path: path)
    }
}

/// One check as configured: what to run or where to connect.
public enum HealthProbe: Sendable, Equatable {
    /// `*_command=`, split like `command=`: exit 0 passes.
    case exec(command: String)
    /// A connection to the endpoint succeeds.
    case tcp(TCPEndpoint)
    /// A GET answers 2xx.
    case http(HTTPCheckURL)
}

/// `readiness*=`: the STARTING → RUNNING edge.
public struct ReadinessConfig: Sendable, Equatable {
    public var kind: ReadinessKind = .none
    /// For exec, tcp and http.
    public var probe: HealthProbe? = nil
    /// `readiness_fd=N`: the child writes a line on descriptor N.
    public var fd: Int? = nil
    /// `readiness_log=REGEX`, matched on each line of stdout or stderr.
    public var logPattern: String? = nil
    /// Seconds between two checks (exec, tcp, http).
    public var interval: Int = 1
    /// Seconds one check may take.
    public var timeout: Int = 1
    /// Seconds from the spawn within which the process must become ready,
    /// else the start failed (BACKOFF, counted against startretries).
    public var startPeriod: Int = 60
    public init() {}

    /// The check as named in descriptions: `notify`, `tcp 127.0.0.1:5432`.
    public var label: String {
        switch kind {
        case .fd: return "fd \(fd ?? 0)"
        case .log: return "log /\(logPattern ?? "")/"
        case .none, .notify: return kind.rawValue
        case .exec, .tcp, .http: return probe?.label ?? kind.rawValue
        }
    }
}

/// `liveness*=`: checks once RUNNING; `failures` consecutive failures restart the process.
public struct LivenessConfig: Sendable, Equatable {
    public var kind: LivenessKind
    public var probe: HealthProbe
    public var interval: Int = 10
    public var timeout: Int = 1
    public var failures: Int = 3
    public init(kind: LivenessKind, probe: HealthProbe) { self.kind = kind; self.probe = probe }
}

extension HealthProbe {
    /// `tcp 127.0.0.1:5432`, `http http://…`, `exec pg_isready`.
    public var label: String {
        switch self {
        case .exec(let command): return "exec \(command)"
        case .tcp(let e): return "tcp \(e)"
        case .http(let u): return "http \(u)"
        }
    }
}

extension LivenessConfig {
    public var label: String { probe.label }
}

/// The bounds of the health options: a check never runs more than once a
/// second per process, and no wait outlives a year (docs/configuration.md).
public enum HealthLimits {
    public static let interval = 1...86_400
    public static let timeout = 1...3_600
    public static let startPeriod = 1...86_400
    public static let failures = 1...1_000
    public static let watchdog = 0...86_400
    public static let dependsOnTimeout = 0...31_536_000
    /// Descriptor 0-2 are stdio; the spawner keeps the fd below this.
    public static let readinessFD = 3...1_023
}
