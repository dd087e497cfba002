// The one place for raw syscalls. Every libc call made by swiftvisor goes
// through a wrapper here: EINTR is retried, -1 becomes a typed SystemError
// tagged with the call's name. (Modelled on swift-nio's NIOPosix/System.swift.)
import Glibc
import CSwiftvisor

/// A failed syscall: which call, and errno.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    public init(call: String, errno: Int32) { self.call = call; self.errno = errno }
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Run `body` until it does not fail with EINTR; turn -1 into SystemError.
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r == -1 {
            let e = Glibc.errno
            if e == EINTR { continue }
            precondition(e != EBADF && e != EFAULT, "\(name()) failed with \(e == EBADF ? "EBADF" : "EFAULT"): a bug in swiftvisor")
            throw SystemError(call: name(), errno: e)
        }
        return r
    }
}

// MARK: - Thin wrappers (one per call; everything else in SwiftvisorOS uses these)

/// The libc calls swiftvisor makes, each through `syscall`. Descriptors are
/// created O_CLOEXEC: nothing leaks into a child unless dup2'ed onto 0/1/2.
public enum Sys {
    /// pipe2(O_CLOEXEC | extra): (read end, write end).
    public static func pipe(flags: Int32 = 0) throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: (Int32, Int32) = (-1, -1)
        _ = try syscall("pipe2") {
            withUnsafeMutableBytes(of: &fds) { swv_pipe2($0.baseAddress!.assumingMemoryBound(to: Int32.self), O_CLOEXEC | flags) }
        }
        return (fds.0, fds.1)
    }

    /// fcntl(F_SETPIPE_SZ): ask for a pipe of `bytes` (the kernel rounds up
    /// to a power of two of pages, and refuses above
    /// /proc/sys/fs/pipe-max-size or the user's pipe page budget). Returns the
    /// capacity now, nil when refused: the pipe keeps its size then.
    public static func setPipeSize(_ fd: Int32, _ bytes: Int32) -> Int? {
        let r = swv_set_pipe_size(fd, bytes)
        return r < 0 ? nil : Int(r)
    }

    /// fcntl(F_GETPIPE_SZ): the pipe's capacity; nil when `fd` is no pipe.
    public static func pipeSize(_ fd: Int32) -> Int? {
        let r = swv_get_pipe_size(fd)
        return r < 0 ? nil : Int(r)
    }

    /// close(2). EINTR is not retried: on Linux the fd is gone either way.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// fcntl(F_DUPFD_CLOEXEC): a copy of `fd` numbered at least `minimum`.
    public static func dupCloexec(_ fd: Int32, minimum: Int32) throws(SystemError) -> Int32 {
        try syscall("fcntl(F_DUPFD_CLOEXEC)") { Glibc.fcntl(fd, F_DUPFD_CLOEXEC, minimum) }
    }

    /// Set O_NONBLOCK on `fd`.
    public static func setNonBlocking(_ fd: Int32) throws(SystemError) {
        let flags = try syscall("fcntl(F_GETFL)") { Glibc.fcntl(fd, F_GETFL) }
        _ = try syscall("fcntl(F_SETFL)") { Glibc.fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// read(2) into `buffer`; 0 is EOF. EAGAIN is thrown as a SystemError.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// write(2) once; returns the count written (may be short).
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        try syscall("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// open(2) with O_CLOEXEC always added.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o666) throws(SystemError) -> Int32 {
        try syscall("open(\(path))") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// fstat(2).
    public static func fstat(_ fd: Int32) throws(SystemError) -> Glibc.stat {
        var st = Glibc.stat()
        _ = try syscall("fstat") { Glibc.fstat(fd, &st) }
        return st
    }

    /// stat(2); nil when the path does not exist or cannot be reached.
    public static func statPath(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        // fstatat, because `stat(...)` in Swift names the struct, not the call.
        return fstatat(AT_FDCWD, path, &st, 0) == 0 ? st : nil
    }

    /// access(2) as a Bool.
    public static func access(_ path: String, _ mode: Int32) -> Bool {
        Glibc.access(path, mode) == 0
    }

    /// rename(2).
    public static func rename(_ from: String, _ to: String) throws(SystemError) {
        _ = try syscall("rename(\(from), \(to))") { Glibc.rename(from, to) }
    }

    /// unlink(2); a missing file is not an error.
    public static func unlinkIfPresent(_ path: String) throws(SystemError) {
        if Glibc.unlink(path) != 0 && errno != ENOENT {
            throw SystemError(call: "unlink(\(path))", errno: errno)
        }
    }

    /// lseek(2).
    public static func lseek(_ fd: Int32, _ offset: off_t, _ whence: Int32) throws(SystemError) -> off_t {
        try syscall("lseek") { Glibc.lseek(fd, offset, whence) }
    }

    /// pread(2).
    public static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: off_t) throws(SystemError) -> Int {
        try syscall("pread") { Glibc.pread(fd, buffer.baseAddress, buffer.count, offset) }
    }

    /// splice(2) from a pipe into a file at the file's own position, non-blocking
    /// on the pipe (EAGAIN when empty). The file must not be O_APPEND (EINVAL).
    public static func splice(from: Int32, to: Int32, count: Int) throws(SystemError) -> Int {
        try syscall("splice") { swv_splice(from, to, count) }
    }

    /// waitpid(2).
    public static func waitpid(_ pid: Int32, _ status: inout Int32, _ options: Int32) throws(SystemError) -> Int32 {
        try syscall("waitpid") { Glibc.waitpid(pid, &status, options) }
    }

    /// kill(2).
    public static func kill(_ pid: Int32, _ signal: Int32) throws(SystemError) {
        _ = try syscall("kill(\(pid), \(signal))") { Glibc.kill(pid, signal) }
    }

    /// clock_gettime(2) as seconds.
    /// CLOCK_REALTIME in whole microseconds (log line timestamps, `logs --since`).
    public static func wallMicros() -> Int64 {
        var ts = timespec()
        _ = clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000)
    }

    /// isatty(3).
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    public static func clock(_ id: clockid_t) -> Double {
        var ts = timespec()
        _ = clock_gettime(id, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1_000_000_000
    }

    /// epoll_ctl(EPOLL_CTL_DEL), errors ignored: removal is best-effort cleanup,
    /// and a caller that closed the fd first must not take the daemon down
    /// (closing already removed it from the interest list).
    public static func epollDelete(_ epfd: Int32, _ fd: Int32) {
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
    }

    /// pidfd_open(2) (Linux 5.3), CLOEXEC: a handle on one process that cannot be
    /// confused with a later process reusing the pid; readable once it exits.
    /// Race-free right after spawn: our unreaped child's pid cannot be reused.
    public static func pidfdOpen(_ pid: Int32) throws(SystemError) -> Int32 {
        try syscall("pidfd_open(\(pid))") { swv_pidfd_open(pid, 0) }
    }

    /// pidfd_send_signal(2) (Linux 5.1): signal exactly the process behind `pidfd`.
    public static func pidfdSendSignal(_ pidfd: Int32, _ signal: Int32) throws(SystemError) {
        _ = try syscall("pidfd_send_signal") { swv_pidfd_send_signal(pidfd, signal) }
    }

    /// sigprocmask(SIG_BLOCK) for `signals`: held pending until a signalfd
    /// (EventLoop.onSignals) reads them.
    public static func blockSignals(_ signals: [Int32]) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in signals { sigaddset(&mask, s) }
        _ = sigprocmask(SIG_BLOCK, &mask, nil)
    }

    /// getuid(2).
    public static func getuid() -> UInt32 { Glibc.getuid() }

    /// The process environment (`environ`), in its order; entries without `=` are skipped.
    public static func environment() -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var p = Glibc.environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                result.append((String(s[..<eq]), String(s[s.index(after: eq)...])))
            }
            p += 1
        }
        return result
    }

    /// getcwd(3), or "/" when it cannot be read (a removed directory).
    public static func workingDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard Glibc.getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// access(2) with F_OK: whether anything exists at `path`.
    public static func exists(_ path: String) -> Bool { Glibc.access(path, F_OK) == 0 }

    /// unlink(2), ignoring every error (a file already gone, a path we do not own).
    public static func unlinkQuietly(_ path: String) { _ = Glibc.unlink(path) }

    /// Ignore SIGPIPE: a write to a closed pipe or socket returns EPIPE instead of killing us.
    public static func ignoreSIGPIPE() { _ = Glibc.signal(SIGPIPE, SIG_IGN) }

    /// Gives the pages of freed heap memory back to the kernel (malloc_trim(0)):
    /// reading a large config leaves megabytes of the parser's garbage between
    /// the records that stay, which glibc would otherwise keep resident
    /// (docs/benchmarks.md, "Scale").
    public static func releaseFreeHeap() { _ = swv_malloc_trim() }

    /// write(2) of everything in `buffer` to `fd`, best effort (a terminal
    /// echo): retries EINTR and short writes, gives up on any other error.
    public static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && Glibc.errno == EINTR { continue }
            return
        }
    }

    /// exit(3).
    public static func exit(_ status: Int32) -> Never { Glibc.exit(status) }

    /// What a read(2) on a non-blocking descriptor found.
    public enum NonBlockingRead: Equatable {
        case data(Int)
        case eof
        /// Nothing there now (EAGAIN), or interrupted (EINTR): the loop comes back.
        case wouldBlock
        case failed(errno: Int32)
    }

    /// read(2) on a non-blocking descriptor, with errno read right here.
    public static func readNonBlocking(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> NonBlockingRead {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n > 0 { return .data(n) }
        if n == 0 { return .eof }
        let e = Glibc.errno
        return e == EAGAIN || e == EWOULDBLOCK || e == EINTR ? .wouldBlock : .failed(errno: e)
    }

    /// strerror(3): the errno's sentence ("No such process").
    public static func errorDescription(_ err: Int32) -> String { String(cString: strerror(err)) }

    /// The errno's symbolic name, as Python's errno.errorcode gives it ("ENOENT").
    public static func errnoName(_ err: Int32) -> String {
        if let p = swv_errno_name(err) { return String(cString: p) }
        return String(err)
    }
}
