/// One listener process's side of the event listener protocol
/// (dispatchers.py `PEventListenerDispatcher.handle_listener_state_change`
/// at 4.3.0), as a pure machine: the bytes the listener writes on its stdout
/// go in, the state and what the pool must do come out.
///
/// - ACKNOWLEDGED (after each spawn): waits for 6 bytes; exactly `READY\n`
///   makes it READY, anything else (`READY\r\n`, `ready\n`, a log line) UNKNOWN.
/// - READY: any byte at all is a violation: UNKNOWN.
/// - BUSY (an event was sent): a result line `RESULT N\n`, then N bytes of
///   body, judged by the pool's `ResultHandler`; then ACKNOWLEDGED again.
///   Like supervisord, the first 7 bytes of the line are not checked and the
///   rest is read as Python's `int()` reads it (spaces around, `+`, `_`).
/// - UNKNOWN: everything is ignored until the process is spawned again.
///
/// Differences from supervisord, for bounded memory: a result line longer
/// than `maxResultLine` without a newline is a bad result line, a negative
/// length is a bad result line (supervisord then slices nonsense), and only
/// `ResultHandler.keptBodyBytes` of a body are kept (the rest is read and dropped).
public struct ListenerProtocol: Sendable {
    public enum State: String, Sendable, Equatable {
        case acknowledged = "ACKNOWLEDGED"
        case ready = "READY"
        case busy = "BUSY"
        case unknown = "UNKNOWN"
    }

    /// What the pool must do, in order.
    public enum Action: Sendable, Equatable {
        case log(LogLevel, String)
        /// The event held by this listener was handled: forget it.
        case eventDone
        /// The event held by this listener goes back to the head of the queue.
        case requeueEvent
        /// Output of the result handler, for the daemon to write.
        case output(ResultHandler.Output)
    }

    public static let readyToken: [UInt8] = Array("READY\n".utf8)
    public static let maxResultLine = 4096

    /// The process name, for the log lines.
    public let name: String
    public let handler: ResultHandler
    /// Whether DEBG lines are wanted: false when the daemon's loglevel is
    /// above debug, so that each event does not build lines nobody writes.
    public var debugLines = true
    public private(set) var state: State = .acknowledged
    private var buffer: [UInt8] = []
    /// Set once the result line is read: the body's announced length.
    private var resultLength: Int?
    private var bodyRead = 0
    private var body: [UInt8] = []

    public init(name: String, handler: ResultHandler = .standard) {
        self.name = name
        self.handler = handler
    }

    /// Bytes held between reads (bounded by `maxResultLine` + one read).
    public var bufferedCount: Int { buffer.count + body.count }

    /// A new child of this listener: a fresh dispatcher, ACKNOWLEDGED, no log line.
    public mutating func spawned() {
        state = .acknowledged
        buffer = []
        resetResult()
    }

    /// The pool wrote an event to the listener (supervisord sets BUSY without a log line).
    public mutating func sent() {
        state = .busy
        resetResult()
    }

    /// Bytes read from the listener's stdout.
    public mutating func received(_ bytes: some Collection<UInt8>) -> [Action] {
        var out: [Action] = []
        guard state != .unknown else { return out }
        buffer.append(contentsOf: bytes)
        var cursor = 0
        defer { buffer.removeFirst(min(cursor, buffer.count)) }
        // supervisord recurses while bytes remain; each pass consumes some.
        while cursor < buffer.count {
            switch state {
            case .unknown:
                cursor = buffer.count
            case .acknowledged:
                guard buffer.count - cursor >= Self.readyToken.count else { return out }
                if buffer[cursor..<(cursor + Self.readyToken.count)].elementsEqual(Self.readyToken) {
                    cursor += Self.readyToken.count
                    change(to: .ready, &out)
                } else {
                    cursor = buffer.count
                    change(to: .unknown, &out)
                }
            case .ready:
                // "the process sent some spurious data, be strict about it"
                cursor = buffer.count
                change(to: .unknown, &out)
            case .busy:
                if let length = resultLength {
                    let want = length - bodyRead
                    let take = min(want, buffer.count - cursor)
                    let keep = max(0, min(take, handler.keptBodyBytes - body.count))
                    body.append(contentsOf: buffer[cursor..<(cursor + keep)])
                    bodyRead += take
                    cursor += take
                    if bodyRead == length { finishResult(&out) }
                } else {
                    guard let nl = buffer[cursor...].firstIndex(of: UInt8(ascii: "\n")) else {
                        if buffer.count - cursor > Self.maxResultLine {
                            badResultLine(Array(buffer[cursor...]), &out)
                            cursor = buffer.count
                        }
                        return out
                    }
                    let line = Array(buffer[cursor..<nl])
                    cursor = nl + 1
                    guard line.count <= Self.maxResultLine, let n = Self.pythonInt(line.dropFirst(7)), n >= 0 else {
                        badResultLine(line, &out)
                        cursor = buffer.count
                        break
                    }
                    resultLength = n
                    // supervisord goes on only while bytes remain: `RESULT 0\n`
                    // is judged when the next byte arrives.
                }
            }
        }
        return out
    }

    private mutating func finishResult(_ out: inout [Action]) {
        let verdict = handler.judge(body, length: resultLength ?? 0)
        resetResult()
        switch verdict {
        case .processed(let output):
            if let output { out.append(.output(output)) }
            if debugLines { out.append(.log(.debug, "\(name): event was processed")) }
            change(to: .acknowledged, &out)
            out.append(.eventDone)
        case .rejected:
            out.append(.log(.warn, "\(name): event was rejected"))
            change(to: .acknowledged, &out)
            out.append(.requeueEvent)
        case .error:
            out.append(.log(.warn, "\(name): event caused an error"))
            change(to: .unknown, &out)
            out.append(.requeueEvent)
        }
    }

    private mutating func badResultLine(_ line: [UInt8], _ out: inout [Action]) {
        out.append(.log(.warn, "\(name): bad result line: '\(SupervisorEvent.text(of: line))'"))
        change(to: .unknown, &out)
        resetResult()
        out.append(.requeueEvent)
    }

    private mutating func resetResult() {
        resultLength = nil
        bodyRead = 0
        body = []
    }

    /// `_change_listener_state`: the DEBG line, and supervisord's WARN on UNKNOWN.
    private mutating func change(to new: State, _ out: inout [Action]) {
        if debugLines { out.append(.log(.debug, "\(name): \(state.rawValue) -> \(new.rawValue)")) }
        state = new
        if new == .unknown {
            out.append(.log(.warn, "\(name): has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol"))
        }
    }

    /// Python's `int(bytes)` in base 10: ASCII whitespace around, an optional
    /// sign, digits with single underscores between them. Saturates instead
    /// of growing without bound (a length nobody can send is still waited for).
    static func pythonInt(_ raw: some Collection<UInt8>) -> Int? {
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]
        var s = ArraySlice(raw)
        while let f = s.first, space.contains(f) { s = s.dropFirst() }
        while let l = s.last, space.contains(l) { s = s.dropLast() }
        var negative = false
        if let f = s.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            negative = f == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        guard let first = s.first, let last = s.last,
              (0x30...0x39).contains(first), (0x30...0x39).contains(last) else { return nil }
        var value = 0
        var previousUnderscore = false
        for c in s {
            if c == UInt8(ascii: "_") {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            guard (0x30...0x39).contains(c) else { return nil }
            previousUnderscore = false
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - 0x30))
            value = (o1 || o2) ? Int.max : a
        }
        return negative ? -value : value
    }
}
