/// How a child ended, decoded from its wait status.
/// (Placeholder from the `os` branch, same shape as the state-machine helper's; the lead keeps one.)
public enum ExitStatus: Sendable, Equatable {
    /// `exit status N` in supervisord's log.
    case exited(code: Int)
    /// `terminated by SIGX` (+ ` (core dumped)`); supervisord records exitstatus -1.
    case signaled(signal: Int32, coreDumped: Bool)
}
