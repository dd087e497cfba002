/// What a listener's `RESULT` body means (the pool's `result_handler`).
/// supervisord imports a Python callable; swiftvisord knows two by name and
/// treats any other as the default (the config reader warns).
public enum ResultHandler: Sendable, Equatable {
    /// `supervisor.dispatchers:default_handler`: only the exact body `OK` is
    /// success; anything else (`FAIL`, `ok`, `OK\n`) rejects the event.
    case standard
    /// `supervisor_stdout:event_handler` (PyPI supervisor-stdout 0.1.1), done
    /// here: the listener echoes the event's payload as its result, and the
    /// handler's Python 2 `print '%s %s | %s' % (name, channel, data),` puts
    /// `NAME CHANNEL | ` before each chunk of data (not each line) on the
    /// daemon's stdout; `python2Print` adds print's soft space.
    case supervisorStdout
    /// `supervisor_stdlog:log_handler` (PyPI supervisor-stdlog 0.7.9), done
    /// here: its listener echoes the payload too, and each line of the data
    /// goes to the daemon's stdout (or stderr, for the stderr channel) in
    /// colour behind the padded process name (`StdlogFormatter`).
    case supervisorStdlog

    public static let defaultSpec = "supervisor.dispatchers:default_handler"
    public static let supervisorStdoutSpec = "supervisor_stdout:event_handler"
    public static let supervisorStdlogSpec = "supervisor_stdlog:log_handler"

    /// The handler a `result_handler=` value names; nil for one swiftvisord
    /// cannot run (a Python import spec).
    public init?(spec: String) {
        switch spec {
        case Self.defaultSpec: self = .standard
        case Self.supervisorStdoutSpec: self = .supervisorStdout
        case Self.supervisorStdlogSpec: self = .supervisorStdlog
        default: return nil
        }
    }

    /// What a handler that prints leaves for the daemon to write.
    public enum Output: Sendable, Equatable {
        /// supervisor_stdout: one Python 2 `print item,` on the daemon's
        /// stdout (`python2Print` adds the soft space).
        case print([UInt8])
        /// supervisor_stdlog: the result body, formatted by the daemon's one
        /// `StdlogFormatter` (the handler module's globals are shared by
        /// every pool in supervisord).
        case stdlog([UInt8])
    }

    public enum Verdict: Sendable, Equatable {
        /// Processed; `output`, if any, is for the daemon to write.
        case processed(output: Output?)
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
        case .supervisorStdout, .supervisorStdlog: return 4 << 20
        }
    }

    public func judge(_ body: [UInt8], length: Int) -> Verdict {
        switch self {
        case .standard:
            return length == 2 && body == Array("OK".utf8) ? .processed(output: nil) : .rejected
        case .supervisorStdout:
            return Self.stdoutLines(body, complete: length == body.count)
        case .supervisorStdlog:
            // The handler catches every exception itself (and prints a
            // traceback): the event is always processed.
            return .processed(output: length == body.count ? .stdlog(body) : nil)
        }
    }

    /// supervisor_stdout's handler: `line, data = response.split('\n', 1)`,
    /// the headers `dict(x.split(':') for x in line.split())`, then
    /// `processname channel | data` printed with a trailing comma: no newline
    /// added, the chunk's own lines unprefixed. A body that does not parse
    /// raises in Python: `.error`.
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
        return .processed(output: .print(Array("\(name) \(channel) | ".utf8) + body[(body.firstIndex(of: 0x0A) ?? body.endIndex)...].dropFirst()))
    }

    /// Python 2's `print item,` on a file (ceval.c PRINT_ITEM): a space
    /// first if the file's soft space is set, then the item; the soft space
    /// is then set unless the item ends in whitespace other than a space
    /// (a chunk ending in a newline). Any other write to the file clears it
    /// (fileobject.c `file_write`), which the caller does when the main log
    /// is echoed on the same stdout.
    public static func python2Print(_ item: [UInt8], softspace: inout Bool) -> [UInt8] {
        let out = softspace ? [0x20] + item : item
        let last = item.last ?? 0x20
        softspace = !(last == 0x09 || last == 0x0A || last == 0x0B || last == 0x0C || last == 0x0D)
        return out
    }
}
