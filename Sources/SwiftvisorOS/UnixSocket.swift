// Unix-domain stream sockets for the control channel: the daemon's listener
// (created the way supervisord creates it, so a second daemon on the same path
// is detected) and the client connection of swiftvisorctl.
import Glibc
import CSwiftvisor
import SwiftvisorCore

/// Why the control socket could not be set up.
public enum UnixSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path, or the `<path>.<pid>` name bound first, does not fit in
    /// sockaddr_un (108 bytes with the NUL).
    case pathTooLong(path: String, bound: String)
    /// A live server answers on the path (supervisord's EADDRINUSE case).
    case alreadyListening(String)
    /// chown was refused (supervisord's ValueError wording).
    case chownNotPermitted(path: String, uid: UInt32?, gid: UInt32?, user: String)
    /// Any other failing step.
    case system(path: String, SystemError)

    public var description: String {
        switch self {
        case .pathTooLong(let path, let bound):
            // The configured path may fit while the temporary name does not: say both.
            return "socket path \(path) is too long: the daemon first binds \(bound), and a Unix socket address holds at most \(UnixSocket.maxPathLength) bytes (this is \(bound.utf8.count)); choose a shorter [unix_http_server] file="
        case .alreadyListening:
            return "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord."
        case .chownNotPermitted(let path, let uid, let gid, let user):
            let u = uid.map { String($0) } ?? "-1", g = gid.map { String($0) } ?? "-1"
            return "Not permitted to chown \(path) to uid/gid (\(u), \(g)); adjust \"sockchown\" value in config file or on command line to values that the current user (\(user)) can successfully chown"
        case .system(let path, let e):
            return "cannot create the control socket \(path): \(e)"
        }
    }
}

public enum UnixSocket {
    /// Longest path accepted (sun_path holds 108 bytes including the NUL).
    public static let maxPathLength = 107

