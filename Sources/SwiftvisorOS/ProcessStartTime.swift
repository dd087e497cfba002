// A process's identity is its pid plus its start time (field 22 of
// /proc/<pid>/stat, clock ticks since boot): a pid is reused, the pair is not.
// Crash recovery uses it to tell a child left behind by a killed daemon from an
// unrelated process that was given the same pid since.
import Glibc

/// The fields of /proc/<pid>/stat that identify a process and its group.
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int32
    /// One letter: R, S, D, Z, T ...
    public var state: UInt8
    public var ppid: Int32
    public var processGroup: Int32
    /// Clock ticks after boot at which the process started (field 22).
    public var startTime: UInt64

    /// A stat record with the given fields (tests build them by hand).
    public init(pid: Int32, state: UInt8, ppid: Int32, processGroup: Int32, startTime: UInt64) {
        self.pid = pid; self.state = state; self.ppid = ppid; self.processGroup = processGroup; self.startTime = startTime
    }

    /// A zombie has exited: its parent (init, after a daemon crash) reaps it.
    public var hasExited: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }

    /// Parse the text of /proc/<pid>/stat. comm (field 2) may hold spaces and
    /// parentheses, so the fields are counted from the last ')'.
    public static func parse(_ bytes: some Collection<UInt8>) -> ProcessStat? {
        // Byte-level on purpose: this runs for every spawn (no Strings, no splits).
        let text = Array(bytes)
        guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var pid: Int64 = 0
        var sawDigit = false
        for b in text {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "(") { break }
            guard b >= 48 && b <= 57 else { return nil }
            pid = pid * 10 + Int64(b - 48)
            sawDigit = true
        }
        guard sawDigit, pid <= Int64(Int32.max) else { return nil }
        // Fields from 3 on: state ppid pgrp session tty_nr tpgid flags minflt
        // cminflt majflt cmajflt utime stime cutime cstime priority nice
        // num_threads itrealvalue starttime(22).
        var field = 2
        var values: [UInt64] = []  // fields 4, 5 and 22
        var state: UInt8 = 0
        var current: UInt64 = 0
        var inField = false
        var i = close + 1
        while i < text.count, field <= 22 {
            let b = text[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") {
                if inField {
                    if field == 4 || field == 5 || field == 22 { values.append(current) }
                    inField = false
                }
            } else {
                if !inField { field += 1; inField = true; current = 0 }
                if field == 3 { state = b } else if b >= 48 && b <= 57 { current = current &* 10 &+ UInt64(b - 48) } else if b != UInt8(ascii: "-") { return nil }
            }
            i += 1
        }
        if inField, field == 22 { values.append(current) }
        guard values.count == 3, state != 0 else { return nil }
        return ProcessStat(pid: Int32(pid), state: state, ppid: Int32(truncatingIfNeeded: values[0]),
                           processGroup: Int32(truncatingIfNeeded: values[1]), startTime: values[2])
    }
}

/// Reading processes' identities from /proc, and signalling the processes
/// (or groups) that crash recovery identified.
public enum ProcessStartTime {
    /// The start time of `pid`, or nil when there is no such process.
    public static func of(_ pid: Int32) -> UInt64? { stat(pid)?.startTime }

