// AUTO child logs: `<process>-<channel>---<identifier>-<random>.log` in
// childlogdir, created exclusively with mode 0600 as Python's mkstemp does,
// and the start-up cleanup of the previous run's AUTO logs.
import Glibc
import SwiftvisorCore

public enum AutoLogFile {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789_".utf8)

    /// Create a new empty file `<directory>/<prefix><8 random chars><suffix>`; returns its path.
    public static func create(directory: String, prefix: String, suffix: String) throws(SystemError) -> String {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let random = String(decoding: (0..<8).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
            let path = directory.hasSuffix("/") ? "\(directory)\(prefix)\(random)\(suffix)" : "\(directory)/\(prefix)\(random)\(suffix)"
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                _ = Glibc.close(fd)
                return path
            }
            if errno != EEXIST { throw SystemError(call: "open(\(path))", errno: errno) }
        }
        throw SystemError(call: "open(\(directory)/\(prefix)*)", errno: EEXIST)
    }

    /// Delete the AUTO logs (and their backups) a previous run left in
    /// `directory` (options.py clear_autochildlogdir). Returns the paths removed.
    @discardableResult
    public static func removeStale(directory: String, identifier: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var removed: [String] = []
        while let entry = readdir(dir) {
            let name = direntName(entry)
            guard AutoLogName.isAutoLog(name, identifier: identifier) else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }
}
