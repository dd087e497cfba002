// The web page's inputs: query strings and form bodies
// (application/x-www-form-urlencoded), cookies, and the escaping of what the
// page writes back (HTML text and attributes, URL components, JSON strings).

public enum WebForm {
    /// `a=1&b=x+y%21` → [("a","1"), ("b","x y!")]. `+` is a space; a bad
    /// `%` escape is kept as written (Python's `unquote_plus` does the same).
    public static func parse(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return (unquote(pair[..<eq]), unquote(pair[pair.index(after: eq)...]))
            }
            return (unquote(pair), "")
        }
    }

    /// supervisord's form: query fields, then body fields over them (web.py
    /// `DeferredWebProducer`: `form.update(body)`); the first of repeated names wins in each.
    public static func fields(query: Substring, body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in parse(query) where out[k] == nil { out[k] = v }
        var fromBody: [String: String] = [:]
        for (k, v) in parse(Substring(String(decoding: body, as: UTF8.self))) where fromBody[k] == nil { fromBody[k] = v }
        out.merge(fromBody) { _, new in new }
        return out
    }

    static func unquote(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), it.count >= 2, let h = hex(it[it.startIndex]), let l = hex(it[it.startIndex + 1]) {
                bytes.append(h << 4 | l)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encoding as Python's `urllib.quote` (safe: letters, digits,
    /// `_.-~` and `/`), which supervisord applies to names and messages.
    public static func quote(_ s: String, safe: String = "/") -> String {
        let safeBytes = Set(safe.utf8)
        var out = ""
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "~")
                || safeBytes.contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [digits[Int(b >> 4)], digits[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// Text or an attribute value in HTML.
    public static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// The value of cookie `name` in a Cookie header.
    public static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let p = part.drop { $0 == " " }
            if let eq = p.firstIndex(of: "="), p[..<eq] == name { return String(p[p.index(after: eq)...]) }
        }
        return nil
    }

    /// `Sun Dec  6 22:39:00 2026`: Python's `time.ctime()`, which supervisord
    /// puts in its messages; in UTC here (the worker has no time zone).
    public static func ctime(epochSeconds: Int64) -> String {
        let (days, secs) = epochSeconds.floorDivided(by: 86400)
        let (y, m, d) = HTTPDate.civil(fromDays: days)
        let (_, weekday) = (days + 4).floorDivided(by: 7)
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = d < 10 ? " \(d)" : "\(d)"
        return "\(names[Int(weekday)]) \(months[Int(m) - 1]) \(day) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) \(y)"
    }
}
