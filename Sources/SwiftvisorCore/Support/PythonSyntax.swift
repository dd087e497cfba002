// The few Python built-ins whose exact behaviour supervisord's config reading
// inherits: str.strip()/isspace(), int(), and posixpath's dirname/normpath/
// expanduser. Written out so a value that Python accepts is accepted here and
// one it rejects is rejected here.

enum PythonSyntax {
    /// `str.isspace()` for one scalar (ASCII controls 0x09-0x0D and 0x1C-0x1F count).
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.strip()` with no argument. Walks the scalars in place and returns
    /// `s` itself when there is nothing to strip (the common case: a config of
    /// 10,000 programs strips about half a million values and keys).
    static func strip(_ s: String) -> String {
        let u = s.unicodeScalars
        var lo = u.startIndex, hi = u.endIndex
        while lo < hi, isSpace(u[lo]) { lo = u.index(after: lo) }
        while hi > lo {
            let before = u.index(before: hi)
            guard isSpace(u[before]) else { break }
            hi = before
        }
        if lo == u.startIndex && hi == u.endIndex { return s }
        return String(u[lo..<hi])
    }

    /// `str.lower()` for the ASCII range, which is all that config keywords use.
    static func lower(_ s: String) -> String { s.lowercased() }

    /// Python `int(s, radix)` for radix 10 or 8: surrounding whitespace, a sign,
    /// `_` between digits and (radix 8) an `0o` prefix are accepted. nil when
    /// Python would raise ValueError, or when the value does not fit in an Int.
    /// With `saturating`, a valid numeral beyond an Int gives Int.max/Int.min
    /// instead of nil (to tell "out of range" from "not a number").
    static func int(_ s: String, radix: Int = 10, saturating: Bool = false) -> Int? {
        var chars = Array(strip(s).unicodeScalars)
        guard !chars.isEmpty else { return nil }
        var negative = false
        if chars[0] == "+" || chars[0] == "-" {
            negative = chars[0] == "-"
            chars.removeFirst()
        }
        var allowLeadingUnderscore = false
        if radix == 8, chars.count >= 2, chars[0] == "0", chars[1] == "o" || chars[1] == "O" {
            chars.removeFirst(2)
            allowLeadingUnderscore = true  // int('0o_17', 8) is valid
        }
        guard !chars.isEmpty else { return nil }
        var value = 0
        var previousWasDigit = allowLeadingUnderscore
        for c in chars {
            if c == "_" {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
                continue
            }
            guard c.isASCII, let d = Int(String(c), radix: radix) else { return nil }
            // A negative number is built below zero, so Int.min itself
            // (-9223372036854775808, one past -Int.max) is read, not refused.
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (a, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 {
                guard saturating else { return nil }
                value = negative ? Int.min : Int.max
            } else {
                value = a
            }
            previousWasDigit = true
        }
        guard previousWasDigit else { return nil }  // trailing underscore
        return value
    }

    /// `posixpath.dirname`.
    static func dirname(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "" }
        let head = String(p[...slash])
        if head.allSatisfy({ $0 == "/" }) { return head }
        var h = Substring(head)
        while h.last == "/" { h.removeLast() }
        return String(h)
    }

    /// `posixpath.join(a, b)` for two parts.
    static func join(_ a: String, _ b: String) -> String {
        if b.hasPrefix("/") { return b }
        if a.isEmpty || a.hasSuffix("/") { return a + b }
        return a + "/" + b
    }

    /// `posixpath.normpath`.
    static func normpath(_ path: String) -> String {
        if path.isEmpty { return "." }
        var initialSlashes = path.hasPrefix("/") ? 1 : 0
        // POSIX leaves the meaning of exactly two leading slashes to the implementation.
        if path.hasPrefix("//") && !path.hasPrefix("///") { initialSlashes = 2 }
        var parts: [Substring] = []
        for comp in path.split(separator: "/", omittingEmptySubsequences: false) {
            if comp.isEmpty || comp == "." { continue }
            if comp != ".." || (initialSlashes == 0 && parts.isEmpty) || parts.last == ".." {
                parts.append(comp)
            } else if !parts.isEmpty {
                parts.removeLast()
            }
        }
        let joined = parts.joined(separator: "/")
        let result = String(repeating: "/", count: initialSlashes) + joined
        return result.isEmpty ? "." : result
    }

    /// `os.path.abspath`: joined to `cwd` when relative, then normalized.
    static func abspath(_ p: String, cwd: String) -> String {
        normpath(p.hasPrefix("/") ? p : join(cwd, p))
    }

    /// `os.path.expanduser`: `~` is $HOME (else the current user's home), `~name`
    /// that account's home; an unknown account leaves the path unchanged.
    static func expanduser(_ path: String, host: ConfigHost) -> String {
        guard path.hasPrefix("~") else { return path }
        let rest = path.dropFirst()
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let name = String(rest[..<slash])
        var home: String
        if name.isEmpty {
            if let h = host.environment["HOME"] {
                home = h
            } else if let u = host.user(uid: host.currentUID) {
                home = u.home
            } else {
                return path
            }
        } else {
            guard let u = host.user(named: name) else { return path }
            home = u.home
        }
        while home.hasSuffix("/") { home.removeLast() }
        let result = home + rest[slash...]
        return result.isEmpty ? "/" : result
    }

    /// `repr()` of a str, as Python prints it in error messages.
    static func repr(_ s: String) -> String { pythonRepr(s) }
}
