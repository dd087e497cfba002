/// One state change of a process with the values supervisord's
/// `ProcessStateEvent` captures at that moment (process.py `change_state`):
/// the backoff counter (`tries`), whether an exit was expected, and the pid,
/// which for a change made while reaping is the pid just reaped (supervisord
/// clears `pid` only after `change_state` in `finish()`), so STOPPED and
/// EXITED carry the old pid; BACKOFF → STOPPED has pid 0.
public struct StateTransition: Sendable, Equatable {
    public var from: ProcessState
    public var to: ProcessState
    public var tries: Int
    public var expected: Bool
    public var pid: Int32
    public init(from: ProcessState, to: ProcessState, tries: Int, expected: Bool, pid: Int32) {
        self.from = from; self.to = to; self.tries = tries; self.expected = expected; self.pid = pid
    }
}
