// The OS side of the HTTP worker (docs/architecture.md, "The HTTP worker"):
// the SEQPACKET channel on the worker's fd 3, messages with descriptors
// (SCM_RIGHTS), the worker's spawn from our own executable, and the worker's
// privilege drop. Each call made once here; the daemon module decides.
import Glibc
import CSwiftvisor

public enum WorkerChannel {
    /// The descriptor the worker finds its channel on.
    public static let workerFD: Int32 = 3
    /// The hidden command-line switch that makes `swiftvisord` the worker.
    public static let workerSwitch = "--http-worker"
    /// The unprivileged identity a worker started by root takes (nobody).
    public static let unprivilegedID: UInt32 = 65534

    /// A connected pair of AF_UNIX sockets, CLOEXEC and NONBLOCK: SEQPACKET
    /// for the channel (message boundaries kept), STREAM for a connection's
    /// SWV1 session.
    public static func pair(seqpacket: Bool) throws(SystemError) -> (Int32, Int32) {
        var fds: (Int32, Int32) = (-1, -1)
        _ = try syscall("socketpair") {
            withUnsafeMutableBytes(of: &fds) { swv_socketpair(seqpacket ? 1 : 0, $0.baseAddress!.assumingMemoryBound(to: Int32.self)) }
        }
        return (fds.0, fds.1)
    }

    /// SO_SNDBUF: cap what the kernel holds for a client that does not read
    /// (TCP autotuning would let it take megabytes, each of which the worker
    /// would first fetch from the core and encode).
    public static func limitSendBuffer(_ fd: Int32, bytes: Int32) {
        var size = bytes
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Whether `fd` is a SEQPACKET socket (the worker checks that it was
    /// started by the daemon, not by hand).
    public static func isSeqPacket(_ fd: Int32) -> Bool { swv_socket_type(fd) == 1 }

    /// What a send did.
    public enum SendResult: Equatable {
        case sent
        /// The peer's queue is full (EAGAIN): nothing was sent.
        case full
        case failed(errno: Int32)
    }

    /// Send one message with `fds` attached; never blocks.
    public static func send(_ fd: Int32, _ bytes: [UInt8], fds: [Int32] = []) -> SendResult {
        let n = bytes.withUnsafeBytes { raw in
            fds.withUnsafeBufferPointer { f in
                swv_send_with_fds(fd, raw.baseAddress, raw.count, f.baseAddress, Int32(f.count))
            }
        }
        if n >= 0 { return .sent }
        let e = Glibc.errno
        return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS ? .full : .failed(errno: e)
    }

    /// What a receive found.
    public enum Received: Equatable {
        /// One message and the descriptors it carried (the caller owns them);
        /// `truncated` when it did not fit (its descriptors are still returned).
        case message([UInt8], fds: [Int32], truncated: Bool)
        case wouldBlock
        /// The peer closed its end.
        case eof
        case failed(errno: Int32)
    }

    /// Receive one message of at most `capacity` bytes; never blocks.
    public static func receive(_ fd: Int32, capacity: Int) -> Received {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var fds = [Int32](repeating: -1, count: Int(SWV_MAX_PASSED_FDS))
        var count: Int32 = 0
        var truncated: Int32 = 0
        let n = buffer.withUnsafeMutableBytes { raw in
            fds.withUnsafeMutableBufferPointer { f in
                swv_recv_with_fds(fd, raw.baseAddress, raw.count, f.baseAddress, &count, &truncated)
            }
        }
        if n < 0 {
            let e = Glibc.errno
            return e == EAGAIN || e == EWOULDBLOCK || e == EINTR ? .wouldBlock : .failed(errno: e)
        }
        let passed = Array(fds.prefix(Int(max(0, count))))
        if n == 0 && passed.isEmpty { return .eof }
        return .message(Array(buffer.prefix(n)), fds: passed, truncated: truncated != 0)
    }

    /// Start the worker: this very executable (`/proc/self/exe`, so an
    /// upgraded binary on disk never runs beside the old core) with
    /// `argv`, an environment of its own, `/dev/null` on 0-2 and `channel` on fd 3.
    public static func spawnWorker(argv: [String], channel: Int32) throws(SystemError) -> Int32 {
        // dup2 onto fd 3 clears CLOEXEC only when the source is another
        // number; the copy is above 3 whatever `channel` is.
        let lifted = try Sys.dupCloexec(channel, minimum: 10)
        defer { Sys.close(lifted) }
        var pid: pid_t = 0
        var ptrs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        ptrs.append(nil)
        defer { for p in ptrs { free(p) } }
        // Nothing of the daemon's environment; and no Swift crash backtracer:
        // a crashed worker must die at once (the core restarts it), not spend
        // seconds symbolicating while its clients wait.
        var env: [UnsafeMutablePointer<CChar>?] = [strdup("SWIFT_BACKTRACE=enable=no"), nil]
        defer { free(env[0]) }
        let err = ptrs.withUnsafeBufferPointer { a in
            env.withUnsafeMutableBufferPointer { e in
                swv_spawn_worker("/proc/self/exe", a.baseAddress!, e.baseAddress!, lifted, &pid)
            }
        }
        if err != 0 { throw SystemError(call: "posix_spawn(http worker)", errno: err) }
        return pid
    }

    /// In the worker: give up root (supplementary groups, gid, uid to
    /// nobody) when it has it, forbid regaining privileges through exec,
    /// and die with the core. Returns the error of the step that failed.
    public static func confineWorker() -> SystemError? {
        if Glibc.geteuid() == 0 || Glibc.getuid() == 0 {
            if swv_drop_privileges(uid_t(unprivilegedID), gid_t(unprivilegedID)) != 0 {
                return SystemError(call: "setgroups/setgid/setuid(\(unprivilegedID))", errno: Glibc.errno)
            }
        }
        if swv_set_no_new_privs() != 0 { return SystemError(call: "prctl(PR_SET_NO_NEW_PRIVS)", errno: Glibc.errno) }
        // After the uid change: a credential change clears the death signal.
        if swv_set_parent_death_signal(SIGKILL) != 0 { return SystemError(call: "prctl(PR_SET_PDEATHSIG)", errno: Glibc.errno) }
        return nil
    }

    /// waitpid(pid, WNOHANG) for one known child: its status once it exited.
    public static func reap(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        let r = Glibc.waitpid(pid, &status, WNOHANG)
        return r == pid ? status : nil
    }

    /// waitpid(pid, 0): for a child just sent SIGKILL.
    public static func reapBlocking(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        while true {
            let r = Glibc.waitpid(pid, &status, 0)
            if r == pid { return status }
            if r < 0 && Glibc.errno == EINTR { continue }
            return nil
        }
    }

    /// nanosleep for a short, bounded pause (the shutdown wait for the worker).
    public static func pause(seconds: Double) {
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        _ = nanosleep(&ts, nil)
    }
}
