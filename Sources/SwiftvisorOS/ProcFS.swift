// Reading /proc: the children of a process (adopted orphans at shutdown).
import Glibc
import SwiftvisorCore

public enum ProcFS {
    /// Pids whose parent is `ppid`.
    public static func children(of ppid: Int32) -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var result: [Int32] = []
        while let entry = readdir(dir) {
            let name = direntName(entry)
            guard let pid = Int32(name), let stat = readSmallFile("/proc/\(name)/stat") else { continue }
            // `pid (comm) S ppid ...`: comm may hold spaces and parentheses, so split after the last ')'.
            guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { continue }
            let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
            if fields.count > 1, Int32(String(decoding: fields[1], as: UTF8.self)) == ppid { result.append(pid) }
        }
        return result
    }

    /// This process's open descriptors, from /proc/self/fd.
    public static func openDescriptors() -> [Int32] {
        guard let dir = opendir("/proc/self/fd") else { return [] }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var result: [Int32] = []
        while let entry = readdir(dir) {
            let name = direntName(entry)
            if let fd = Int32(name), fd != own { result.append(fd) }
        }
        return result
    }

    /// Number of open descriptors of this process.
    public static func openDescriptorCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var n = 0
        while readdir(dir) != nil { n += 1 }
        return n - 3  // ".", "..", and the directory stream's own descriptor
    }

    /// CPU time, resident memory and open descriptors of one process, read
    /// from /proc only when asked (a `/metrics` scrape, docs/metrics.md).
    public struct Usage: Sendable, Equatable {
        public var cpuSeconds: Double
        public var residentBytes: Int
        /// nil when /proc/PID/fd cannot be read (another user's process).
        public var openFDs: Int?
    }

    private static let pageSize: Int = { let s = sysconf(Int32(_SC_PAGESIZE)); return s > 0 ? s : 4096 }()

    /// nil when the process is gone.
    ///
    /// A scrape reads this for every process with a pid (through
    /// `ProcUsageReader`, which keeps statm open between scrapes), so it
    /// costs only its syscalls: the CPU time is one `clock_gettime` of the
    /// process's CPU clock (`cpuSeconds`), the resident pages one read of
    /// /proc/PID/statm into a buffer on the stack (path built in place, no
    /// String, no array), and the descriptors one stat of /proc/PID/fd
    /// (`descriptorCount`).
    public static func usage(of pid: Int32) -> Usage? {
        guard pid > 0 else { return nil }
        return withStatmBuffer { buffer in
            guard let count = readProcFile(pid, "statm", into: buffer) else { return nil }
            return usage(of: pid, statm: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// A buffer on the stack (always the stack at this size, never malloc,
    /// so the reader's helper thread never allocates) for a statm line:
    /// seven numbers of at most 20 digits.
    static func withStatmBuffer<R>(_ body: (UnsafeMutableRawBufferPointer) -> R?) -> R? {
        withUnsafeTemporaryAllocation(byteCount: 256, alignment: 1) { body($0) }
    }

    /// The usage of `pid` given its statm line: CPU time and descriptors
    /// read now; nil when the process is gone or the line is not statm's.
    static func usage(of pid: Int32, statm: UnsafeRawBufferPointer) -> Usage? {
        guard let resident = ProcStatFields.residentPages(statm: statm.assumingMemoryBound(to: UInt8.self)),
              let cpu = cpuSeconds(pid) else { return nil }
        let rss = Int(clamping: resident).multipliedReportingOverflow(by: pageSize)
        return Usage(cpuSeconds: cpu, residentBytes: rss.overflow ? Int.max : rss.partialValue,
                     openFDs: descriptorCount(pid))
    }

    /// The CPU time (user and system, all threads, reaped threads included)
    /// of process `pid`: its process CPU clock, as clock_getcpuclockid(3)
    /// names it, read with one clock_gettime. The same sum /proc/PID/stat
    /// gives as utime + stime, in nanoseconds instead of clock ticks, without
    /// opening a file. The clock id is the kernel's encoding for a process
    /// clock of the scheduler's runtime, `(~pid << 3) | 2`
    /// (CPUCLOCK_SCHED); glibc's clock_getcpuclockid computes the same and
    /// adds a clock_getres call to check the process exists, which the read
    /// itself does here. nil when the process is gone.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        // PID_MAX_LIMIT (2^22) bounds every real pid, so the shift below
        // never drops a bit and no number names another process's clock.
        guard pid > 0, pid <= 0x40_0000 else { return nil }
        let clock = clockid_t((~pid) << 3 | 2)
        var t = timespec()
        guard clock_gettime(clock, &t) == 0 else { return nil }
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// /proc/PID/statm opened read-only and close-on-exec, -1 when the
    /// process is gone.
    static func openStatm(_ pid: Int32) -> Int32 {
        withProcPath(pid, "statm") { Glibc.open($0, O_RDONLY | O_CLOEXEC) } ?? -1
    }

    /// Open descriptors of `pid`, nil when they cannot be counted. Since
    /// Linux 6.2 the size of a /proc/PID/fd directory is its number of open
    /// descriptors (one stat); an older kernel reports 0 there, and then
    /// (or for a process that really has none) the directory is walked.
    static func descriptorCount(_ pid: Int32) -> Int? {
        guard let size = withProcPath(pid, "fd", { (path) -> Int? in
            var st = Glibc.stat()
            guard fstatat(AT_FDCWD, path, &st, 0) == 0 else { return nil }
            return Int(exactly: st.st_size)
        }) else { return nil }
        if size > 0 { return size }
        return descriptorCount("/proc/\(pid)/fd")
    }

    /// One read of /proc/PID/`name` into `buffer`: the byte count, nil when
    /// the file cannot be opened or is empty (the process is gone). One read
    /// is enough: the kernel produces these files whole on the first read,
    /// and the parser refuses a field cut off by the buffer's end.
    private static func readProcFile(_ pid: Int32, _ name: StaticString, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        withProcPath(pid, name) { (path) -> Int? in
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { _ = Glibc.close(fd) }
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            return n > 0 ? n : nil
        }
    }

    /// `/proc/<pid>/<name>` as a C string on the stack.
    private static func withProcPath<R>(_ pid: Int32, _ name: StaticString, _ body: (UnsafePointer<CChar>) -> R?) -> R? {
        // "/proc/" + at most 10 digits + "/" + the name + NUL.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 18 + name.utf8CodeUnitCount) { path in
            var i = 0
            func put(_ byte: UInt8) { path[i] = CChar(bitPattern: byte); i += 1 }
            for b in "/proc/".utf8 { put(b) }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var v = UInt32(clamping: pid)
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[count] = UInt8(truncatingIfNeeded: v % 10) + UInt8(ascii: "0")
                    count += 1
                    v /= 10
                } while v > 0 && count < d.count
                while count > 0 { count -= 1; put(d[count]) }
            }
            put(UInt8(ascii: "/"))
            name.withUTF8Buffer { for b in $0 { put(b) } }
            put(0)
            return path.baseAddress.flatMap { body($0) }
        }
    }

    /// Entries of a /proc fd directory, nil when it cannot be opened.
    static func descriptorCount(_ path: String) -> Int? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            if entry.pointee.d_type != UInt8(DT_DIR) { n += 1 }
        }
        return n
    }

    static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : nil
    }
}

/// The name of a `readdir` entry, read in place. Never `entry.pointee.d_name`:
/// that copies the whole 256-byte array, but the kernel packs entries to their
/// name's length (`d_reclen`), so the copy reads past the last entry of the
/// directory buffer and crashed the daemon (SIGSEGV in memmove) when that
/// buffer ended at the top of the heap.
public func direntName(_ entry: UnsafeMutablePointer<dirent>) -> String {
    let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
    return String(cString: UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self))
}
