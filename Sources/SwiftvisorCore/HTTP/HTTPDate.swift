// The `Date` header: RFC 1123 in GMT, as medusa's http_date.build_http_date
// writes it (`%a, %d %b %Y %H:%M:%S GMT`). Pure: the caller passes the time.

/// RFC 1123 dates for response headers.
public enum HTTPDate {
    /// `Sun, 06 Dec 2026 18:15:26 GMT` for seconds since the epoch.
    public static func format(epochSeconds: Int64) -> String {
        let (days, secs) = epochSeconds.floorDivided(by: 86400)
        let (y, m, d) = civil(fromDays: days)
        // 1970-01-01 was a Thursday.
        let (_, weekday) = (days + 4).floorDivided(by: 7)
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(names[Int(weekday)]), \(two(d)) \(months[Int(m) - 1]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
    /// Years are bounded by Int64 seconds, so nothing here can overflow.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

extension Int64 {
    /// Floor division and its non-negative remainder, for a positive divisor.
    func floorDivided(by d: Int64) -> (Int64, Int64) {
        let q = self / d, r = self % d
        return r < 0 ? (q - 1, r + d) : (q, r)
    }
}
