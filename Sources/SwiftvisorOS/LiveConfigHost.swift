// The real machine behind ConfigHost: files, glob(3), the passwd and group
// databases, uname, the environment. The config reader stays pure; this is
// the only place it touches the system.
import Glibc
import SwiftvisorCore

/// ConfigHost backed by the running system. Values that do not change while
/// reading (environment, cwd, host name, temp dir, uid) are captured at init.
public struct LiveConfigHost: ConfigHost {
    public let environment: [String: String]
    public let hostName: String
    public let currentDirectory: String
    public let tempDirectory: String
    public let currentUID: UInt32

    public init() {
        environment = LiveConfigHost.readEnvironment()
        hostName = LiveConfigHost.nodeName()
        currentDirectory = LiveConfigHost.workingDirectory()
        currentUID = geteuid()
        tempDirectory = LiveConfigHost.pythonTempDirectory(environment: environment, cwd: currentDirectory)
    }

    /// Reads at most ConfigLimits.inputBytes + 1 bytes (the reader refuses
    /// more), and never waits: O_NONBLOCK makes a FIFO without a writer read
    /// as empty and one whose writer is silent fail with EAGAIN, where
    /// supervisord would block in open() for ever (/dev/zero is cut at the limit).
    public func readFile(_ path: String) -> [UInt8]? {
        guard let fd = try? syscall("open", { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }) else { return nil }
        defer { _ = close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do {
                n = try syscall("read") { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            } catch {
                return nil  // EISDIR and friends: Python's open/read fails the same way
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
            if out.count > ConfigLimits.inputBytes { return out }
        }
    }

    public func isDirectory(_ path: String) -> Bool {
        guard !path.isEmpty else { return false }
        var st = stat()
        guard (try? syscall("stat", { stat(path, &st) })) != nil else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    public func fileExists(_ path: String) -> Bool {
        guard !path.isEmpty else { return false }
        var st = stat()
        return (try? syscall("stat", { stat(path, &st) })) != nil
    }

    public func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        // Python's glob has no backslash escapes; glob(3) would treat `\` as one.
        guard Glibc.glob(pattern, GLOB_NOESCAPE, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out
    }

    public func user(named name: String) -> HostUser? {
        LiveConfigHost.withPasswd { pwd, buf, len, result in getpwnam_r(name, pwd, buf, len, result) }
    }

    public func user(uid: UInt32) -> HostUser? {
        LiveConfigHost.withPasswd { pwd, buf, len, result in getpwuid_r(uid, pwd, buf, len, result) }
    }

    public func groupID(named name: String) -> UInt32? {
        LiveConfigHost.withGroup { grp, buf, len, result in getgrnam_r(name, grp, buf, len, result) }
    }

    public func groupExists(gid: UInt32) -> Bool {
        LiveConfigHost.withGroup { grp, buf, len, result in getgrgid_r(gid, grp, buf, len, result) } != nil
    }

    // MARK: helpers

    private static func withPasswd(_ call: (UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>) -> Int32) -> HostUser? {
        var size = 4096
        while size <= 1 << 20 {
            var pwd = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { call(&pwd, $0.baseAddress!, size, &result) }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, let r = result else { return nil }
            return HostUser(name: String(cString: r.pointee.pw_name), uid: r.pointee.pw_uid,
                            gid: r.pointee.pw_gid, home: String(cString: r.pointee.pw_dir))
        }
        return nil
    }

    private static func withGroup(_ call: (UnsafeMutablePointer<group>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<group>?>) -> Int32) -> UInt32? {
        var size = 4096
        while size <= 1 << 22 {
            var grp = group()
            var result: UnsafeMutablePointer<group>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { call(&grp, $0.baseAddress!, size, &result) }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, let r = result else { return nil }
            return r.pointee.gr_gid
        }
        return nil
    }

    private static func readEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        for (name, value) in Sys.environment() { env[name] = value }
        return env
    }

    private static func nodeName() -> String {
        var u = utsname()
        guard (try? syscall("uname", { uname(&u) })) != nil else { return "" }
        return withUnsafeBytes(of: &u.nodename) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func workingDirectory() -> String { Sys.workingDirectory() }

    /// `tempfile.gettempdir()`: $TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp,
    /// then the cwd; the first directory we can write to, made absolute.
    private static func pythonTempDirectory(environment: [String: String], cwd: String) -> String {
        var candidates: [String] = []
        for key in ["TMPDIR", "TEMP", "TMP"] { if let v = environment[key], !v.isEmpty { candidates.append(v) } }
        candidates += ["/tmp", "/var/tmp", "/usr/tmp", cwd]
        for dir in candidates {
            let abs = dir.hasPrefix("/") ? dir : (cwd == "/" ? "/" + dir : cwd + "/" + dir)
            var st = stat()
            guard (try? syscall("stat", { stat(abs, &st) })) != nil, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            guard access(abs, W_OK) == 0 else { continue }
            return normalize(abs)
        }
        return cwd
    }

    private static func normalize(_ p: String) -> String {
        var parts: [Substring] = []
        for c in p.split(separator: "/") where c != "." {
            if c == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(c) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
