// The daemon's end of a child's NOTIFY_SOCKET (readiness=notify,
// docs/dependencies.md): a datagram socket in the abstract namespace (no
// file to create or clean up), credentials on, so each message carries the
// sender's pid and only the child's own are believed.
import Glibc
import CSwiftvisor

public enum NotifySocket {
    /// The largest message read; systemd's limit for a notification is the same order.
    public static let maxMessage = 4096

    /// A socket bound to the abstract `name`; the child gets `NOTIFY_SOCKET=@name`.
    public static func open(name: String) throws(SystemError) -> Int32 {
        let bytes = Array(name.utf8)
        return try syscall("bind(NOTIFY_SOCKET @\(name))") {
            bytes.withUnsafeBufferPointer { b in
                b.baseAddress.map { base in base.withMemoryRebound(to: CChar.self, capacity: b.count) { swv_notify_socket($0, b.count) } } ?? -1
            }
        }
    }

    /// The process group of `pid`, or -1 when it is gone: a message from a
    /// helper the child ran (`systemd-notify --ready` in a script) counts
    /// when it is in the child's process group.
    public static func processGroup(of pid: Int32) -> Int32 { getpgid(pid) }

    /// Every datagram waiting, with its sender's pid. A datagram larger than
    /// `maxMessage` is dropped whole (a cut one could read as something else).
    public static func receiveAll(_ fd: Int32) -> [(pid: Int32, bytes: [UInt8])] {
        var out: [(pid: Int32, bytes: [UInt8])] = []
        var buffer = [UInt8](repeating: 0, count: maxMessage)
        // Bounded per wake-up so a flooding child cannot hold the loop.
        for _ in 0..<64 {
            var pid: pid_t = 0
            let n = buffer.withUnsafeMutableBytes { swv_notify_recv(fd, $0.baseAddress, $0.count, &pid) }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            guard n <= maxMessage else { continue }
            out.append((pid: pid, bytes: Array(buffer[0..<n])))
        }
        return out
    }
}

/// `readiness=fd` (s6's notification-fd): a pipe whose write end the child
/// gets as descriptor N; a line on it means ready.
public enum NotificationPipe {
    /// (read end: CLOEXEC, non-blocking, the daemon's; write end: CLOEXEC,
    /// never numbered `target`, so the child's dup2 really clears CLOEXEC).
    public static func open(target: Int32) throws(SystemError) -> (read: Int32, write: Int32) {
        var p = try Sys.pipe()
        if p.write == target {
            do {
                let moved = try Sys.dupCloexec(p.write, minimum: target + 1)
                Sys.close(p.write)
                p.write = moved
            } catch {
                Sys.close(p.read); Sys.close(p.write)
                throw error
            }
        }
        _ = fcntl(p.read, F_SETFL, fcntl(p.read, F_GETFL) | O_NONBLOCK)
        return p
    }

    /// What is waiting on the read end: `.line` once a newline arrived,
    /// `.closed` at EOF, `.nothing` otherwise (at most 4 KiB read per call).
    public enum Reading { case line, closed, nothing }
    public static func read(_ fd: Int32) -> Reading {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n == 0 { return .closed }
        if n < 0 { return errno == EAGAIN || errno == EINTR ? .nothing : .closed }
        return buffer[0..<n].contains(UInt8(ascii: "\n")) ? .line : .nothing
    }
}
