// swiftvisorctl's command line, parsed as supervisorctl parses it (Python
// getopt: options stop at the first non-option word; long options may be
// abbreviated; `-cFILE`, `-c FILE`, `--configuration=FILE` all work).

/// The parsed command line.
public struct CtlOptions: Sendable, Equatable {
    public var configFile: String?
    public var serverURL: String?
    public var username: String?
    public var password: String?
    public var interactive = false
    public var historyFile: String?
    public var help = false
    /// The command and its arguments (joined with spaces before running, as supervisorctl does).
    public var args: [String] = []
    public init() {}
}

/// A command-line error: printed as `Error: <message>` + `For help, use <argv0> -h`, exit 2.
public struct CtlUsageError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

extension CtlOptions {
    private static let longOptions: [(name: String, key: Character, takesValue: Bool)] = [
        ("configuration", "c", true), ("help", "h", false), ("interactive", "i", false),
        ("serverurl", "s", true), ("username", "u", true), ("password", "p", true), ("history-file", "r", true),
    ]

    /// Parse `argv` without the program name.
    public static func parse(_ argv: [String]) throws(CtlUsageError) -> CtlOptions {
        var o = CtlOptions()
        var i = 0
        func set(_ key: Character, _ value: String?) {
            switch key {
            case "c": o.configFile = value
            case "h": o.help = true
            case "i": o.interactive = true
            case "s": o.serverURL = value
            case "u": o.username = value
            case "p": o.password = value
            case "r": o.historyFile = value
            default: break
            }
        }
        while i < argv.count {
            let a = argv[i]
            if a == "--" { i += 1; break }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                let value: String? = body.contains("=") ? String(body[body.index(after: body.firstIndex(of: "=")!)...]) : nil
                let matches = longOptions.filter { $0.name.hasPrefix(name) }
                let exact = matches.first { $0.name == name }
                guard let opt = exact ?? (matches.count == 1 ? matches[0] : nil) else {
                    if matches.count > 1 { throw CtlUsageError("option --\(name) not a unique prefix") }
                    throw CtlUsageError("option --\(name) not recognized")
                }
                if opt.takesValue {
                    if let value { set(opt.key, value) } else {
                        guard i + 1 < argv.count else { throw CtlUsageError("option --\(opt.name) requires argument") }
                        i += 1
                        set(opt.key, argv[i])
                    }
                } else {
                    if value != nil { throw CtlUsageError("option --\(opt.name) must not have an argument") }
                    set(opt.key, nil)
                }
                i += 1
                continue
            }
            if a.hasPrefix("-") && a != "-" {
                var chars = Array(a.dropFirst())
                while !chars.isEmpty {
                    let c = chars.removeFirst()
                    guard let opt = longOptions.first(where: { $0.key == c }) else {
                        throw CtlUsageError("option -\(c) not recognized")
                    }
                    if opt.takesValue {
                        if !chars.isEmpty { set(c, String(chars)); chars = [] } else {
                            guard i + 1 < argv.count else { throw CtlUsageError("option -\(c) requires argument") }
                            i += 1
                            set(c, argv[i])
                        }
                    } else {
                        set(c, nil)
                    }
                }
                i += 1
                continue
            }
            break
        }
        o.args = Array(argv[i...])
        return o
    }

    /// supervisorctl -h (the module docstring with the program path).
    public static func usage(program: String) -> String {
        """
        supervisorctl -- control applications run by supervisord from the cmd line.

        Usage: \(program) [options] [action [arguments]]

        Options:
        -c/--configuration FILENAME -- configuration file path (searches if not given)
        -h/--help -- print usage message and exit
        -i/--interactive -- start an interactive shell after executing commands
        -s/--serverurl URL -- URL on which supervisord server is listening
             (default "http://localhost:9001").
        -u/--username USERNAME -- username to use for authentication with server
        -p/--password PASSWORD -- password to use for authentication with server
        -r/--history-file -- keep a readline history (if readline is available)

        action [arguments] -- see below

        Actions are commands like "tail" or "stop".  If -i is specified or no action is
        specified on the command line, a "shell" interpreting actions typed
        interactively is started.  Use the action "help" to find out about available
        actions.


        """
    }
}
