// The pidfile: `<pid>\n`, written after daemonizing, removed at exit only if
// it is still ours.
import Glibc

public enum PidFile {
    public static func write(_ path: String, pid: Int32) throws(SystemError) {
        let tmp = "\(path).\(pid).tmp"
        let fd = try syscall("open(\(tmp))") { Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        let text = Array("\(pid)\n".utf8)
        let n = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        _ = Glibc.close(fd)
        guard n == text.count else { unlink(tmp); throw SystemError(call: "write(\(tmp))", errno: errno) }
        // rename: a reader never sees a half-written pidfile.
        _ = try syscall("rename(\(path))") { rename(tmp, path) }
    }

    /// The pid recorded in `path`, if any.
    public static func read(_ path: String) -> Int32? {
        guard let bytes = ProcFS.readSmallFile(path) else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).trimmed(of: " \n\t"))
    }

    /// Remove `path` if it still names `pid`.
    public static func remove(_ path: String, ifOwnedBy pid: Int32) {
        if read(path) == pid { unlink(path) }
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
