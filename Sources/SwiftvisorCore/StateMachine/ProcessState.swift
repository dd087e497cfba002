/// The state of one supervised process, with supervisord's numeric codes
/// (states.py `ProcessStates`); the codes are part of the RPC and event contract.
public enum ProcessState: Int, Sendable, CaseIterable {
    /// Not running, by request or because it never started.
    case stopped = 0
    /// Spawned, not yet up for `startsecs`.
    case starting = 10
    /// Up for at least `startsecs`.
    case running = 20
    /// A start failed or exited too quickly; waiting to retry.
    case backoff = 30
    /// Stop signal sent; waiting for the child to exit.
    case stopping = 40
    /// Exited on its own from RUNNING (expectedly or not).
    case exited = 100
    /// Gave up after `startretries` retries.
    case fatal = 200
    /// A signal could not be delivered; supervisord no longer knows its state.
    case unknown = 1000

    /// The upper-case name supervisorctl prints (`getProcessStateDescription`).
    public var name: String {
        switch self {
        case .stopped: return "STOPPED"
        case .starting: return "STARTING"
        case .running: return "RUNNING"
        case .backoff: return "BACKOFF"
        case .stopping: return "STOPPING"
        case .exited: return "EXITED"
        case .fatal: return "FATAL"
        case .unknown: return "UNKNOWN"
        }
    }

    /// supervisord's `RUNNING_STATES`: what `start` calls "already started" and
    /// what `stop` accepts. STOPPING is deliberately absent.
    public var isRunning: Bool {
        switch self {
        case .starting, .running, .backoff: return true
        default: return false
        }
    }

    /// supervisord's `STOPPED_STATES`: stopped-ness for `remove`, ctl exit code 3
    /// and shutdown completion. UNKNOWN counts as stopped.
    public var isStopped: Bool {
        switch self {
        case .stopped, .exited, .fatal, .unknown: return true
        default: return false
        }
    }

    /// supervisord's `SIGNALLABLE_STATES`: where the `signal` command is allowed.
    public var isSignallable: Bool {
        switch self {
        case .starting, .running, .stopping: return true
        default: return false
        }
    }
}
