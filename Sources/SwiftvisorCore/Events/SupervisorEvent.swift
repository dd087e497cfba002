/// One event as supervisord builds it: its type and its payload text
/// (events.py, the `payload()` of each class). Values that change later (a
/// pid, the backoff counter) are taken when the event happens, as
/// `ProcessStateEvent` renders `extra_values` eagerly.
public struct SupervisorEvent: Sendable, Equatable {
    public let type: EventType
    /// The payload's text, or for child output (PROCESS_LOG,
    /// PROCESS_COMMUNICATION) the header line before the child's bytes.
    private let text: String
    /// Child output as read, turned into text (`text(of:)`) only when an
    /// envelope is made: a flooding child's events mostly leave a full
    /// buffer unsent (docs/events.md), and those are never copied or decoded.
    private let raw: [UInt8]?

    public init(type: EventType, payload: String) {
        self.type = type
        self.text = payload
        self.raw = nil
    }

    private init(type: EventType, head: String, raw: [UInt8]) {
        self.type = type
        self.text = head
        self.raw = raw
    }

    /// The payload after the header line. `len:` counts its Unicode scalars.
    public var payload: String {
        guard let raw else { return text }
        return text + Self.text(of: raw)
    }

    /// The payload's Unicode scalars (the envelope's `len`), counted when
    /// an envelope is made: events dropped from a full buffer are never
    /// counted.
    public var length: Int { lengthAndText().length }

    /// The envelope's `len`, and the child's bytes as text when they are not
    /// ASCII (nil: they go out as they are, one scalar per byte, found
    /// without decoding them).
    func lengthAndText() -> (length: Int, decoded: String?) {
        guard let raw else { return (Self.scalarCount(text), nil) }
        if Self.isASCII(raw) { return (Self.scalarCount(text) &+ raw.count, nil) }
        let decoded = Self.text(of: raw)
        return (Self.scalarCount(text) &+ Self.scalarCount(decoded), decoded)
    }

    /// Appends the payload's UTF-8, given what `lengthAndText` returned.
    func appendPayload(to out: inout [UInt8], decoded: String?) {
        out.append(contentsOf: text.utf8)
        if let decoded { out.append(contentsOf: decoded.utf8) } else if let raw { out.append(contentsOf: raw) }
    }

    /// The payload's size in bytes, about: what an envelope reserves.
    var byteCountHint: Int { text.utf8.count &+ (raw?.count ?? 0) }

    public static func == (a: SupervisorEvent, b: SupervisorEvent) -> Bool {
        a.type == b.type && a.payload == b.payload
    }

    /// Whether every byte is below 0x80 (so the bytes are UTF-8 and count one
    /// scalar each), eight bytes at a time.
    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var i = 0, seen: UInt64 = 0
            while i &+ 8 <= raw.count {
                seen |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i &+= 8
            }
            while i < raw.count { seen |= UInt64(raw[i]); i &+= 1 }
            return seen & 0x8080_8080_8080_8080 == 0
        }
    }

    /// A String's UTF-8 is valid, so its scalars are its bytes that do not
    /// continue a sequence (not 0b10xxxxxx), counted eight bytes at a time
    /// instead of decoding every scalar (`unicodeScalars.count` was a third
    /// of the daemon's time with 64 KiB PROCESS_LOG payloads, docs/benchmarks.md).
    static func scalarCount(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var continuations = 0, i = 0
            while i &+ 8 <= raw.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // Bit 7 set and bit 6 clear, per byte.
                continuations &+= (w & ~(w << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
                i &+= 8
            }
            while i < raw.count {
                if raw[i] & 0xC0 == 0x80 { continuations &+= 1 }
                i &+= 1
            }
            return raw.count &- continuations
        }
    }

    // MARK: - PROCESS_STATE_*

    /// `processname:P groupname:G from_state:S` and the extra keys of the
    /// target state: `tries` (STARTING, BACKOFF), `expected` then `pid`
    /// (EXITED), `pid` (RUNNING, STOPPING, STOPPED), none (FATAL, UNKNOWN).
    public static func processState(_ t: StateTransition, processName: String, groupName: String) -> SupervisorEvent {
        var s = "processname:\(processName) groupname:\(groupName) from_state:\(t.from.name)"
        switch t.to {
        case .starting, .backoff: s += " tries:\(t.tries)"
        case .exited: s += " expected:\(t.expected ? 1 : 0) pid:\(t.pid)"
        case .running, .stopping, .stopped: s += " pid:\(t.pid)"
        case .fatal, .unknown: break
        }
        return SupervisorEvent(type: .processState(t.to), payload: s)
    }

    // MARK: - Output

    /// PROCESS_LOG_STDOUT/STDERR: one chunk read from the child, as read.
    public static func processLog(channel: String, processName: String, groupName: String, pid: Int32, data: [UInt8]) -> SupervisorEvent {
        SupervisorEvent(type: channel == "stderr" ? .processLogStderr : .processLogStdout,
                        head: "processname:\(processName) groupname:\(groupName) pid:\(pid) channel:\(channel)\n", raw: data)
    }

    /// PROCESS_COMMUNICATION_STDOUT/STDERR: what a child wrote between the
    /// capture tokens.
    public static func processCommunication(channel: String, processName: String, groupName: String, pid: Int32, data: [UInt8]) -> SupervisorEvent {
        SupervisorEvent(type: channel == "stderr" ? .processCommunicationStderr : .processCommunicationStdout,
                        head: "processname:\(processName) groupname:\(groupName) pid:\(pid)\n", raw: data)
    }

    /// Child bytes as supervisord puts them in a payload: strict UTF-8, or
    /// Python's repr of the bytes after `Undecodable: ` (events.py `ProcessLogEvent.payload`).
    public static func text(of data: [UInt8]) -> String {
        if let s = String(validating: data, as: UTF8.self) { return s }
        return "Undecodable: " + ChildOutputText.bytesRepr(data)
    }

    // MARK: - The others

    /// REMOTE_COMMUNICATION (`sendRemoteCommEvent`): `type:T\nDATA`.
    public static func remoteCommunication(type: String, data: String) -> SupervisorEvent {
        SupervisorEvent(type: .remoteCommunication, payload: "type:\(type)\n\(data)")
    }

    /// SUPERVISOR_STATE_CHANGE_RUNNING / _STOPPING: an empty payload.
    public static func supervisorState(running: Bool) -> SupervisorEvent {
        SupervisorEvent(type: running ? .supervisorStateChangeRunning : .supervisorStateChangeStopping, payload: "")
    }

    /// PROCESS_GROUP_ADDED / _REMOVED: `groupname:G\n`, the newline included
    /// (and counted in `len`) as supervisord sends it.
    public static func processGroup(_ name: String, added: Bool) -> SupervisorEvent {
        SupervisorEvent(type: added ? .processGroupAdded : .processGroupRemoved, payload: "groupname:\(name)\n")
    }

    /// TICK_5/60/3600: `when:` the aligned start of the period just entered.
    public static func tick(_ type: EventType, when: Int) -> SupervisorEvent {
        SupervisorEvent(type: type, payload: "when:\(when)")
    }
}
