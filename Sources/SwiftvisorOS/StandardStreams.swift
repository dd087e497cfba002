// Writing whole strings to fd 1 and fd 2, unbuffered, so error text and
// JSON are complete even if the process exits right after; making sure fds
// 0-2 exist; and the daemon's inherited stdout as a log target.
import Glibc

/// Write `s` to standard output (fd 1), retrying short writes and EINTR.
public func writeStandardOutput(_ s: String) { writeAll(1, s) }

/// Write `s` to standard error (fd 2), retrying short writes and EINTR.
public func writeStandardError(_ s: String) { writeAll(2, s) }

private func writeAll(_ fd: Int32, _ s: String) {
    var bytes = Array(s.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { raw in try? syscall("write") { write(fd, raw.baseAddress, raw.count) } }
        guard let n, n > 0 else { return }  // EPIPE or a closed fd: nothing more to do
        bytes = bytes.dropFirst(n)
    }
}

/// `exit(3)`.
public func terminateProcess(_ status: Int32) -> Never { exit(status) }

public enum StandardStreams {
    /// Open /dev/null on each of fds 0, 1 and 2 that is closed. A process
    /// started with its standard streams closed would otherwise hand those
    /// numbers to the first files it opens (the main log, the control
    /// socket), and everything written to "stderr" would land in them.
    public static func ensureOpen() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = Glibc.open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            // open returns the lowest free number: `fd` itself, as the lower ones are open.
            if null >= 0 && null != fd { _ = dup2(null, fd); _ = Glibc.close(null) }
        }
    }

    /// The daemon's stdout as it was inherited, if open.
    public static func standardOutput() -> InheritedStream? { inherited(1) }

    /// The daemon's stderr as it was inherited, if open.
    public static func standardError() -> InheritedStream? { inherited(2) }

    private static func inherited(_ fd: Int32) -> InheritedStream? {
        var st = Glibc.stat()
        guard Glibc.fstat(fd, &st) == 0 else { return nil }
        return InheritedStream(fd: fd, stat: st)
    }
}

/// An inherited standard stream (fd 1 or 2).
public struct InheritedStream {
    let fd: Int32
    let stat: Glibc.stat

    public var isRegularFile: Bool { stat.st_mode & S_IFMT == S_IFREG }

    /// Whether `descriptor` is open on the same file (device and inode).
    public func isSameFile(as descriptor: Int32) -> Bool {
        var other = Glibc.stat()
        guard descriptor >= 0, Glibc.fstat(descriptor, &other) == 0 else { return false }
        return other.st_dev == stat.st_dev && other.st_ino == stat.st_ino
    }

    /// A close-on-exec copy of the stream whose (shared) open file description
    /// is switched to O_APPEND: every write goes to the current end of the
    /// file, so lines written through it never overwrite what another writer
    /// of the same file (the shell's `>`, the main log) put there.
    public func appendingDescriptor() -> Int32 {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        guard copy >= 0 else { return -1 }
        let flags = fcntl(copy, F_GETFL)
        if flags >= 0 { _ = fcntl(copy, F_SETFL, flags | O_APPEND) }
        return copy
    }
}
