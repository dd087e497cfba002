// The two figures a `/metrics` scrape takes from each process's /proc files
// (docs/metrics.md), parsed in place from the bytes one read gave: no
// splitting into arrays, no strings, no allocation, so reading 1,000
// processes costs their syscalls and little else. The bytes come from
// another process's /proc entry and may be anything (a truncated read, a
// `comm` holding spaces and parentheses): every number is parsed with
// overflow checks and a field that runs into the end of the buffer is
// refused rather than read short.

public enum ProcStatFields {
    /// utime and stime, in clock ticks, from `/proc/PID/stat`.
    ///
    /// The line is `pid (comm) S ppid ...`; `comm` may hold spaces and `)`,
    /// so fields are counted after the last `)`. utime and stime are fields
    /// 14 and 15 of proc(5), the 12th and 13th after that parenthesis.
    public static func cpuTicks(stat: UnsafeBufferPointer<UInt8>) -> (user: UInt64, system: UInt64)? {
        guard var i = lastIndex(of: UInt8(ascii: ")"), in: stat) else { return nil }
        i += 1
        // Skip the 11 fields before utime: state, ppid, pgrp, session, tty_nr,
        // tpgid, flags, minflt, cminflt, majflt, cmajflt.
        for _ in 0..<11 {
            guard let next = skipField(stat, from: i) else { return nil }
            i = next
        }
        guard let (user, afterUser) = decimalField(stat, from: i),
              let (system, _) = decimalField(stat, from: afterUser) else { return nil }
        return (user, system)
    }

    /// The resident pages of `/proc/PID/statm` (`size resident shared ...`,
    /// its second field). statm's figure is exact; the `rss` field of
    /// /proc/PID/stat is the kernel's per-CPU approximation and differs from
    /// it by a few pages, so statm is read as before.
    public static func residentPages(statm: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard let afterSize = decimalField(statm, from: 0, leadingSpace: false)?.next,
              let (resident, _) = decimalField(statm, from: afterSize) else { return nil }
        return resident
    }

    // MARK: - Scanning

    private static func lastIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = buffer.count
        while i > 0 {
            i -= 1
            if buffer[i] == byte { return i }
        }
        return nil
    }

    /// `" field"` starting at `from`: the index after it, or nil when there
    /// is no space there or the field is empty or reaches the buffer's end.
    private static func skipField(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < b.count, b[from] == UInt8(ascii: " ") else { return nil }
        var i = from + 1
        let start = i
        while i < b.count, b[i] != UInt8(ascii: " "), b[i] != UInt8(ascii: "\n") { i += 1 }
        guard i > start, i < b.count else { return nil }
        return i
    }

    /// A decimal field (`" 123"`, or `"123"` without `leadingSpace`) at
    /// `from`: its value and the index after it. nil when it is not all
    /// digits, overflows UInt64, or reaches the end of the buffer (the read
    /// may have cut it).
    private static func decimalField(_ b: UnsafeBufferPointer<UInt8>, from: Int,
                                     leadingSpace: Bool = true) -> (value: UInt64, next: Int)? {
        var i = from
        if leadingSpace {
            guard i < b.count, b[i] == UInt8(ascii: " ") else { return nil }
            i += 1
        }
        let start = i
        var value: UInt64 = 0
        while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(b[i] &- UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
            i += 1
        }
        guard i > start, i < b.count, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\n") else { return nil }
        return (value, i)
    }
}
