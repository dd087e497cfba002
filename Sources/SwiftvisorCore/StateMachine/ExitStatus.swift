/// How a reaped child ended, decoded from its wait status by the shell.
public enum ExitStatus: Sendable, Equatable {
    /// `WIFEXITED`: the child called `exit(code)`.
    case exited(code: Int)
    /// `WIFSIGNALED`: the child was killed by `signal`.
    case signaled(signal: Int32, coreDumped: Bool)

    /// The text supervisord puts in parentheses in `exited:`/`stopped:` lines
    /// (options.py `decode_wait_status`): `exit status 1`, `terminated by SIGTERM`,
    /// `terminated by SIGSEGV (core dumped)`.
    public var description: String {
        switch self {
        case .exited(let code):
            return "exit status \(code)"
        case .signaled(let signal, let coreDumped):
            return "terminated by \(ExitStatus.signalName(signal))" + (coreDumped ? " (core dumped)" : "")
        }
    }

    /// `exitstatus` as supervisord stores it: the exit code, or -1 for a death by
    /// signal. -1 is never in `exitcodes` (0...255), so a signal death is never
    /// "expected".
    public var supervisorCode: Int {
        switch self {
        case .exited(let code): return code
        case .signaled: return -1
        }
    }

    /// The name supervisord's `signame()` gives a Linux signal number: `SIGTERM`,
    /// or `signal 40` when Python's `signal` module has no name for it.
    public static func signalName(_ number: Int32) -> String {
        SignalNames.canonical[number].map { "SIG" + $0 } ?? "signal \(number)"
    }
}