    /// Fill a sockaddr_un for `path` and call `body` with it.
    static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength else { return nil }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, len) }
        }
    }

    /// A new AF_UNIX stream socket (CLOEXEC, optionally NONBLOCK).
    static func makeSocket(nonBlocking: Bool) throws(SystemError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        return try syscall("socket(AF_UNIX)") { Glibc.socket(AF_UNIX, type, 0) }
    }

    /// Create the listening socket at `path` as supervisord does (http.py):
    /// bind `<path>.<pid>`, chmod it, hard-link it to `path` (atomic: never a
    /// moment without a socket, and a concurrent daemon loses the race), then
    /// chown. An existing `path` is probed with `GET / HTTP/1.0`: if anything
    /// answers, `alreadyListening`; otherwise it is stale, `onStale` is told
    /// (supervisord prints `Unlinking stale socket <path>`), removed, and the
    /// bind retried. Returns the nonblocking listening fd.
    public static func listen(path: String, mode: UInt32, uid: UInt32?, gid: UInt32?, backlog: Int32 = 512,
                              onStale: (String) -> Void = { _ in }) throws(UnixSocketError) -> Int32 {
        let temp = "\(path).\(getpid())"
        guard Array(temp.utf8).count <= maxPathLength else { throw .pathTooLong(path: path, bound: temp) }
        _ = unlink(temp)
        defer { _ = unlink(temp) }
        func sys<T>(_ body: () throws(SystemError) -> T) throws(UnixSocketError) -> T {
            do { return try body() } catch { throw .system(path: path, error) }
        }
        for _ in 0..<20 {
            // Each attempt binds a fresh temporary name (supervisord unlinks it in `finally`).
            _ = unlink(temp)
            let fd = try sys { () throws(SystemError) in try makeSocket(nonBlocking: true) }
            var keep = false
            defer { if !keep { Sys.close(fd) } }
            _ = try sys { () throws(SystemError) in
                try syscall("bind(\(temp))") { withAddress(temp) { Glibc.bind(fd, $0, $1) } ?? -1 }
            }
            _ = try sys { () throws(SystemError) in try syscall("chmod(\(temp))") { Glibc.chmod(temp, mode_t(mode)) } }
            if Glibc.link(temp, path) != 0 {
                let e = errno
                guard e == EEXIST else { throw .system(path: path, SystemError(call: "link(\(path))", errno: e)) }
                if isInUse(path) { throw .alreadyListening(path) }
                onStale(path)
                _ = unlink(path)
                var delay = timespec(tv_sec: 0, tv_nsec: 300_000_000)
                _ = nanosleep(&delay, nil)
                continue
            }
            if uid != nil || gid != nil {
                let u = uid.map { uid_t($0) } ?? uid_t.max, g = gid.map { gid_t($0) } ?? gid_t.max
                if Glibc.chown(path, u, g) != 0 {
                    let e = errno
                    _ = unlink(path)
                    if e == EPERM {
                        let name = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? String(geteuid())
                        throw .chownNotPermitted(path: path, uid: uid, gid: gid, user: name)
                    }
                    throw .system(path: path, SystemError(call: "chown(\(path))", errno: e))
                }
            }
            _ = try sys { () throws(SystemError) in try syscall("listen(\(path))") { Glibc.listen(fd, backlog) } }
            keep = true
            return fd
        }
        throw .system(path: path, SystemError(call: "link(\(path))", errno: EEXIST))
    }

    /// supervisord's checkused: connect, send `GET / HTTP/1.0`, read one byte.
    /// Any answer, even EOF, means a live server. A server that accepts and
    /// stays silent for 2 s also counts as live.
    static func isInUse(_ path: String) -> Bool {
        guard let fd = try? makeSocket(nonBlocking: false) else { return false }
        defer { Sys.close(fd) }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard withAddress(path, { Glibc.connect(fd, $0, $1) }) == 0 else { return false }
        let probe = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        guard probe.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) >= 0 else { return false }
        var byte: UInt8 = 0
        let n = Glibc.recv(fd, &byte, 1, 0)
        return n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK
    }

    /// Accept one connection (nonblocking, CLOEXEC) with its SO_PEERCRED;
    /// nil when none is pending (EAGAIN) or it vanished (ECONNABORTED).
    public static func accept(_ listener: Int32) throws(SystemError) -> (fd: Int32, peer: PeerCredentials)? {
        let fd = swv_accept_nonblock_cloexec(listener)
        if fd < 0 {
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK || e == ECONNABORTED || e == EINTR || e == EPROTO { return nil }
            throw SystemError(call: "accept4", errno: e)
        }
        return (fd, peerCredentials(fd))
    }

    /// The peer's pid/uid/gid from SO_PEERCRED (zeros if the kernel refuses).
    public static func peerCredentials(_ fd: Int32) -> PeerCredentials {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        guard swv_peercred(fd, &pid, &uid, &gid) == 0 else { return PeerCredentials(pid: 0, uid: 0, gid: 0) }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    /// Connect to `path` (blocking, CLOEXEC). ENOENT and ECONNREFUSED come back
    /// as SystemError so swiftvisorctl can print supervisorctl's messages.
    /// Gives up with ETIMEDOUT after `timeout` seconds (a full backlog).
    public static func connect(path: String, timeout: Double) throws(SystemError) -> Int32 {
        let fd = try makeSocket(nonBlocking: true)
        do {
            try SocketDeadline.connect(fd, deadline: EventLoop.now() + timeout) {
                guard let r = withAddress(path, { Glibc.connect(fd, $0, $1) }) else { errno = ENAMETOOLONG; return -1 }
                return r
            }
        } catch {
            Sys.close(fd)
            throw error
        }
        return fd
    }

    /// send(2) with MSG_NOSIGNAL: a vanished peer is EPIPE, never SIGPIPE.
    /// EAGAIN is thrown (a nonblocking socket is full).
    public static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        try syscall("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// recv(2); 0 is EOF, EAGAIN is thrown.
    public static func recv(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try syscall("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// Number of open descriptors of this process (/proc/self/fd), for leak tests.
    public static func openDescriptorCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var n = 0
        while readdir(dir) != nil { n += 1 }
        return n - 3  // ".", "..", and the fd opendir itself holds
    }
}
