// IPv4 TCP sockets for `[inet_http_server]`: swiftvisord serves its line
// protocol on that port too (supervisord's inet server is IPv4 only), so a
// config that only has `port=127.0.0.1:9001` is still controllable with
// swiftvisorctl. Names are resolved without NSS where possible: the client is
// a fully static binary, where glibc's NSS would have to dlopen modules.
import Glibc
import CSwiftvisor
import SwiftvisorCore

public enum InetSocket {
    /// The IPv4 address for `host`: empty or `*` is every interface,
    /// `localhost` is 127.0.0.1, a dotted quad is itself; anything else goes
    /// through getaddrinfo when `resolveNames` (the daemon), else is nil.
    static func address(_ host: String, resolveNames: Bool) -> in_addr? {
        if host.isEmpty || host == "*" { return in_addr(s_addr: INADDR_ANY.bigEndian) }
        if host == "localhost" { return in_addr(s_addr: UInt32(0x7f00_0001).bigEndian) }
        var a = in_addr()
        if inet_pton(AF_INET, host, &a) == 1 { return a }
        guard resolveNames else { return nil }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        guard let sa = first.pointee.ai_addr else { return nil }
        return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
    }

    private static func withAddress<T>(_ a: in_addr, _ port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        sin.sin_addr = a
        return withUnsafePointer(to: &sin) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Listen on `host:port` (nonblocking, CLOEXEC, SO_REUSEADDR as
    /// supervisord's medusa server sets it). EADDRINUSE means another program
    /// has the port; EADDRNOTAVAIL that `host` is not an address of this machine.
    /// `nonBlocking: false` for a socket children accept on (fcgi-program).
    public static func listen(host: String, port: Int, backlog: Int32 = 512, nonBlocking: Bool = true) throws(SystemError) -> Int32 {
        guard let a = address(host, resolveNames: true) else { throw SystemError(call: "getaddrinfo(\(host))", errno: EADDRNOTAVAIL) }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        let fd = try syscall("socket(AF_INET)") { Glibc.socket(AF_INET, type, 0) }
        do {
            var one: Int32 = 1
            _ = try syscall("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try syscall("bind(\(host):\(port))") { withAddress(a, port) { Glibc.bind(fd, $0, $1) } }
            _ = try syscall("listen(\(host):\(port))") { Glibc.listen(fd, backlog) }
            return fd
        } catch {
            Sys.close(fd)
            throw error
        }
    }

    /// Connect to `host:port` (blocking, CLOEXEC). A host that is not
    /// `localhost` or a dotted quad is EADDRNOTAVAIL with call "resolve".
    public static func connect(host: String, port: Int, timeout: Double) throws(SystemError) -> Int32 {
        guard let a = address(host, resolveNames: false) else { throw SystemError(call: "resolve(\(host))", errno: EADDRNOTAVAIL) }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = try syscall("socket(AF_INET)") { Glibc.socket(AF_INET, type, 0) }
        do {
            try SocketDeadline.connect(fd, deadline: EventLoop.now() + timeout) { withAddress(a, port, { Glibc.connect(fd, $0, $1) }) }
        } catch {
            Sys.close(fd)
            throw error
        }
        // Requests and replies are small lines: send each at once.
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Set up an accepted TCP connection (TCP_NODELAY: replies are small
    /// lines, each sent at once) and return its peer for the audit line
    /// (`stop web requested by 127.0.0.1:40022`): TCP has no SO_PEERCRED.
    public static func acceptedPeer(_ fd: Int32) -> PeerCredentials {
        var sin = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &sin) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) }
        } == 0
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard ok else { return PeerCredentials(pid: 0, uid: 0, gid: 0, address: "unknown address") }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        _ = inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count))
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return PeerCredentials(pid: 0, uid: 0, gid: 0, address: "\(host):\(UInt16(bigEndian: sin.sin_port))")
    }
}
