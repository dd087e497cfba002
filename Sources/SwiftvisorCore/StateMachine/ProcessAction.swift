/// What the shell must do for one process, in the order returned.
public enum ProcessAction: Sendable, Equatable {
    /// Start the child, then feed `.spawned` or `.spawnFailed` back.
    case spawn
    /// Send the signal to the pid, or to `-pid` (its process group) when
    /// `toGroup`. ESRCH is ignored (the reap follows); any other error is fed
    /// back as `.signalFailed`.
    case signal(SignalSpec, toGroup: Bool)
    /// Arm this process's one timer at a monotonic deadline, replacing any
    /// previous one; feed `.timer` when it comes.
    case setTimer(at: Double)
    /// Disarm this process's timer.
    case cancelTimer
    /// Write one main-log line (the exact supervisord text, without timestamp or level).
    case log(LogLevel, String)
    /// The state changed: wake waiters, emit `PROCESS_STATE_*` events.
    case stateChanged(from: ProcessState, to: ProcessState)
}
