// swiftvisord's command line: supervisord's options (options.py:410-445,
// parsed with Python getopt: long options may be abbreviated to a unique
// prefix, parsing stops at the first non-option), plus `--check` and
// `--dump-config`.
//
// `-t` is `--check` here. In supervisord `-t` is `--strip_ansi`, but the
// command lines that use `supervisord -t` in public repositories almost all
// mean "test the config" (as `nginx -t`) and got a running daemon instead.
// `--strip_ansi` keeps its long form. See docs/configuration.md.
import SwiftvisorCore

/// A command line that getopt rejects; printed as supervisord's usage error.
public struct CommandLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What swiftvisord was asked to do.
public struct CommandLineOptions: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Start the daemon.
        case run
        /// `--check` / `-t`: read, validate, print a summary, exit.
        case check
        /// `--dump-config`: print the resolved config as JSON, exit.
        case dumpConfig
        /// `-h` / `-?` / `--help`.
        case help
        /// `-v` / `--version`.
        case version
    }

    public var action: Action = .run
    /// `-c FILE`; nil: search the default paths.
    public var configFile: String? = nil
    public var overrides = ConfigOverrides()
    /// `--profile_options=`: accepted for compatibility, unused.
    public var profileOptions: String? = nil

    public init() {}

    typealias Spec = GetoptSpec

    static let specs: [Spec] = [
        Spec(short: "h", long: "help", takesValue: false), Spec(short: "?", long: nil, takesValue: false),
        Spec(short: "c", long: "configuration", takesValue: true), Spec(short: "v", long: "version", takesValue: false),
        Spec(short: "n", long: "nodaemon", takesValue: false), Spec(short: "u", long: "user", takesValue: true),
        Spec(short: "m", long: "umask", takesValue: true), Spec(short: "d", long: "directory", takesValue: true),
        Spec(short: "l", long: "logfile", takesValue: true), Spec(short: "y", long: "logfile_maxbytes", takesValue: true),
        Spec(short: "z", long: "logfile_backups", takesValue: true), Spec(short: "e", long: "loglevel", takesValue: true),
        Spec(short: "j", long: "pidfile", takesValue: true), Spec(short: "i", long: "identifier", takesValue: true),
        Spec(short: "q", long: "childlogdir", takesValue: true), Spec(short: "a", long: "minfds", takesValue: true),
        Spec(short: nil, long: "minprocs", takesValue: true), Spec(short: "k", long: "nocleanup", takesValue: false),
        Spec(short: nil, long: "strip_ansi", takesValue: false), Spec(short: nil, long: "profile_options", takesValue: true),
        Spec(short: "s", long: "silent", takesValue: false), Spec(short: "t", long: "check", takesValue: false),
        Spec(short: nil, long: "dump-config", takesValue: false),
    ]

    /// Parse the arguments after argv[0].
    public static func parse(_ args: [String]) throws(CommandLineError) -> CommandLineOptions {
        let parsed: [(Spec, String?)]
        let rest: [String]
        do { (parsed, rest) = try PythonGetopt.parse(args, specs: specs) } catch { throw CommandLineError(error.message) }
        if !rest.isEmpty {
            let words = rest.map { "'\($0)'" }.joined(separator: ", ")
            throw CommandLineError("positional arguments are not supported: [\(words)]")
        }

        var o = CommandLineOptions()
        var seen = Set<String>()
        for (spec, value) in parsed {
            let key = spec.key
            let shown = spec.shown
            switch key {
            case "help", "?": o.action = .help; return o   // supervisord prints help at once
            case "version": o.action = .version; return o
            default: break
            }
            // supervisord refuses an option given twice ("conflicting command line option").
            if !seen.insert(key).inserted { throw CommandLineError("conflicting command line option '\(shown)'") }
            switch key {
            case "configuration": o.configFile = value
            case "nodaemon": o.overrides.nodaemon = true
            case "user": o.overrides.user = value
            case "umask": o.overrides.umask = value
            case "directory": o.overrides.directory = value
            case "logfile": o.overrides.logfile = value
            case "logfile_maxbytes": o.overrides.logfileMaxbytes = value
            case "logfile_backups": o.overrides.logfileBackups = value
            case "loglevel": o.overrides.loglevel = value
            case "pidfile": o.overrides.pidfile = value
            case "identifier": o.overrides.identifier = value
            case "childlogdir": o.overrides.childlogdir = value
            case "minfds": o.overrides.minfds = value
            case "minprocs": o.overrides.minprocs = value
            case "nocleanup": o.overrides.nocleanup = true
            case "strip_ansi": o.overrides.stripAnsi = true
            case "profile_options": o.profileOptions = value
            case "silent": o.overrides.silent = true
            case "check":
                if o.action == .dumpConfig { throw CommandLineError("--check and --dump-config cannot be combined") }
                o.action = .check
            case "dump-config":
                if o.action == .check { throw CommandLineError("--check and --dump-config cannot be combined") }
                o.action = .dumpConfig
            default: break
            }
        }
        return o
    }
}
