// AUTO child logs: `<process>-<channel>---<identifier>-<random>.log` in
// childlogdir, created exclusively (O_EXCL | O_NOFOLLOW) with mode 0600 as
// Python's mkstemp does, and the start-up cleanup of the previous run's AUTO
// logs, which removes only regular files of ours: in a shared childlogdir a
// name another user planted is not ours to delete (docs/security.md).
import Glibc
import SwiftvisorCore

public enum AutoLogFile {
    /// Create a new empty file `<directory>/<prefix><8 random chars><suffix>`; returns its path.
    public static func create(directory: String, prefix: String, suffix: String) throws(SystemError) -> String {
        let dir = try SharedDirectory.open(directory)
        let (fd, name) = try dir.createUnique(prefix: prefix, suffix: suffix, flags: O_WRONLY, mode: 0o600, randomLength: 8)
        Sys.close(fd)
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Delete the AUTO logs (and their backups) a previous run left in
    /// `directory` (options.py clear_autochildlogdir). Returns the paths removed.
    @discardableResult
    public static func removeStale(directory: String, identifier: String) -> [String] {
        guard let dir = try? SharedDirectory.open(directory) else { return [] }
        var removed: [String] = []
        for name in dir.entries() where AutoLogName.isAutoLog(name, identifier: identifier) {
            if dir.removeIfOwned(name) {
                removed.append(directory.hasSuffix("/") ? directory + name : directory + "/" + name)
            }
        }
        return removed
    }
}
