// One writer per log path. Real configs often point several processes at one
// file (`numprocs=8` workers all writing `worker.log`); with one writer per
// path their output is appended in arrival order and rotation happens once,
// instead of each writer overwriting and rotating under the others (the
// corruption supervisord documents for shared rotating files).
import SwiftvisorOS

final class SharedLogFiles {
    private var files: [String: (file: RotatingLogFile, users: Int)] = [:]

    /// The writer for `path`, opened on first use. The first user's rotation
    /// settings apply to everyone sharing the path.
    func acquire(path: String, maxBytes: Int, backups: Int) throws(SystemError) -> RotatingLogFile {
        if let entry = files[path] {
            files[path] = (entry.file, entry.users + 1)
            return entry.file
        }
        let file = try RotatingLogFile(path: path, maxBytes: Int64(maxBytes), backups: backups)
        files[path] = (file, 1)
        return file
    }

    /// Give up one use of `file`; closed when nobody uses it any more.
    func release(_ file: RotatingLogFile) {
        guard let entry = files[file.path] else { return }
        if entry.users <= 1 {
            entry.file.close()
            files[file.path] = nil
        } else {
            files[file.path] = (entry.file, entry.users - 1)
        }
    }

    /// SIGUSR2: reopen every file by path, once.
    func reopenAll() {
        for entry in files.values { entry.file.reopen() }
    }
}
