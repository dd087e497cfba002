// `%(name)s` expansion: the subset of Python's `str % dict` that supervisord
// config values can use. A format Python rejects is rejected here; a name
// that is not available in this place is an error that lists what is.

/// A value that can be substituted: supervisord's expansions are strings or ints.
public enum ExpansionValue: Sendable, Equatable {
    case string(String)
    case int(Int)
}

public enum Expansion {
    /// Expand `value % names` as Python does.
    public static func expand(_ value: String, names: [String: ExpansionValue]) throws(ValueError) -> String {
        let s = Array(value.unicodeScalars)
        var out = String.UnicodeScalarView()
        var produced = 0
        var i = 0
        func tooLong() -> ValueError {
            ValueError("\(ValueTypes.quoted(value)) expands to more than \(ConfigLimits.expandedValue) characters, the limit for one value",
                       hint: "shorten the value or the names it inserts")
        }
        func bad(_ why: String) -> ValueError {
            ValueError("\"\(value)\" is badly formatted: \(why)",
                       hint: "write %(name)s to insert a value and %% for a literal percent sign")
        }
        while i < s.count {
            let c = s[i]
            i += 1
            if c != "%" { out.append(c); produced += 1; continue }
            guard i < s.count else { throw bad("a lone '%' at the end") }
            var key: String? = nil
            if s[i] == "(" {
                // Python allows nested parentheses inside the key.
                var depth = 1
                var j = i + 1
                while j < s.count, depth > 0 {
                    if s[j] == "(" { depth += 1 } else if s[j] == ")" { depth -= 1 }
                    j += 1
                }
                guard depth == 0 else { throw bad("'%(' without a closing ')'") }
                var k = String.UnicodeScalarView()
                k.append(contentsOf: s[(i + 1)..<(j - 1)])
                key = String(k)
                i = j
                guard names[key!] != nil else {
                    let shown = names.keys.filter { !$0.hasPrefix("ENV_") }.sorted() + ["ENV_<variable>"]
                    throw ValueError("\"\(value)\" uses %(\(key!)), which cannot be expanded here",
                                     hint: "available names: \(shown.joined(separator: ", ")); write %% for a literal percent sign")
                }
            }
            var flags = Set<Unicode.Scalar>()
            while i < s.count, "-+ #0".unicodeScalars.contains(s[i]) { flags.insert(s[i]); i += 1 }
            // Digits are read as text and converted with a bound, never
            // accumulated: `%(here)99999999999999999999s` must not overflow, and
            // `%(here)2000000000s` must not build a 2 GB string.
            func number(_ what: String) throws(ValueError) -> Int {
                var digits = ""
                while i < s.count, ("0"..."9").contains(s[i]) { digits.unicodeScalars.append(s[i]); i += 1 }
                if digits.isEmpty { return 0 }
                let trimmed = digits.drop { $0 == "0" }
                guard trimmed.count <= 5, let n = Int(trimmed.isEmpty ? "0" : String(trimmed)), n <= ConfigLimits.formatWidth else {
                    throw ValueError("\(ValueTypes.quoted(value)) asks for a \(what) of \(digits), above the limit of \(ConfigLimits.formatWidth)",
                                     hint: "use a \(what) of at most \(ConfigLimits.formatWidth), e.g. %(process_num)02d")
                }
                return n
            }
            let width = try number("width")
            if i < s.count, s[i] == "*" { throw bad("'*' width needs positional arguments") }
            var precision: Int? = nil
            if i < s.count, s[i] == "." {
                i += 1
                precision = try number("precision")
                if i < s.count, s[i] == "*" { throw bad("'*' precision needs positional arguments") }
            }
            while i < s.count, "hlL".unicodeScalars.contains(s[i]) { i += 1 }
            guard i < s.count else { throw bad("the format after '%' is incomplete") }
            let conv = s[i]
            i += 1
            if conv == "%" { out.append("%"); produced += 1; continue }
            guard "sradiuxXoeEfFgGc".unicodeScalars.contains(conv) else {
                throw bad("'%\(conv)' is not a format (after a '%' comes (name) and a conversion such as s or d)")
            }
            guard let key, let v = names[key] else {
                throw bad("'%\(conv)' has no (name); only %(name)\(conv) works here")
            }
            var text: String
            var numeric = false
            switch conv {
            case "s", "r", "a":
                switch v {
                case .string(let str): text = conv == "s" ? str : PythonSyntax.repr(str)
                case .int(let n): text = String(n)
                }
                if let precision { text = String(text.prefix(precision)) }
            case "d", "i", "u", "x", "X", "o":
                guard case .int(let n) = v else {
                    throw bad("%(\(key))\(conv) needs a number but \(key) is text; use %(\(key))s")
                }
                numeric = true
                let radix = (conv == "x" || conv == "X") ? 16 : (conv == "o" ? 8 : 10)
                var digits = String(n.magnitude, radix: radix, uppercase: conv == "X")
                if let precision, digits.count < precision {
                    digits = String(repeating: "0", count: precision - digits.count) + digits
                }
                if flags.contains("#") && radix != 10 { digits = (radix == 16 ? (conv == "X" ? "0X" : "0x") : "0o") + digits }
                let sign = n < 0 ? "-" : (flags.contains("+") ? "+" : (flags.contains(" ") ? " " : ""))
                text = sign + digits
            default:
                throw bad("'%\(conv)' is not supported; use %(\(key))s or %(\(key))d")
            }
            if text.count < width {
                let pad = width - text.count
                if flags.contains("-") {
                    text += String(repeating: " ", count: pad)
                } else if flags.contains("0") && numeric {
                    // Zeros go after the sign and any 0x prefix.
                    let signLen = text.first.map { "+- ".contains($0) } == true ? 1 : 0
                    let prefixLen = (text.dropFirst(signLen).hasPrefix("0x") || text.dropFirst(signLen).hasPrefix("0X") || text.dropFirst(signLen).hasPrefix("0o")) ? 2 : 0
                    let head = text.prefix(signLen + prefixLen)
                    text = head + String(repeating: "0", count: pad) + text.dropFirst(signLen + prefixLen)
                } else {
                    text = String(repeating: " ", count: pad) + text
                }
            }
            out.append(contentsOf: text.unicodeScalars)
            produced += text.unicodeScalars.count
            // Only a format can make the value grow beyond its source text.
            guard produced <= ConfigLimits.expandedValue else { throw tooLong() }
        }
        guard produced <= ConfigLimits.expandedValue else { throw tooLong() }
        return String(out)
    }
}
