// The part of swiftvisord that runs before the daemon: parse the command
// line, find and load the config, and answer --check, --dump-config, -h, -v.
// Errors are printed as supervisord's usage() does: `Error: ...` then
// `For help, use <argv0> -h`, exit status 2.
import SwiftvisorCore
import SwiftvisorOS

/// What to do after `runConfigCommand`.
public enum ConfigCommandOutcome: Sendable {
    /// Exit with this status (help, version, check, dump, or an error already printed).
    case exit(Int32)
    /// Start the daemon with this configuration.
    case run(Configuration, CommandLineOptions)
}

/// The supervisord version swiftvisord is compatible with, printed by `-v`.
public let supervisordCompatibleVersion = "4.3.0"

/// Parse `arguments` (without argv[0]), load the config, and handle every
/// action except running the daemon. Output goes through `out` and `err`.
public func runConfigCommand(arguments: [String], argv0: String,
                             host: any ConfigHost = LiveConfigHost(),
                             out: (String) -> Void = writeStandardOutput,
                             err: (String) -> Void = writeStandardError) -> ConfigCommandOutcome {
    func usage(_ message: String) -> ConfigCommandOutcome {
        err("Error: \(message)\nFor help, use \(argv0) -h\n")
        return .exit(2)
    }
    let options: CommandLineOptions
    do { options = try CommandLineOptions.parse(arguments) } catch { return usage(error.message) }
    switch options.action {
    case .help:
        out(helpText.replacing("%s", with: argv0))
        return .exit(0)
    case .version:
        out("\(supervisordCompatibleVersion)\n")
        return .exit(0)
    default:
        break
    }
    let loader = ConfigLoader(host: host)
    let config: Configuration
    do throws(ConfigError) {
        let path: String
        if let given = options.configFile { path = given } else { path = try loader.locateDefaultConfig(argv0: argv0) }
        config = try loader.load(path: path, overrides: options.overrides)
    } catch {
        return usage(error.description)
    }
    switch options.action {
    case .check:
        out(config.summary() + "\n")
        return .exit(0)
    case .dumpConfig:
        out(config.dump().serialized(indent: 2) + "\n")
        return .exit(0)
    default:
        return .run(config, options)
    }
}

let helpText = """
swiftvisord -- run a set of applications as daemons (supervisord-compatible).

Usage: %s [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-t/--check -- read and validate the configuration, print a summary, exit
--dump-config -- print the resolved configuration as JSON, exit
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- run supervisord under profiler and output
                             results based on OPTIONS, which  is a comma-sep'd
                             list of 'cumulative', 'calls', and/or 'callers',
                             e.g. 'cumulative,callers')

"""

/// End the process with `status` (exit(3), flushing nothing: output is unbuffered).
public func exitProcess(_ status: Int32) -> Never { terminateProcess(status) }

/// Placeholder message until the daemon loop is wired into main.swift.
public func writeDaemonNotYetAvailable() {
    writeStandardError("swiftvisord: running the daemon is not available in this build; use --check or --dump-config\n")
}
