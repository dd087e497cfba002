// Deadlines for swiftvisorctl's blocking socket: a connect that the server
// never completes, and a reply that never comes, end with ETIMEDOUT instead
// of waiting forever (docs/swiftvisorctl.md, docs/protocol.md §7).
import Glibc

public enum SocketDeadline {
    /// Connect `fd` (a nonblocking socket) with `attempt`, waiting at most
    /// until `deadline` (monotonic seconds); the socket is blocking again on
    /// return. A Unix socket whose backlog is full answers EAGAIN: retried
    /// until the deadline (a blocking connect would wait without bound).
    public static func connect(_ fd: Int32, deadline: Double, _ attempt: () -> Int32) throws(SystemError) {
        while true {
            if attempt() == 0 { break }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN {
                guard EventLoop.now() < deadline else { throw SystemError(call: "connect", errno: ETIMEDOUT) }
                usleep(10_000)
                continue
            }
            guard e == EINPROGRESS else { throw SystemError(call: "connect", errno: e) }
            guard try wait(fd, events: Int16(POLLOUT), deadline: deadline) else {
                throw SystemError(call: "connect", errno: ETIMEDOUT)
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { throw SystemError(call: "connect", errno: err) }
            break
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
    }

    /// Wait until `fd` has `events` or `deadline` (nil: no deadline) passes.
    /// False on timeout. EINTR is thrown (the caller decides whether Ctrl-C ends
    /// the wait).
    public static func wait(_ fd: Int32, events: Int16, deadline: Double?) throws(SystemError) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        var ms: Int32 = -1
        if let deadline {
            let left = deadline - EventLoop.now()
            guard left > 0 else { return false }
            ms = Int32(min(left * 1000 + 1, Double(Int32.max)))
        }
        let r = poll(&p, 1, ms)
        if r < 0 { throw SystemError(call: "poll", errno: errno) }
        return r > 0
    }
}
