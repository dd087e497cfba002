// Reading /proc: the children of a process (adopted orphans at shutdown).
import Glibc

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

    private static let clockTicks: Double = { let t = sysconf(Int32(_SC_CLK_TCK)); return t > 0 ? Double(t) : 100 }()
    private static let pageSize: Int = { let s = sysconf(Int32(_SC_PAGESIZE)); return s > 0 ? s : 4096 }()

    /// nil when the process is gone.
    public static func usage(of pid: Int32) -> Usage? {
        guard pid > 0, let stat = readSmallFile("/proc/\(pid)/stat"), let statm = readSmallFile("/proc/\(pid)/statm") else { return nil }
        // `pid (comm) S ppid ...`: utime and stime are fields 14 and 15, the
        // 12th and 13th after comm's closing parenthesis (proc(5)).
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 12,
              let utime = UInt64(String(decoding: fields[11], as: UTF8.self)),
              let stime = UInt64(String(decoding: fields[12], as: UTF8.self)) else { return nil }
        let pages = statm.split(separator: UInt8(ascii: " "))
        guard pages.count > 1, let resident = Int(String(decoding: pages[1], as: UTF8.self)) else { return nil }
        let rss = resident.multipliedReportingOverflow(by: pageSize)
        return Usage(cpuSeconds: (Double(utime) + Double(stime)) / clockTicks,
                     residentBytes: rss.overflow ? Int.max : rss.partialValue,
                     openFDs: descriptorCount("/proc/\(pid)/fd"))
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
