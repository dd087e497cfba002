// Writing whole strings to fd 1 and fd 2, unbuffered, so error text and
// JSON are complete even if the process exits right after.
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
