import Glibc
import SwiftvisorCore

/// Local time conversion for status descriptions (supervisord uses
/// `time.localtime`, i.e. the daemon's TZ).
public enum LocalTime {
    /// `epochSeconds` broken down in the local time zone.
    public static func of(_ epochSeconds: Int) -> LocalDateTime {
        var t = time_t(epochSeconds)
        var tmv = tm()
        // localtime_r cannot fail for times in range; tzset keeps TZ changes honoured.
        tzset()
        _ = localtime_r(&t, &tmv)
        return LocalDateTime(year: Int(tmv.tm_year) + 1900, month: Int(tmv.tm_mon) + 1, day: Int(tmv.tm_mday),
                             hour: Int(tmv.tm_hour), minute: Int(tmv.tm_min))
    }
}
