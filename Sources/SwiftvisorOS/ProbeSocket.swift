// The client side of `tcp` and `http` health checks (docs/dependencies.md):
// a non-blocking connect the event loop completes, never a blocking call in
// the daemon's one thread. Hosts are numeric IPv4/IPv6 addresses or
// `localhost`: a name lookup could block the loop, so none is made.
import Glibc
import SwiftvisorCore

public enum ProbeSocket {
    public enum Started {
        /// The connection is established already (loopback often is).
        case connected(Int32)
        /// EINPROGRESS: wait for the descriptor to be writable, then `result`.
        case pending(Int32)
    }

    /// Begin a connection to `endpoint`.
    public static func connect(_ endpoint: TCPEndpoint) throws(SystemError) -> Started {
        let host = endpoint.host == "localhost" ? "127.0.0.1" : endpoint.host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = UInt16(truncatingIfNeeded: endpoint.port).bigEndian
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = UInt16(truncatingIfNeeded: endpoint.port).bigEndian
        } else {
            throw SystemError(call: "resolve(\(endpoint.host)): only numeric addresses and localhost", errno: EADDRNOTAVAIL)
        }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = try syscall("socket") { Glibc.socket(family, type, 0) }
        let rc: Int32 = family == AF_INET
            ? withUnsafePointer(to: &v4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            : withUnsafePointer(to: &v6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        if rc == 0 { return .connected(fd) }
        let e = errno
        if e == EINPROGRESS || e == EINTR { return .pending(fd) }
        Sys.close(fd)
        throw SystemError(call: "connect(\(endpoint))", errno: e)
    }

    /// After the descriptor became writable: 0 when connected, else the errno.
    public static func result(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 else { return errno }
        return err
    }
}
