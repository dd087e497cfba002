// The pidfile: `<pid>\n`, held with an exclusive flock(2) for the daemon's
// whole life, so one config runs one daemon: a second daemon on the same
// pidfile finds the lock taken and refuses to start without touching
// anything (supervisord 4.3.0 has no such check: without a control socket two
// of them run the same programs). The file is reached through
// `SharedDirectory` (a link or a file another user planted in /tmp is removed,
// never written through) and removed at exit only if it is still ours.
import Glibc

/// Why the pidfile could not be taken.
public enum PidFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process holds the lock: another daemon runs on this pidfile.
    case held(path: String, pid: Int32?)
    /// Other users can replace names in the pidfile's directory at will.
    case unsafeDirectory(path: String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .held(let path, let pid):
            let who = pid.map { " (pid \($0))" } ?? ""
            return "Another swiftvisord\(who) is already running with the pidfile \(path).  Shut it down first before starting another one on the same configuration."
        case .unsafeDirectory(let path):
            return "The pidfile directory \(path) is writable by other users and not sticky (or belongs to another user): another user could replace the pidfile and the crash-recovery state file kept beside it. Use a directory only this user can write (or a sticky one such as /tmp)."
        case .system(let error):
            return "could not open the pidfile: \(error)"
        }
    }
}

public final class PidFile {
    public let path: String
    /// The pidfile's directory: the crash-recovery state file lives there too.
    public let directory: SharedDirectory
    let name: String
    private var fd: Int32

    private init(path: String, directory: SharedDirectory, name: String, fd: Int32) {
        self.path = path; self.directory = directory; self.name = name; self.fd = fd
    }

    deinit { if fd >= 0 { Sys.close(fd) } }

    /// The descriptors to keep open across daemonizing: the lock's, and the
    /// directory's (the state file is written relative to it).
    public var descriptors: [Int32] { [fd, directory.fd] }

    /// Open `path` and take its lock, or say who holds it.
    public static func lock(_ path: String) throws(PidFileError) -> PidFile {
        let directory: SharedDirectory
        let name: String
        do { (directory, name) = try SharedDirectory.containing(path) } catch { throw .system(error) }
        if directory.trust == .open { throw .unsafeDirectory(path: directory.path) }
        for _ in 0..<8 {
            var fd: Int32
            do {
                fd = try directory.openForWriting(name, flags: O_RDWR, mode: 0o644)
            } catch where error.errno == ELOOP || error.errno == EPERM {
                // A link, or a file of another user's (or with a second name):
                // not ours to write or lock. Replace it with a file of our own.
                do { fd = try directory.createFresh(name, flags: O_RDWR, mode: 0o644) } catch { throw .system(error) }
            } catch {
                throw .system(error)
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let e = errno
                let holder = readPid(fd)
                Sys.close(fd)
                if e == EWOULDBLOCK { throw .held(path: path, pid: holder) }
                throw .system(SystemError(call: "flock(\(path))", errno: e))
            }
            // The lock is on the inode: if the holder removed the name between
            // our open and our lock, we hold the lock of a file nobody finds.
            if let st = try? Sys.fstat(fd), let now = directory.statEntry(name), st.st_ino == now.st_ino, st.st_dev == now.st_dev {
                return PidFile(path: path, directory: directory, name: name, fd: fd)
            }
            Sys.close(fd)
        }
        throw .system(SystemError(call: "flock(\(path)): the file keeps being replaced", errno: EAGAIN))
    }

    /// Write `pid` into the locked file (after daemonizing: the pid is final).
    /// Written over the old text, then cut to length, so a reader never finds it empty.
    public func write(pid: Int32) throws(SystemError) {
        let text = Array("\(pid)\n".utf8)
        let n = text.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == text.count else { throw SystemError(call: "write(\(path))", errno: n < 0 ? errno : EIO) }
        _ = try syscall("ftruncate(\(path))") { ftruncate(fd, off_t(text.count)) }
    }

    /// Remove the pidfile (if the name still is our locked file) and drop the lock.
    public func release() {
        guard fd >= 0 else { return }
        if let st = try? Sys.fstat(fd), let now = directory.statEntry(name), st.st_ino == now.st_ino, st.st_dev == now.st_dev {
            try? directory.remove(name)
        }
        Sys.close(fd)
        fd = -1
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmed(of: " \n\t"))
    }

    /// The pid recorded in `path`, if any.
    public static func read(_ path: String) -> Int32? {
        guard let bytes = ProcFS.readSmallFile(path) else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).trimmed(of: " \n\t"))
    }

    public static var currentPID: Int32 { getpid() }
}

extension String {
    func trimmed(of set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}
