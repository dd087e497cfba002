// Python's string and int parsing as supervisorctl's commands use them.
extension String {
    /// Python `str.strip()` (ASCII whitespace).
    func trimmingPythonWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s.removeFirst() }
        while let l = s.last, ws.contains(l) { s.removeLast() }
        return String(s)
    }

    /// Python `str.split()`: runs of whitespace separate, no empty words.
    func pythonSplit() -> [String] {
        split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" })
            .map(String.init)
    }
}

extension Int {
    /// Python `int(str)`: optional sign, digits, surrounding whitespace, `_` between digits.
    init?(pythonInt s: String) {
        let t = s.trimmingPythonWhitespace()
        var body = Substring(t)
        var sign = ""
        if let f = body.first, f == "+" || f == "-" { sign = f == "-" ? "-" : ""; body = body.dropFirst() }
        guard !body.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__"),
              body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else { return nil }
        guard let v = Int(sign + body.filter { $0 != "_" }) else { return nil }
        self = v
    }
}
