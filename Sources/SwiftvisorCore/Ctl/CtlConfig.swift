// What swiftvisorctl reads from the config file: `[supervisorctl]` and, as a
// fallback for the socket path, `[unix_http_server] file=`. supervisorctl does
// not process [include] (§1.7), so one file is all there is.
// TODO(config): switch to the shared INI reader once the config branch lands;
// this minimal reader handles sections, key=value / key: value, `;`/`#`
// comments (inline after whitespace), continuation lines and %(here)s /
// %(ENV_X)s expansion, which is all these keys use.

/// swiftvisorctl's settings from the config file.
public struct CtlConfig: Sendable, Equatable {
    public var hasSupervisorctlSection = false
    /// `[supervisorctl] serverurl=` (unix:// paths normalized), if set.
    public var serverURL: String?
    public var username: String?
    public var password: String?
    /// `[supervisorctl] prompt=`, if set.
    public var prompt: String?
    public var historyFile: String?
    /// `[unix_http_server] file=` (normalized), if set.
    public var unixSocketFile: String?
    public init() {}

    /// Parse the file's text. `here` is the file's directory; `environment`
    /// feeds `%(ENV_X)s`.
    public static func parse(_ text: String, here: String, environment: [String: String]) -> CtlConfig {
        let sections = IniLite.parse(text)
        var c = CtlConfig()
        var vars: [String: String] = ["here": here]
        for (k, v) in environment { vars["ENV_" + k] = v }
        func value(_ section: String, _ key: String) -> String? {
            sections[section]?[key].map { IniLite.expand($0, vars) }
        }
        if let s = sections["supervisorctl"] {
            c.hasSupervisorctlSection = true
            _ = s
            if let url = value("supervisorctl", "serverurl") {
                c.serverURL = url.hasPrefix("unix://") ? "unix://" + PathLite.normalize(String(url.dropFirst(7)), cwd: here) : url
            }
            c.username = value("supervisorctl", "username")
            c.password = value("supervisorctl", "password")
            c.prompt = value("supervisorctl", "prompt")
            c.historyFile = value("supervisorctl", "history_file")
        }
        if let f = value("unix_http_server", "file") {
            c.unixSocketFile = PathLite.normalize(f, cwd: here)
        }
        return c
    }
}

/// A minimal INI reader (see CtlConfig's TODO).
enum IniLite {
    static func parse(_ text: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var section: String? = nil
        var lastKey: String? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.trimmingPythonWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix(";") || trimmed.hasPrefix("#") { continue }
            if let first = line.first, first == " " || first == "\t", let s = section, let k = lastKey {
                out[s]?[k]! += "\n" + stripComment(trimmed)
                continue
            }
            if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
                section = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
                if out[section!] == nil { out[section!] = [:] }
                lastKey = nil
                continue
            }
            guard let s = section, let sep = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(trimmed[..<sep]).trimmingPythonWhitespace().lowercased()
            let value = stripComment(String(trimmed[trimmed.index(after: sep)...]).trimmingPythonWhitespace())
            out[s]![key] = value
            lastKey = key
        }
        return out
    }

    /// RawConfigParser inline_comment_prefixes: `;` or `#` after whitespace.
    static func stripComment(_ v: String) -> String {
        var prev: Character = "x"
        for (i, ch) in v.enumerated() {
            if (ch == ";" || ch == "#") && (prev == " " || prev == "\t") {
                return String(v.prefix(i)).trimmingPythonWhitespace()
            }
            prev = ch
        }
        return v
    }

    /// `%(name)s` expansion; `%%` is a literal `%`. Unknown names stay as written.
    static func expand(_ s: String, _ vars: [String: String]) -> String {
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let ch = s[i]
            if ch == "%" {
                let next = s.index(after: i)
                if next < s.endIndex, s[next] == "%" { out.append("%"); i = s.index(after: next); continue }
                if next < s.endIndex, s[next] == "(", let close = s[next...].firstIndex(of: ")") {
                    let name = String(s[s.index(after: next)..<close])
                    let afterClose = s.index(after: close)
                    if afterClose < s.endIndex, s[afterClose] == "s", let v = vars[name] {
                        out += v
                        i = s.index(after: afterClose)
                        continue
                    }
                }
            }
            out.append(ch)
            i = s.index(after: i)
        }
        return out
    }
}

/// Python os.path.normpath(abspath(expanduser(p))) without the user lookup
/// of `~user` (only `~` via HOME is handled by the caller's environment).
public enum PathLite {
    public static func normalize(_ path: String, cwd: String) -> String {
        let absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        var parts: [Substring] = []
        for p in absolute.split(separator: "/") {
            if p == "." || p.isEmpty { continue }
            if p == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The directory part (os.path.dirname of an absolute path).
    public static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }
}
