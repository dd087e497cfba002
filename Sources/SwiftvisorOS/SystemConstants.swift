// The libc constants the rest of swiftvisor needs, named here so that no
// module outside SwiftvisorOS imports Glibc (the syscall boundary holds by
// construction: Tests/IntegrationTests/SyscallBoundaryTests.swift).
import Glibc

/// errno values the daemon and the client compare against.
public enum Errno {
    public static let ENOENT = Glibc.ENOENT
    public static let ESRCH = Glibc.ESRCH
    public static let EINTR = Glibc.EINTR
    public static let EAGAIN = Glibc.EAGAIN
    public static let EWOULDBLOCK = Glibc.EWOULDBLOCK
    public static let EMFILE = Glibc.EMFILE
    public static let ENFILE = Glibc.ENFILE
    public static let ENOBUFS = Glibc.ENOBUFS
    public static let ENOMEM = Glibc.ENOMEM
    public static let EADDRINUSE = Glibc.EADDRINUSE
    public static let EPERM = Glibc.EPERM
}

/// Signal numbers.
public enum SignalNumber {
    public static let SIGTERM = Glibc.SIGTERM
    public static let SIGKILL = Glibc.SIGKILL
    public static let SIGINT = Glibc.SIGINT
    public static let SIGQUIT = Glibc.SIGQUIT
    public static let SIGHUP = Glibc.SIGHUP
    public static let SIGUSR2 = Glibc.SIGUSR2
    public static let SIGCHLD = Glibc.SIGCHLD
    public static let SIGPIPE = Glibc.SIGPIPE
    public static let SIGCONT = Glibc.SIGCONT
    public static let SIGSTOP = Glibc.SIGSTOP
}

/// open(2) flags (Sys.open adds O_CLOEXEC itself).
public enum OpenFlag {
    public static let readOnly = Glibc.O_RDONLY
}
