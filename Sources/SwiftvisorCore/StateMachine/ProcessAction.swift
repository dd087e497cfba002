/// What the shell must do for one process, in the order returned.
public enum ProcessAction: Sendable, Equatable {
    /// Start the child, then feed `.spawned` or `.spawnFailed` back.
    case spawn
    /// Send the signal to the pid, or to `-processGroup` (its process group;
    /// every process of its cgroup with `cgroup=true`) when `toGroup`. ESRCH is ignored (the reap follows); any other error is fed
    /// back as `.signalFailed`.
    case signal(SignalSpec, toGroup: Bool)
    /// Arm this process's one timer at a monotonic deadline, replacing any
    /// previous one; feed `.timer` when it comes.
    case setTimer(at: Double)
    /// The leader of a group stop was reaped: feed `.groupExited` once no
    /// process is left in `processGroup` (or in the program's cgroup). Checked
    /// at once, then re-checked until it holds; the machine's SIGKILL timer
    /// stays armed meanwhile and `.signal(_, toGroup: true)` targets the group.
    case awaitGroupExit
    /// Disarm this process's timer.
    case cancelTimer
    /// Write one main-log line (the exact supervisord text, without timestamp or level).
    case log(LogLevel, String)
    /// The state changed: wake waiters, emit `PROCESS_STATE_*` events.
    case stateChanged(from: ProcessState, to: ProcessState)
}
