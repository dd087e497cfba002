/// What happened to one process, fed by the shell to `ProcessStateMachine.handle`.
public enum ProcessEvent: Sendable, Equatable {
    /// Operator `start` or autostart. Acts from STOPPED/EXITED/FATAL; refused
    /// (no actions) in BACKOFF, STARTING, RUNNING and UNKNOWN, as supervisord refuses.
    case start
    /// Operator `stop`, or shutdown/reload (with `restartsAllowed == false`).
    case stop
    /// The shell forked the child after a `.spawn` action.
    case spawned(pid: Int32)
    /// The shell could not start the child, e.g. `can't find command 'x'`; the
    /// reason becomes `spawnerr` and the process goes to BACKOFF.
    case spawnFailed(reason: String)
    /// The child was reaped.
    case exited(ExitStatus)
    /// The deadline of the last `.setTimer` has come.
    case timer
    /// The operator's `signal` verb (supervisord's `Subprocess.signal`).
    case signal(SignalSpec)
    /// `kill()` failed with an errno other than ESRCH (ESRCH means the child is
    /// already dead and its reap will follow). The process goes to UNKNOWN.
    case signalFailed(errno: Int32, description: String)
    /// After `.awaitGroupExit`: no process is left in the child's process
    /// group (or, for a program with `cgroup=true`, in its cgroup).
    case groupExited
    /// A start that waited for its dependencies will never happen (a
    /// dependency failed, or `depends_on_timeout` passed): from STOPPED,
    /// EXITED or FATAL the process goes FATAL with `reason` as its
    /// description, without spawning (docs/dependencies.md).
    case dependencyFailed(reason: String)
    /// The readiness check passed (`readiness=`, docs/dependencies.md): a
    /// STARTING process becomes RUNNING; `how` says which check, for the log.
    case ready(how: String)
    /// Liveness failed `liveness_failures` times in a row while RUNNING: the
    /// process is stopped with its stopsignal and its exit counts as an
    /// unexpected one (autorestart decides the restart).
    case livenessFailed(reason: String)
}
