// The line timestamps of `stdout_logfile_timestamps` / `stderr_logfile_timestamps`
// (docs/configuration.md): ISO 8601 in UTC with microseconds and a space,
// `2026-12-06T21:31:33.123456Z `, fixed width so a reader finds it without
// searching and the daemon writes it without formatting more than the
// fraction within one second. Pure: the time is passed in.

public enum LogTimestamp {
    /// Bytes of a prefix, its trailing space included.
    public static let width = 28

    /// The prefix for `micros` microseconds since the epoch (UTC). Times
    /// before the epoch or after year 9999 are clamped into that range.
    public static func format(micros: Int64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width)
        format(micros: micros, into: &out)
        return out
    }

    /// Write the prefix into `out[0..<width]` (`out` must hold `width` bytes).
    public static func format(micros: Int64, into out: inout [UInt8]) {
        let clamped = min(max(micros, 0), 253_402_300_799_999_999)  // 9999-12-31T23:59:59.999999
        let seconds = clamped / 1_000_000
        writeSeconds(seconds, into: &out)
        writeFraction(Int(clamped % 1_000_000), into: &out)
    }

    /// Only the `YYYY-MM-DDTHH:MM:SS` part (bytes 0..<19), for a writer that
    /// caches it for the current second.
    public static func writeSeconds(_ seconds: Int64, into out: inout [UInt8]) {
        let days = seconds / 86_400
        let rest = Int(seconds % 86_400)
        let (y, m, d) = HTTPDate.civil(fromDays: days)
        put(Int(y), 4, at: 0, &out); out[4] = 0x2D
        put(Int(m), 2, at: 5, &out); out[7] = 0x2D
        put(Int(d), 2, at: 8, &out); out[10] = 0x54  // T
        put(rest / 3600, 2, at: 11, &out); out[13] = 0x3A
        put(rest / 60 % 60, 2, at: 14, &out); out[16] = 0x3A
        put(rest % 60, 2, at: 17, &out)
    }

    /// The `.ffffffZ ` part (bytes 19..<28).
    public static func writeFraction(_ micros: Int, into out: inout [UInt8]) {
        out[19] = 0x2E
        put(micros, 6, at: 20, &out)
        out[26] = 0x5A  // Z
        out[27] = 0x20
    }

    /// The time of a line that starts with a prefix, nil when it does not.
    public static func parse<C: Collection>(_ line: C) -> Int64? where C.Element == UInt8, C.Index == Int {
        guard line.count >= width else { return nil }
        let b = line.startIndex
        func digits(_ at: Int, _ n: Int) -> Int? {
            var v = 0
            for i in at..<(at + n) {
                let c = line[b + i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard line[b + 4] == 0x2D, line[b + 7] == 0x2D, line[b + 10] == 0x54, line[b + 13] == 0x3A,
              line[b + 16] == 0x3A, line[b + 19] == 0x2E, line[b + 26] == 0x5A, line[b + 27] == 0x20,
              let y = digits(0, 4), let mo = digits(5, 2), let d = digits(8, 2), let h = digits(11, 2),
              let mi = digits(14, 2), let s = digits(17, 2), let f = digits(20, 6),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        let days = daysFromCivil(year: y, month: mo, day: d)
        return (days * 86_400 + Int64(h * 3600 + mi * 60 + s)) * 1_000_000 + Int64(f)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
    /// days_from_civil). Years 0...9999 only, so nothing overflows.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func put(_ value: Int, _ width: Int, at start: Int, _ out: inout [UInt8]) {
        var v = value
        var i = start + width - 1
        while i >= start {
            out[i] = UInt8(0x30 + v % 10)
            v /= 10
            i -= 1
        }
    }
}

/// Puts a timestamp before each line of a stream of chunks: a line gets the
/// time of the chunk its first byte arrived in, once, even when its rest
/// arrives later (a partial line is stamped when it starts, never inside).
public struct LineStamper {
    /// Whether the next byte starts a line.
    public private(set) var atLineStart = true
    private var prefix = [UInt8](repeating: 0, count: LogTimestamp.width)
    private var second: Int64 = -1

    public init() {}

    /// `bytes` with a prefix of `micros` before every line that starts in them.
    public mutating func stamp(_ bytes: UnsafeRawBufferPointer, micros: Int64, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        guard !bytes.isEmpty else { return }
        let clamped = min(max(micros, 0), 253_402_300_799_999_999)
        // The date and time of day change once a second: format them then only.
        if clamped / 1_000_000 != second {
            second = clamped / 1_000_000
            LogTimestamp.writeSeconds(second, into: &prefix)
        }
        LogTimestamp.writeFraction(Int(clamped % 1_000_000), into: &prefix)
        var start = 0
        while start < bytes.count {
            if atLineStart { out += prefix }
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            if end < bytes.count {
                out += UnsafeRawBufferPointer(rebasing: bytes[start...end])
                atLineStart = true
                start = end + 1
            } else {
                out += UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                atLineStart = false
                start = end
            }
        }
    }
}