    /// Now, in the unit of field 22 (clock ticks since boot, CLOCK_BOOTTIME):
    /// read right after a fork it names the child's start time to within one
    /// tick, without touching /proc/<child> (whose dentries the kernel must
    /// then tear down when the child is reaped: measurable when 500 stop).
    public static func nowInTicks() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let hz = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        return UInt64(ts.tv_sec) * hz + UInt64(ts.tv_nsec) * hz / 1_000_000_000
    }

    /// /proc/<pid>/stat of `pid`, or nil when there is no such process.
    public static func stat(_ pid: Int32) -> ProcessStat? {
        guard let bytes = readStat("/proc/\(pid)/stat") else { return nil }
        return ProcessStat.parse(bytes)
    }

    /// Every process on the system (a snapshot; processes come and go meanwhile).
    public static func all() -> [ProcessStat] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var result: [ProcessStat] = []
        while let entry = readdir(dir) {
            let name = direntName(entry)
            guard let pid = Int32(name), let s = stat(pid) else { continue }
            result.append(s)
        }
        return result
    }

    /// Largest environment read from /proc/<pid>/environ (Linux caps the
    /// strings of an exec at a quarter of the stack limit; 16 MiB covers it).
    static let environmentLimit = 16 * 1024 * 1024

    /// Whether `pid`'s environment (as it was exec'd) holds exactly `entry`
    /// (`NAME=value`). Needs the right to read /proc/<pid>/environ: root has
    /// it for every process, including children running as another `user=`.
    /// False when it cannot be read: an unproven process is never signalled.
    public static func environment(of pid: Int32, contains entry: String) -> Bool {
        guard let fd = try? Sys.open("/proc/\(pid)/environ", O_RDONLY) else { return false }
        defer { Sys.close(fd) }
        // Entries are NUL-terminated: look for NUL + entry + NUL, with a NUL
        // assumed before the first entry.
        let needle = [0] + Array(entry.utf8) + [0]
        var window: [UInt8] = [0]
        var chunk = [UInt8](repeating: 0, count: 65536)
        var total = 0
        while total < environmentLimit {
            guard let n = try? chunk.withUnsafeMutableBytes({ (raw) throws(SystemError) -> Int in try Sys.read(fd, into: raw) }),
                  n > 0 else { break }
            total += n
            window.append(contentsOf: chunk[0..<n])
            if contains(window, needle) { return true }
            // Keep only a tail that could start a match across the chunk border.
            if window.count > needle.count { window.removeFirst(window.count - (needle.count - 1)) }
        }
        return false
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// Send `signal` to every process of group `pgid`. Returns errno, 0 on success
    /// (ESRCH: the group is empty).
    @discardableResult
    public static func signalGroup(_ pgid: Int32, _ signal: Int32) -> Int32 {
        guard pgid > 1 else { return EINVAL }  // never kill(0) or kill(-1): that is everyone
        do { try Sys.kill(-pgid, signal) } catch { return error.errno }
        return 0
    }

    /// Send `signal` to one process. Returns errno, 0 on success.
    @discardableResult
    public static func signalProcess(_ pid: Int32, _ signal: Int32) -> Int32 {
        guard pid > 1 else { return EINVAL }
        do { try Sys.kill(pid, signal) } catch { return error.errno }
        return 0
    }

    /// Sleep `seconds` (crash recovery polls for leftovers it cannot wait for:
    /// they are no longer our children).
    public static func pause(_ seconds: Double) {
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var rest = timespec()
        while nanosleep(&ts, &rest) == -1 && errno == EINTR { ts = rest }
    }

    private static func readStat(_ path: String) -> [UInt8]? {
        guard let fd = try? Sys.open(path, O_RDONLY) else { return nil }
        defer { Sys.close(fd) }
        // /proc/<pid>/stat is about 300 bytes; a comm of 15 bytes bounds it well under 1 KiB.
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = (try? buffer.withUnsafeMutableBytes { (raw) throws(SystemError) -> Int in try Sys.read(fd, into: raw) }) ?? 0
        return n > 0 ? Array(buffer[0..<n]) : nil
    }
}

/// Reading a whole small file through a descriptor (bounded).
public enum BoundedRead {
    /// Up to `limit` bytes of `fd` from its current position; nil when a read
    /// fails or the file is longer than `limit`.
    public static func all(_ fd: Int32, limit: Int) -> [UInt8]? {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            guard let n = try? chunk.withUnsafeMutableBytes({ (raw) throws(SystemError) -> Int in try Sys.read(fd, into: raw) }) else { return nil }
            if n == 0 { return result }
            guard result.count + n <= limit else { return nil }
            result.append(contentsOf: chunk[0..<n])
        }
    }
}
