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
    ///
    /// Python builds the table from `signal.__dict__`, so where Linux has two
    /// names for one number the later one wins: 6 is `SIGABRT` (not SIGIOT),
    /// 17 `SIGCHLD` (not SIGCLD), 29 `SIGPOLL` (not SIGIO). Only RTMIN (34) and
    /// RTMAX (64) of the real-time range have names. Checked against
    /// `supervisor.options.signame` of Supervisor 4.3.0 on CPython 3.11.
    public static func signalName(_ number: Int32) -> String {
        switch number {
        case 1: return "SIGHUP"
        case 2: return "SIGINT"
        case 3: return "SIGQUIT"
        case 4: return "SIGILL"
        case 5: return "SIGTRAP"
        case 6: return "SIGABRT"
        case 7: return "SIGBUS"
        case 8: return "SIGFPE"
        case 9: return "SIGKILL"
        case 10: return "SIGUSR1"
        case 11: return "SIGSEGV"
        case 12: return "SIGUSR2"
        case 13: return "SIGPIPE"
        case 14: return "SIGALRM"
        case 15: return "SIGTERM"
        case 16: return "SIGSTKFLT"
        case 17: return "SIGCHLD"
        case 18: return "SIGCONT"
        case 19: return "SIGSTOP"
        case 20: return "SIGTSTP"
        case 21: return "SIGTTIN"
        case 22: return "SIGTTOU"
        case 23: return "SIGURG"
        case 24: return "SIGXCPU"
        case 25: return "SIGXFSZ"
        case 26: return "SIGVTALRM"
        case 27: return "SIGPROF"
        case 28: return "SIGWINCH"
        case 29: return "SIGPOLL"
        case 30: return "SIGPWR"
        case 31: return "SIGSYS"
        case 34: return "SIGRTMIN"
        case 64: return "SIGRTMAX"
        default: return "signal \(number)"
        }
    }
}
