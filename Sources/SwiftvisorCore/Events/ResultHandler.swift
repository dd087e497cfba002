/// What a listener's `RESULT` body means (the pool's `result_handler`).
/// supervisord imports a Python callable; swiftvisord knows two by name and
/// treats any other as the default (the config reader warns).
public enum ResultHandler: Sendable, Equatable {
    /// `supervisor.dispatchers:default_handler`: only the exact body `OK` is
    /// success; anything else (`FAIL`, `ok`, `OK\n`) rejects the event.
    case standard
    /// `supervisor_stdout:event_handler` (PyPI supervisor-stdout), done here:
    /// the listener echoes the event's payload as its result, and each line
    /// of the data is printed on the daemon's stdout as `NAME CHANNEL | line`.
    case supervisorStdout

    public static let defaultSpec = "supervisor.dispatchers:default_handler"
    public static let supervisorStdoutSpec = "supervisor_stdout:event_handler"

    /// The handler a `result_handler=` value names; nil for one swiftvisord
    /// cannot run (a Python import spec).
    public init?(spec: String) {
        switch spec {
        case Self.defaultSpec: self = .standard
        case Self.supervisorStdoutSpec: self = .supervisorStdout
        default: return nil
        }
    }

    public enum Verdict: Sendable, Equatable {
        /// Processed; `output` goes to the daemon's stdout (may be empty).
        case processed(output: [UInt8])
        /// `RejectEvent`: the event goes back to the head of the pool's queue.
        case rejected
        /// Any other exception: the listener goes UNKNOWN, the event back to the queue.
        case error
    }

    /// How many bytes of a body the handler needs to judge it; the rest of a
    /// longer body is read and dropped, so a listener cannot make the daemon hold it.
    public var keptBodyBytes: Int {
        switch self {
        case .standard: return 3
        case .supervisorStdout: return 4 << 20
        }
    }

    public func judge(_ body: [UInt8], length: Int) -> Verdict {
        switch self {
        case .standard:
            return length == 2 && body == Array("OK".utf8) ? .processed(output: []) : .rejected
        case .supervisorStdout:
            return Self.stdoutLines(body, complete: length == body.count)
        }
    }

    /// supervisor_stdout's handler: `line, data = response.split('\n', 1)`,
    /// the headers `dict(x.split(':') for x in line.split())`, then every
    /// line of `data` printed behind `processname channel | `. A body that
    /// does not parse raises in Python: `.error`.
    static func stdoutLines(_ body: [UInt8], complete: Bool) -> Verdict {
        guard complete, let text = String(validating: body, as: UTF8.self),
              let newline = text.firstIndex(of: "\n") else { return .error }
        var headers: [Substring: Substring] = [:]
        for token in text[..<newline].split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let parts = token.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return .error }
            headers[parts[0]] = parts[1]
        }
        guard let name = headers["processname"], let channel = headers["channel"] else { return .error }
        let prefix = "\(name) \(channel) | "
        let data = text[text.index(after: newline)...]
        // Python's print adds one newline after the joined lines.
        let lines = data.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }
        return .processed(output: Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}
