/// The event types supervisord 4.3.0 sends to listeners (events.py
/// `EventTypes`), and its class hierarchy: a listener subscribed to an
/// abstract name (`PROCESS_STATE`, `EVENT`, ...) receives every concrete type
/// below it, as supervisord's `notify` matches with `isinstance`.
public enum EventType: String, CaseIterable, Sendable, Hashable {
    case processStateStopped = "PROCESS_STATE_STOPPED"
    case processStateExited = "PROCESS_STATE_EXITED"
    case processStateStarting = "PROCESS_STATE_STARTING"
    case processStateStopping = "PROCESS_STATE_STOPPING"
    case processStateBackoff = "PROCESS_STATE_BACKOFF"
    case processStateFatal = "PROCESS_STATE_FATAL"
    case processStateRunning = "PROCESS_STATE_RUNNING"
    case processStateUnknown = "PROCESS_STATE_UNKNOWN"
    case processCommunicationStdout = "PROCESS_COMMUNICATION_STDOUT"
    case processCommunicationStderr = "PROCESS_COMMUNICATION_STDERR"
    case processLogStdout = "PROCESS_LOG_STDOUT"
    case processLogStderr = "PROCESS_LOG_STDERR"
    case remoteCommunication = "REMOTE_COMMUNICATION"
    case supervisorStateChangeRunning = "SUPERVISOR_STATE_CHANGE_RUNNING"
    case supervisorStateChangeStopping = "SUPERVISOR_STATE_CHANGE_STOPPING"
    case tick5 = "TICK_5"
    case tick60 = "TICK_60"
    case tick3600 = "TICK_3600"
    case processGroupAdded = "PROCESS_GROUP_ADDED"
    case processGroupRemoved = "PROCESS_GROUP_REMOVED"

    /// The `eventname:` of the envelope.
    public var name: String { rawValue }

    /// The abstract names above this type, nearest first; `EVENT` is last.
    public var abstractNames: [String] {
        switch self {
        case .processStateStopped, .processStateExited, .processStateStarting, .processStateStopping,
             .processStateBackoff, .processStateFatal, .processStateRunning, .processStateUnknown:
            return ["PROCESS_STATE", "EVENT"]
        case .processCommunicationStdout, .processCommunicationStderr:
            return ["PROCESS_COMMUNICATION", "EVENT"]
        case .processLogStdout, .processLogStderr:
            return ["PROCESS_LOG", "EVENT"]
        case .remoteCommunication:
            return ["EVENT"]
        case .supervisorStateChangeRunning, .supervisorStateChangeStopping:
            return ["SUPERVISOR_STATE_CHANGE", "EVENT"]
        case .tick5, .tick60, .tick3600:
            return ["TICK", "EVENT"]
        case .processGroupAdded, .processGroupRemoved:
            return ["PROCESS_GROUP", "EVENT"]
        }
    }

    /// Every name an `events=` line may give: the concrete types and the
    /// abstract ones (supervisord's `EventTypes` attributes).
    public static let allNames: Set<String> = {
        var names = Set(allCases.map(\.rawValue))
        for t in allCases { names.formUnion(t.abstractNames) }
        return names
    }()

    /// The event of a process entering `state` (supervisord's `Subprocess.event_map`).
    public static func processState(_ state: ProcessState) -> EventType {
        switch state {
        case .stopped: return .processStateStopped
        case .starting: return .processStateStarting
        case .running: return .processStateRunning
        case .backoff: return .processStateBackoff
        case .stopping: return .processStateStopping
        case .exited: return .processStateExited
        case .fatal: return .processStateFatal
        case .unknown: return .processStateUnknown
        }
    }

    /// A TICK type's period in seconds; nil for the others.
    public var tickPeriod: Int? {
        switch self {
        case .tick5: return 5
        case .tick60: return 60
        case .tick3600: return 3600
        default: return nil
        }
    }
}

/// A pool's `events=` line as a predicate. supervisord registers one callback
/// per name, so `events=PROCESS_STATE,PROCESS_STATE_RUNNING` queues every
/// RUNNING event twice in that pool (events.py `notify` walks every
/// subscription); here a pool accepts an event once, whatever the overlap.
public struct EventSubscription: Sendable, Equatable {
    /// The concrete types the names cover.
    public let types: Set<EventType>

    /// `names` are upper-case names from `EventType.allNames` (the config
    /// reader rejected the others); an unknown name covers nothing.
    public init(names: [String]) {
        var covered = Set<EventType>()
        for t in EventType.allCases where names.contains(t.rawValue) || t.abstractNames.contains(where: names.contains) {
            covered.insert(t)
        }
        types = covered
    }

    public func accepts(_ type: EventType) -> Bool { types.contains(type) }
}
