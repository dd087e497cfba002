// The figure a `/metrics` scrape takes from each process's /proc/PID/statm
// (docs/metrics.md; CPU time comes from the process's CPU clock, with no
// file), parsed in place from the bytes one read gave: no splitting into
// arrays, no strings, no allocation, so reading 1,000 processes costs their
// syscalls and little else. The bytes come from another process's /proc
// entry and are treated as untrusted (a truncated read, a future format):
// every number is parsed with overflow checks and a field that runs into
// the end of the buffer is refused rather than read short.

public enum ProcStatFields {
    /// The resident pages of `/proc/PID/statm` (`size resident shared ...`,
    /// its second field). statm's figure is exact; the `rss` field of
    /// /proc/PID/stat is the kernel's per-CPU approximation (on a 2-CPU
    /// machine 10 % under statm's for a `sleep`; the error grows with the
    /// number of CPUs), so statm is the one read.
    public static func residentPages(statm: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard let afterSize = decimalField(statm, from: 0, leadingSpace: false)?.next,
              let (resident, _) = decimalField(statm, from: afterSize) else { return nil }
        return resident
    }

    // MARK: - Scanning

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
