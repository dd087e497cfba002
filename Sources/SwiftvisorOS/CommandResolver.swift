// command= → (executable, argv): supervisord's get_execv_args + check_execv_args
// (process.py:105-160, options.py:1556-1567), with the same spawnerr texts.
// It stats the filesystem, so it lives in the shell, not the core.
import Glibc
import SwiftvisorCore

/// Why a `command=` cannot be run; `description` is supervisord's spawnerr text.
public enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The command is empty or only whitespace.
    case empty
    /// shlex could not split it (reason is Python's, e.g. "No closing quotation").
    case unparsable(command: String, reason: String)
    /// No PATH entry (or the given path) exists.
    case notFound(String)
    /// The resolved path is a directory.
    case isDirectory(String)
    /// The resolved file has no execute bit at all.
    case notExecutable(String)
    /// It has an execute bit, but not one the daemon's uid may use.
    case noPermission(String)

    public var description: String {
        switch self {
        case .empty: return "command is empty"
        case .unparsable(let command, let reason): return "can't parse command \(pythonRepr(command)): \(reason)"
        case .notFound(let p): return "can't find command \(pythonRepr(p))"
        case .isDirectory(let p): return "command at \(pythonRepr(p)) is a directory"
        case .notExecutable(let p): return "command at \(pythonRepr(p)) is not executable"
        case .noPermission(let p): return "no permission to run command \(pythonRepr(p))"
        }
    }
}

/// Splits `command=` and finds its executable the way supervisord does.
public enum CommandResolver {
    /// The PATH used when neither the program environment nor the daemon has one.
    public static let defaultPath = "/bin:/usr/bin:/usr/local/bin"

    /// Split `command` (shlex, POSIX mode, no comments) and resolve argv[0].
    /// - Parameter path: the program `environment=` PATH if it sets one, else the
    ///   daemon's `$PATH`; nil or empty means `/bin:/usr/bin:/usr/local/bin`.
    /// - Returns: the path to exec, and argv unchanged (argv[0] is not replaced).
    /// - Note: the checks run as the daemon's uid, not as `user=` (as supervisord).
    public static func resolve(command: String, path: String?) throws(CommandError) -> (executable: String, argv: [String]) {
        let argv: [String]
        do {
            argv = try splitCommandLine(command)
        } catch {
            throw .unparsable(command: command, reason: error.description)
        }
        guard let program = argv.first else { throw .empty }

        var filename = program
        var st: stat? = nil
        if program.contains("/") {
            st = Sys.statPath(program)
        } else {
            let searchPath = (path?.isEmpty ?? true) ? defaultPath : path!
            // First entry where stat() succeeds wins, even a directory (as supervisord).
            for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
                let candidate = dir.isEmpty ? program : (dir.hasSuffix("/") ? "\(dir)\(program)" : "\(dir)/\(program)")
                if let s = Sys.statPath(candidate) {
                    st = s
                    filename = candidate
                    break
                }
            }
        }
        guard let st else { throw .notFound(filename) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(filename) }
        if st.st_mode & 0o111 == 0 { throw .notExecutable(filename) }
        if !Sys.access(filename, X_OK) { throw .noPermission(filename) }
        return (filename, argv)
    }
}
