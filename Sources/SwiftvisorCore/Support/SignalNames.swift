// Linux signal names as Python's `signal` module knows them, which is what
// supervisord accepts in `stopsignal=` and prints in `terminated by SIGx`.
// One table for parsing and printing.

public enum SignalNames {
    /// Every name Python's `signal` module defines on Linux (x86-64/arm64),
    /// including the `SIG_DFL`-style constants that supervisord also accepts.
    public static let numbers: [String: Int32] = [
        "SIGABRT": 6, "SIGALRM": 14, "SIGBUS": 7, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18,
        "SIGFPE": 8, "SIGHUP": 1, "SIGILL": 4, "SIGINT": 2, "SIGIO": 29, "SIGIOT": 6, "SIGKILL": 9,
        "SIGPIPE": 13, "SIGPOLL": 29, "SIGPROF": 27, "SIGPWR": 30, "SIGQUIT": 3, "SIGRTMAX": 64,
        "SIGRTMIN": 34, "SIGSEGV": 11, "SIGSTKFLT": 16, "SIGSTOP": 19, "SIGSYS": 31, "SIGTERM": 15,
        "SIGTRAP": 5, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGUSR1": 10,
        "SIGUSR2": 12, "SIGVTALRM": 26, "SIGWINCH": 28, "SIGXCPU": 24, "SIGXFSZ": 25,
        "SIG_BLOCK": 0, "SIG_DFL": 0, "SIG_IGN": 1, "SIG_SETMASK": 2, "SIG_UNBLOCK": 1,
    ]

    /// The name supervisord's `signame()` prints for a number, without `SIG`.
    /// Python builds it from `signal.__dict__`, so where Linux has two names for
    /// one number the later wins: 6 is ABRT (not IOT), 17 CHLD (not CLD), 29
    /// POLL (not IO). Of the real-time range only RTMIN (34) and RTMAX (64) have
    /// names. Checked against Supervisor 4.3.0's `signame` on CPython 3.11.
    public static let canonical: [Int32: String] = [
        1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS", 8: "FPE", 9: "KILL",
        10: "USR1", 11: "SEGV", 12: "USR2", 13: "PIPE", 14: "ALRM", 15: "TERM", 16: "STKFLT",
        17: "CHLD", 18: "CONT", 19: "STOP", 20: "TSTP", 21: "TTIN", 22: "TTOU", 23: "URG",
        24: "XCPU", 25: "XFSZ", 26: "VTALRM", 27: "PROF", 28: "WINCH", 29: "POLL", 30: "PWR",
        31: "SYS", 34: "RTMIN", 64: "RTMAX",
    ]
}
