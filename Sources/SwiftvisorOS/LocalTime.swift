// Local-time formatting for log lines and status stop times. localtime_r reads
// the TZ database, so it lives in the OS layer; the format strings are
// supervisord's, byte for byte, because operators grep for them.
import Glibc

public enum LocalTime {
    /// `2026-11-22 10:00:00,123`: Python logging's asctime with milliseconds.
    public static func logTimestamp(wall: Double) -> String {
        let secs = wall.rounded(.down)
        var millis = Int(((wall - secs) * 1000).rounded(.down))
        if millis > 999 { millis = 999 }
        var tm = brokenDown(secs)
        return "\(format(&tm, "%Y-%m-%d %H:%M:%S")),\(pad3(millis))"
    }

    /// `Nov 22 11:50 AM`: the stop time supervisorctl shows for STOPPED/EXITED.
    public static func stopTime(wall: Double) -> String {
        var tm = brokenDown(wall.rounded(.down))
        return format(&tm, "%b %d %I:%M %p")
    }

    /// The local zone's offset from UTC, in seconds, at epoch second `t`
    /// (`tm_gmtoff`), for times written without a zone.
    public static func utcOffset(at t: Int64) -> Int {
        Int(brokenDown(Double(t)).tm_gmtoff)
    }

    private static func brokenDown(_ secs: Double) -> tm {
        var t = time_t(secs)
        var result = tm()
        localtime_r(&t, &result)
        return result
    }

    private static func format(_ tm: inout tm, _ pattern: String) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, pattern, &tm)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func pad3(_ n: Int) -> String {
        n < 10 ? "00\(n)" : n < 100 ? "0\(n)" : "\(n)"
    }
}
