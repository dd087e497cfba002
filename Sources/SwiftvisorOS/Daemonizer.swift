// Detaching from the terminal: fork, setsid, fork again (so the daemon can
// never reacquire a controlling terminal), chdir, umask, stdio to /dev/null.
// Unlike supervisord, the original process waits until the daemon reports it
// is ready (pidfile written, socket listening), so `swiftvisord && cat pidfile`
// never races.
import Glibc

public enum Daemonizer {
    /// Detach. Returns in the daemon; the launching process exits with the
    /// daemon's readiness status (0 once `ready` is sent, 2 if the daemon died first).
    ///
    /// Every descriptor above 2 that is not in `keeping` (and not the
    /// readiness pipe) is closed in the daemon (daemon(7)): a parent waiting
    /// for EOF on a descriptor it passed down (Foundation's `Process` does)
    /// must not be held for the daemon's whole life.
    public static func detach(directory: String?, umask mask: UInt32, keeping: [Int32] = []) throws(SystemError) -> ReadinessPipe {
        let status = try Sys.pipe(flags: O_CLOEXEC)
        let fds = [status.read, status.write]
        let first = try syscall("fork") { fork() }
        if first > 0 {
            // The launcher: wait for one status byte from the daemon.
            _ = Glibc.close(fds[1])
            var status: UInt8 = 2
            let n = Glibc.read(fds[0], &status, 1)
            var ignored: Int32 = 0
            _ = waitpid(first, &ignored, 0)  // the intermediate child exits at once
            _exit(n == 1 ? Int32(status) : 2)
        }
        _ = Glibc.close(fds[0])
        _ = setsid()
        let second = try syscall("fork") { fork() }
        if second > 0 { _exit(0) }
        // Lead a process group of our own, as supervisord's daemon does (it is
        // pid = pgid = sid): `kill -- -$(cat pidfile)` reaches it. Not the
        // session leader, so it still cannot acquire a controlling terminal.
        _ = setpgid(0, 0)
        for fd in ProcFS.openDescriptors() where fd > 2 && fd != fds[1] && !keeping.contains(fd) {
            _ = Glibc.close(fd)
        }
        if let directory { _ = chdir(directory) }
        _ = Glibc.umask(mode_t(mask))
        let null = Glibc.open("/dev/null", O_RDWR)
        if null >= 0 {
            _ = dup2(null, 0); _ = dup2(null, 1); _ = dup2(null, 2)
            if null > 2 { _ = Glibc.close(null) }
        }
        return ReadinessPipe(fd: fds[1])
    }
}

/// The daemon's end of the launcher's status pipe.
public struct ReadinessPipe: Sendable {
    let fd: Int32
    /// Tell the launcher to exit with `status`, and close the pipe.
    public func send(_ status: UInt8) {
        var s = status
        _ = Glibc.write(fd, &s, 1)
        _ = Glibc.close(fd)
    }
}
