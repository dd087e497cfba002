// `environment=KEY=val,KEY2="a b"`: supervisord's dict_of_key_value_pairs.
// Supervisor HEAD tokenizes with Python's shlex in POSIX mode (quotes removed,
// `\"` and `\\` escapes inside double quotes); 4.3.0 used legacy mode and
// stripped quote characters from both ends. For the configs people write both
// agree; we follow HEAD (reference §0.2). The separator between pairs is not
// checked (`A=1;B=2` parses), exactly as supervisord.

enum EnvironmentSyntax {
    /// Parse `environment=` into pairs in first-seen key order (a repeated key keeps
    /// its first position and takes the last value, like a Python dict).
    static func parse(_ s: String) throws(ValueError) -> [EnvironmentVariable] {
        var lexer = POSIXShlex(s)
        var tokens: [String] = []
        while let t = try lexer.nextToken() { tokens.append(t) }
        var result: [EnvironmentVariable] = []
        var index: [String: Int] = [:]
        var i = 0
        while i < tokens.count {
            guard i + 2 < tokens.count, tokens[i + 1] == "=" else {
                throw ValueError("\"\(s)\" is not a list of KEY=value pairs (it ends early or lacks an '=')",
                                 hint: "write KEY=value pairs separated by commas and quote values with other characters than letters, digits and _/.+-():, e.g. environment=A=\"1 2\",B=x")
            }
            let key = tokens[i], value = tokens[i + 2]
            if let at = index[key] {
                result[at].value = value
            } else {
                index[key] = result.count
                result.append(EnvironmentVariable(key: key, value: value))
            }
            i += 4  // three tokens, then one separator token whose value is ignored
        }
        return result
    }
}

/// Python `shlex.shlex(s, posix=True)` with supervisord's extra word characters.
struct POSIXShlex {
    private let chars: [Unicode.Scalar]
    private var pos = 0
    private var state: Unicode.Scalar? = " "   // nil: end of input
    private var pushback: [String] = []

    private static let wordchars: Set<Unicode.Scalar> = {
        var s = Set("abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".unicodeScalars)
        s.formUnion("ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ".unicodeScalars)
        s.formUnion("/.+-():".unicodeScalars)
        return s
    }()
    private static let whitespace: Set<Unicode.Scalar> = [" ", "\t", "\r", "\n"]
    private static let quotes: Set<Unicode.Scalar> = ["'", "\""]

    init(_ s: String) { chars = Array(s.unicodeScalars) }

    private mutating func read() -> Unicode.Scalar? {
        guard pos < chars.count else { return nil }
        defer { pos += 1 }
        return chars[pos]
    }

    /// shlex skips a comment to the end of its line.
    private mutating func skipLine() {
        while let c = read(), c != "\n" {}
    }

    mutating func nextToken() throws(ValueError) -> String? {
        if !pushback.isEmpty { return pushback.removeFirst() }
        return try readToken()
    }

    private mutating func readToken() throws(ValueError) -> String? {
        var quoted = false
        var escapedState: Unicode.Scalar = " "
        var token = ""
        var hasToken: Bool { !token.isEmpty }
        loop: while true {
            let next = read()
            guard let st = state else { token = ""; break loop }
            if st == " " {
                guard let c = next else { state = nil; break loop }
                if Self.whitespace.contains(c) {
                    if hasToken || quoted { break loop }
                } else if c == "#" {
                    skipLine()
                } else if c == "\\" {
                    escapedState = "a"; state = c
                } else if Self.wordchars.contains(c) {
                    token = String(c); state = "a"
                } else if Self.quotes.contains(c) {
                    state = c
                } else {
                    token = String(c)
                    break loop
                }
            } else if Self.quotes.contains(st) {
                quoted = true
                guard let c = next else {
                    throw ValueError("a quotation in environment= is not closed", hint: "close every quote, e.g. environment=A=\"x y\"")
                }
                if c == st {
                    state = "a"
                } else if c == "\\" && st == "\"" {
                    escapedState = st; state = c
                } else {
                    token.unicodeScalars.append(c)
                }
            } else if st == "\\" {
                guard let c = next else {
                    throw ValueError("environment= ends with a lone backslash", hint: "write \\\\ for a literal backslash")
                }
                // Inside quotes only the quote itself or the escape may be escaped.
                if Self.quotes.contains(escapedState) && c != st && c != escapedState {
                    token.unicodeScalars.append(st)
                }
                token.unicodeScalars.append(c)
                state = escapedState
            } else {  // "a": inside a word
                guard let c = next else { state = nil; break loop }
                if Self.whitespace.contains(c) {
                    state = " "
                    if hasToken || quoted { break loop }
                } else if c == "#" {
                    skipLine()
                    state = " "
                    if hasToken || quoted { break loop }
                } else if Self.quotes.contains(c) {
                    state = c
                } else if c == "\\" {
                    escapedState = "a"; state = c
                } else if Self.wordchars.contains(c) {
                    token.unicodeScalars.append(c)
                } else {
                    pushback.insert(String(c), at: 0)
                    state = " "
                    if hasToken || quoted { break loop }
                }
            }
        }
        if !quoted && token.isEmpty { return nil }
        return token
    }
}
