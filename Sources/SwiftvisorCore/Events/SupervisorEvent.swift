/// One event as supervisord builds it: its type and its payload text
/// (events.py, the `payload()` of each class). Values that change later (a
/// pid, the backoff counter) are taken when the event happens, as
/// `ProcessStateEvent` renders `extra_values` eagerly.
public struct SupervisorEvent: Sendable, Equatable {
    public let type: EventType
    /// The payload after the header line. `len:` counts its Unicode scalars.
    public let payload: String

    public init(type: EventType, payload: String) {
        self.type = type
        self.payload = payload
    }

    /// The payload's Unicode scalars (the envelope's `len`), counted when
    /// an envelope is made: events dropped from a full buffer are never
    /// counted.
    public var length: Int { Self.scalarCount(payload) }

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
                        payload: "processname:\(processName) groupname:\(groupName) pid:\(pid) channel:\(channel)\n\(text(of: data))")
    }

    /// PROCESS_COMMUNICATION_STDOUT/STDERR: what a child wrote between the
    /// capture tokens.
    public static func processCommunication(channel: String, processName: String, groupName: String, pid: Int32, data: [UInt8]) -> SupervisorEvent {
        SupervisorEvent(type: channel == "stderr" ? .processCommunicationStderr : .processCommunicationStdout,
                        payload: "processname:\(processName) groupname:\(groupName) pid:\(pid)\n\(text(of: data))")
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
