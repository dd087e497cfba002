// What swiftvisorctl reads from the config file: `[supervisorctl]` and, as a
// fallback for the socket path, `[unix_http_server] file=`. supervisorctl does
// not process [include] and does not validate program sections (options.py
// `ClientOptions.read_config` at 4.3.0), so this
// reads the one file with the shared INI dialect and expands only these keys;
// a broken [program:x] never stops swiftvisorctl, as it never stops supervisorctl.

/// swiftvisorctl's settings from the config file.
public struct CtlConfig: Sendable, Equatable {
    public var hasSupervisorctlSection = false
    /// `[supervisorctl] serverurl=` (unix:// paths normalized as supervisorctl does), if set.
    public var serverURL: String?
    public var username: String?
    public var password: String?
    /// `[supervisorctl] prompt=`, if set.
    public var prompt: String?
    public var historyFile: String?
    /// `[unix_http_server] file=` (absolute), if set.
    public var unixSocketFile: String?
    public init() {}

    /// Parse the file's text. `here` is the file's directory, `cwd` the
    /// current one; `environment` feeds `%(ENV_X)s` (and `~`, from HOME).
    /// Throws the INI syntax error supervisorctl would report (`File contains
    /// no section headers`, ...).
    public static func parse(_ text: String, file: String, here: String, cwd: String, environment: [String: String]) throws(ConfigError) -> CtlConfig {
        var doc = INIDocument()
        doc.keepingOnly = ["supervisorctl", "unix_http_server"]
        try doc.read(text, file: file)
        var env: [String: ExpansionValue] = [:]
        for (k, v) in environment { env["ENV_" + k] = .string(v) }
        let withHere = env.merging(["here": .string(here)]) { $1 }
        // supervisorctl expands these keys (UnhosedConfigParser.getdefault); a
        // value that does not expand is kept as written rather than fatal.
        func value(_ section: String, _ key: String, _ names: [String: ExpansionValue]) -> String? {
            guard let e = doc.get(section, key) else { return nil }
            return (try? Expansion.expand(e.value, names: names)) ?? e.value
        }
        var c = CtlConfig()
        if doc.hasSection("supervisorctl") {
            c.hasSupervisorctlSection = true
            if let url = value("supervisorctl", "serverurl", withHere) {
                c.serverURL = url.hasPrefix("unix://") ? normalizedUnixURL(url, cwd: cwd, home: environment["HOME"]) : url
            }
            c.username = value("supervisorctl", "username", env)
            c.password = value("supervisorctl", "password", env)
            c.prompt = value("supervisorctl", "prompt", env)
            c.historyFile = value("supervisorctl", "history_file", withHere)
        }
        if let f = value("unix_http_server", "file", withHere) {
            c.unixSocketFile = absolutePath(PythonSyntax.strip(f), cwd: here)
        }
        return c
    }

    /// supervisorctl's `normalize_path` of the config file's `unix://` URL:
    /// `~` expanded, then made absolute against the current directory (it calls
    /// `os.path.abspath`, not relative to the file), then normalized. `-s` is
    /// used as given.
    public static func normalizedUnixURL(_ url: String, cwd: String, home: String?) -> String {
        var path = String(url.dropFirst(7))
        if let home, path == "~" || path.hasPrefix("~/") {
            // os.path.expanduser: HOME without its trailing slashes, or "/" when that leaves nothing.
            var h = Substring(home)
            while h.hasSuffix("/") { h = h.dropLast() }
            path = String(h) + path.dropFirst()
            if path.isEmpty { path = "/" }
        }
        return "unix://" + absolutePath(path, cwd: cwd)
    }

    /// `os.path.abspath`.
    public static func absolutePath(_ path: String, cwd: String) -> String { PythonSyntax.abspath(path, cwd: cwd) }

    /// `os.path.dirname`.
    public static func directory(of path: String) -> String { PythonSyntax.dirname(path) }
}
