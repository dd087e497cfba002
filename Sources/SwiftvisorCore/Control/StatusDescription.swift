// The description column of `status` (rpcinterface.py _interpretProcessInfo),
// computed by the daemon, which owns the clock and the local time zone.

/// A broken-down local time, as `localtime_r` gives it (the OS layer fills it).
public struct LocalDateTime: Sendable, Equatable {
    public var year: Int
    /// 1...12
    public var month: Int
    /// 1...31
    public var day: Int
    /// 0...23
    public var hour: Int
    /// 0...59
    public var minute: Int
    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute
    }
}

public enum StatusDescription {
    /// The description for a process in `state` (supervisord state code):
    /// RUNNING `pid 42, uptime 0:00:05`; FATAL/BACKOFF the spawn error or
    /// `unknown error (try "tail NAME")`; STOPPED/EXITED the stop time
    /// (`Nov 22 11:50 AM`) or `Not started`; otherwise empty.
    /// `stopLocal` is `stop` in local time (only read for STOPPED/EXITED).
    public static func describe(state: Int, name: String, pid: Int, start: Int, stop: Int, now: Int,
                                spawnerr: String, stopLocal: LocalDateTime?) -> String {
        switch state {
        case 20:
            return "pid \(pid), uptime \(uptime(now - start))"
        case 200, 30:
            return spawnerr.isEmpty ? "unknown error (try \"tail \(name)\")" : spawnerr
        case 0, 100:
            guard start != 0 else { return "Not started" }
            guard let stopLocal else { return "" }
            return stopTime(stopLocal)
        default:
            return ""
        }
    }

    /// Python's `str(timedelta(seconds=s))` for whole seconds: `H:MM:SS`,
    /// `1 day, H:MM:SS`, `N days, H:MM:SS`. Negative (clock set back) is 0.
    public static func uptime(_ seconds: Int) -> String {
        let s = max(0, seconds)
        let days = s / 86_400
        let rest = s % 86_400
        let hms = "\(rest / 3600):\(twoDigits(rest % 3600 / 60)):\(twoDigits(rest % 60))"
        if days == 0 { return hms }
        return "\(days) day\(days == 1 ? "" : "s"), \(hms)"
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// strftime('%b %d %I:%M %p') in the C locale: `Nov 22 11:50 AM`.
    public static func stopTime(_ t: LocalDateTime) -> String {
        let month = monthNames[max(1, min(12, t.month)) - 1]
        let hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12
        return "\(month) \(twoDigits(t.day)) \(twoDigits(hour12)):\(twoDigits(t.minute)) \(t.hour < 12 ? "AM" : "PM")"
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
