// `environment=KEY=val,KEY2="a b"`: supervisord's dict_of_key_value_pairs.
// Supervisor HEAD tokenizes with Python's shlex in POSIX mode (quotes removed,
// `\"` and `\\` escapes inside double quotes); 4.3.0 used legacy mode and
// stripped quote characters from both ends. For the configs people write both
// agree; we follow HEAD (supervisor/datatypes.py `dict_of_key_value_pairs`:
// `shlex.shlex(str(arg))` at 4.3.0, POSIX mode after it; --check warns where the
// two differ, CompatibilityWarnings.swift). The separator between pairs is not
// checked (`A=1;B=2` parses), exactly as supervisord.

enum EnvironmentSyntax {
    /// Parse `environment=` into pairs in first-seen key order (a repeated key keeps
    /// its first position and takes the last value, like a Python dict).
    static func parse(_ s: String, legacy: Bool = false) throws(ValueError) -> [EnvironmentVariable] {
        var lexer = Shlex(s, posix: !legacy)
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
            let key = tokens[i]
            var value = tokens[i + 2]
            if legacy {
                // 4.3.0: value.strip('\'"')
                let q: Set<Character> = ["'", "\""]
                while let f = value.first, q.contains(f) { value.removeFirst() }
                while let l = value.last, q.contains(l) { value.removeLast() }
            }
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

/// Python `shlex.shlex(s, posix=...)` with supervisord's extra word characters.
/// POSIX mode is what Supervisor HEAD uses; legacy mode is 4.3.0's, kept to
/// warn when the two read a value differently.
struct Shlex {
    let posix: Bool
    private let chars: [Unicode.Scalar]
    private var pos = 0
    private var state: Unicode.Scalar? = " "   // nil: end of input
    private var pushback: [String] = []

    private static let legacyWordchars: Set<Unicode.Scalar> = {
        var s = Set("abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".unicodeScalars)
        s.formUnion("/.+-():".unicodeScalars)
        return s
    }()
    private static let posixWordchars = legacyWordchars.union("ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ".unicodeScalars)
    private var wordchars: Set<Unicode.Scalar> { posix ? Self.posixWordchars : Self.legacyWordchars }
    private static let whitespace: Set<Unicode.Scalar> = [" ", "\t", "\r", "\n"]
    private static let quotes: Set<Unicode.Scalar> = ["'", "\""]

    init(_ s: String, posix: Bool = true) { chars = Array(s.unicodeScalars); self.posix = posix }

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
                    if hasToken || (posix && quoted) { break loop }
                } else if c == "#" {
                    skipLine()
                } else if posix && c == "\\" {
                    escapedState = "a"; state = c
                } else if wordchars.contains(c) {
                    token = String(c); state = "a"
                } else if Self.quotes.contains(c) {
                    if !posix { token = String(c) }
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
                    if !posix {
                        token.unicodeScalars.append(c)
                        state = " "
                        break loop
                    }
                    state = "a"
                } else if posix && c == "\\" && st == "\"" {
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
                    if hasToken || (posix && quoted) { break loop }
                } else if c == "#" {
                    skipLine()
                    if posix {
                        state = " "
                        if hasToken || (posix && quoted) { break loop }
                    }
                } else if posix && Self.quotes.contains(c) {
                    state = c
                } else if posix && c == "\\" {
                    escapedState = "a"; state = c
                } else if wordchars.contains(c) || Self.quotes.contains(c) {
                    token.unicodeScalars.append(c)
                } else {
                    pushback.insert(String(c), at: 0)
                    state = " "
                    if hasToken || (posix && quoted) { break loop }
                }
            }
        }
        if posix && !quoted && token.isEmpty { return nil }
        if !posix && token.isEmpty { return nil }  // legacy eof is ''
        return token
    }
}
