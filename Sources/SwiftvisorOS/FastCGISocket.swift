// The listening socket of an `[fcgi-program:x]` group, which every process of
// the group gets as its stdin (fd 0) and accepts on. supervisord creates it
// in `SocketManager._prepare_socket` and `UnixStreamSocketConfig` /
// `InetStreamSocketConfig.create_and_bind` (socket_manager.py, datatypes.py
// at 4.3.0); docs/configuration.md "[fcgi-program:x]" says where we differ.
import Glibc
import CSwiftvisor
import SwiftvisorCore

public enum FastCGISocket {
    /// Create, bind and listen on the group's socket: a `unix://` path
    /// (a stale socket at the path is replaced; chown to `socket_owner`, then
    /// chmod to `socket_mode`, as supervisord orders them) or `tcp://host:port`
    /// (SO_REUSEADDR). `listen` takes `socket_backlog`, else SOMAXCONN.
    /// The descriptor is blocking, as the children that accept on it expect
    /// (O_NONBLOCK would be shared with them), and CLOEXEC: it reaches a
    /// child only as its fd 0.
    public static func listen(_ config: FcgiSocketConfig) throws(SystemError) -> Int32 {
        let backlog = Int32(clamping: config.backlog ?? Int(SOMAXCONN))
        if config.socket.hasPrefix("unix://") {
            let path = String(config.socket.dropFirst("unix://".count))
            return try listenUnix(path: path, config: config, backlog: backlog)
        }
        let rest = config.socket.hasPrefix("tcp://") ? config.socket.dropFirst("tcp://".count) : ""
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else {
            throw SystemError(call: "parse(\(config.socket))", errno: EINVAL)
        }
        return try InetSocket.listen(host: String(rest[..<colon]), port: port, backlog: backlog, nonBlocking: false)
    }

    private static func listenUnix(path: String, config: FcgiSocketConfig, backlog: Int32) throws(SystemError) -> Int32 {
        // supervisord unlinks whatever is at the path; only a socket is
        // replaced here, so a typo cannot delete a file.
        if let st = Sys.statPath(path) {
            guard st.st_mode & S_IFMT == S_IFSOCK else { throw SystemError(call: "bind(\(path)): not a socket, not replaced", errno: EEXIST) }
            Sys.unlinkQuietly(path)
        }
        let fd = try UnixSocket.makeSocket(nonBlocking: false)
        do throws(SystemError) {
            _ = try syscall("bind(\(path))") { UnixSocket.withAddress(path, { Glibc.bind(fd, $0, $1) }) ?? { errno = ENAMETOOLONG; return -1 }() }
            do throws(SystemError) {
                if config.ownerUID != nil || config.ownerGID != nil {
                    let u = config.ownerUID.map { uid_t($0) } ?? uid_t.max, g = config.ownerGID.map { gid_t($0) } ?? gid_t.max
                    _ = try syscall("chown(\(path))") { Glibc.chown(path, u, g) }
                }
                if let mode = config.mode { _ = try syscall("chmod(\(path))") { Glibc.chmod(path, mode_t(mode)) } }
                _ = try syscall("listen(\(path))") { Glibc.listen(fd, backlog) }
            } catch {
                Sys.unlinkQuietly(path)
                throw error
            }
            return fd
        } catch {
            Sys.close(fd)
            throw error
        }
    }

    /// Close the group's socket; a unix socket's path goes with it
    /// (supervisord leaves the file behind).
    public static func close(_ fd: Int32, config: FcgiSocketConfig) {
        Sys.close(fd)
        if config.socket.hasPrefix("unix://") {
            let path = String(config.socket.dropFirst("unix://".count))
            if let st = Sys.statPath(path), st.st_mode & S_IFMT == S_IFSOCK { Sys.unlinkQuietly(path) }
        }
    }
}
