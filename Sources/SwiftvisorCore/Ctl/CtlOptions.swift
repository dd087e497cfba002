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
    private static let specs: [GetoptSpec] = [
        GetoptSpec(short: "c", long: "configuration", takesValue: true), GetoptSpec(short: "h", long: "help", takesValue: false),
        GetoptSpec(short: "i", long: "interactive", takesValue: false), GetoptSpec(short: "s", long: "serverurl", takesValue: true),
        GetoptSpec(short: "u", long: "username", takesValue: true), GetoptSpec(short: "p", long: "password", takesValue: true),
        GetoptSpec(short: "r", long: "history-file", takesValue: true),
    ]

    /// Parse `argv` without the program name.
    public static func parse(_ argv: [String]) throws(CtlUsageError) -> CtlOptions {
        let parsed: [(spec: GetoptSpec, given: String, value: String?)]
        var o = CtlOptions()
        do { (parsed, o.args) = try PythonGetopt.parseNamed(argv, specs: specs) } catch { throw CtlUsageError(error.message) }
        var seen = Set<String>()
        for (spec, given, value) in parsed {
            if spec.key == "help" { o.help = true; return o }  // printed at once, like supervisorctl
            // realize runs -s through datatypes.url first, then refuses an option given twice.
            if spec.key == "serverurl", let value, !PythonURL.isURL(value) {
                throw CtlUsageError("invalid value for \(given) \(pythonRepr(value)): value \(pythonRepr(value)) is not a URL")
            }
            if !seen.insert(spec.key).inserted { throw CtlUsageError("conflicting command line option '\(given)'") }
            switch spec.key {
            case "configuration": o.configFile = value
            case "interactive": o.interactive = true
            case "serverurl": o.serverURL = value
            case "username": o.username = value
            case "password": o.password = value
            case "history-file": o.historyFile = value
            default: break
            }
        }
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
