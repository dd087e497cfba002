// Files in directories that other users can write (`/tmp`, a world-writable
// `childlogdir`). The daemon usually runs as root there, so a name another
// user planted (a symbolic link to /etc/shadow, a hard link, a file of their
// own) must never be followed, truncated or trusted. Every path the daemon
// creates or rewrites (logs, the pidfile, the crash-recovery state file) is
// reached through `SharedDirectory`: the directory is opened once, component by
// component, and the file is then opened, created, renamed or removed
// relative to that descriptor (openat, renameat, unlinkat), so nobody can
// swap a component between the check and the use. docs/security.md
// ("Files in shared directories") states the rules.
import Glibc
import CSwiftvisor

private let O_PATH = swv_o_path()

/// Who besides the daemon's user can change a directory's entries.
public enum DirectoryTrust: Sendable, Equatable {
    /// Owned by us or root, writable by nobody else: names in it are ours.
    case trusted
    /// Writable by others but sticky (`/tmp`): others cannot remove or rename
    /// our entries, but can plant their own names before we create ours.
    case sticky
    /// Writable by others without the sticky bit, or owned by another user:
    /// any entry can be replaced at any time.
    case open

    /// The trust of a directory with this `stat`, as seen by `uid`.
    public static func of(mode: UInt32, owner: UInt32, uid: UInt32) -> DirectoryTrust {
        // S_ISVTX (0o1000) is ambiguous in Swift's Glibc overlay: spelled out.
        let othersWrite = mode & UInt32(S_IWGRP | S_IWOTH) != 0
        let foreignOwner = owner != uid && owner != 0
        if !othersWrite && !foreignOwner { return .trusted }
        if mode & 0o1000 != 0 && !foreignOwner { return .sticky }
        return .open
    }
}

/// A directory opened for `*at` calls (an O_PATH descriptor), with its trust.
public final class SharedDirectory {
    /// The path as configured (for messages).
    public let path: String
    public let trust: DirectoryTrust
    /// The directory's owner (the kernel's protected_symlinks rule follows a
    /// link in a sticky directory when it belongs to us or to this owner).
    public let owner: UInt32
    let fd: Int32

    private init(path: String, fd: Int32, trust: DirectoryTrust, owner: UInt32) {
        self.path = path; self.fd = fd; self.trust = trust; self.owner = owner
    }

    deinit { Sys.close(fd) }

    /// The effective uid files must belong to.
    public static var uid: UInt32 { geteuid() }

    /// Split `path` into its directory and last component ("log" → (".", "log")).
    public static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    /// Open the directory that holds `path`; returns it with the file's name in it.
    public static func containing(_ path: String) throws(SystemError) -> (directory: SharedDirectory, name: String) {
        let (dir, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw SystemError(call: "open(\(path)): not a file name", errno: EISDIR)
        }
        return (try open(dir), name)
    }

    /// Open directory `path`, component by component. A symbolic link is
    /// followed only where the kernel's `fs.protected_symlinks` would follow
    /// it: in a trusted directory, or in a sticky one when the link belongs to
    /// us or to the directory's owner. Never in an open directory.
    public static func open(_ path: String) throws(SystemError) -> SharedDirectory {
        let uid = Self.uid
        var current = try syscall("open(\(path.hasPrefix("/") ? "/" : "."))") {
            Glibc.open(path.hasPrefix("/") ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
        }
        var walked = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            let name = String(component)
            let parent: Glibc.stat
            do throws(SystemError) { parent = try Sys.fstat(current) } catch { Sys.close(current); throw error }
            let trust = DirectoryTrust.of(mode: parent.st_mode, owner: parent.st_uid, uid: uid)
            let next = openat(current, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next >= 0 {
                Sys.close(current)
                current = next
                walked += "/" + name
                continue
            }
            let e = errno
            // ENOTDIR with O_NOFOLLOW: a symbolic link (or a file, which the
            // following open below reports as ENOTDIR again).
            if e == ENOTDIR || e == ELOOP {
                var link = Glibc.stat()
                if fstatat(current, name, &link, AT_SYMLINK_NOFOLLOW) == 0, link.st_mode & S_IFMT == S_IFLNK {
                    let allowed = trust == .trusted
                        || (trust == .sticky && (link.st_uid == uid || link.st_uid == parent.st_uid))
                    if !allowed {
                        Sys.close(current)
                        throw SystemError(call: "open(\(walked)/\(name)): a symbolic link owned by uid \(link.st_uid) in a directory other users can write; not followed", errno: ELOOP)
                    }
                    let followed = openat(current, name, O_PATH | O_DIRECTORY | O_CLOEXEC)
                    let fe = errno
                    Sys.close(current)
                    guard followed >= 0 else { throw SystemError(call: "open(\(walked)/\(name))", errno: fe) }
                    current = followed
                    walked += "/" + name
                    continue
                }
            }
            Sys.close(current)
            throw SystemError(call: "open(\(walked)/\(name))", errno: e)
        }
        let st: Glibc.stat
        do throws(SystemError) { st = try Sys.fstat(current) } catch { Sys.close(current); throw error }
        return SharedDirectory(path: path, fd: current,
                               trust: DirectoryTrust.of(mode: st.st_mode, owner: st.st_uid, uid: uid), owner: st.st_uid)
    }

    // MARK: - Files in the directory

    /// `stat` of `name` itself (a link is not followed); nil when absent.
    public func statEntry(_ name: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    /// Open (and create, mode `mode` before umask) `name` for writing.
    /// - In a trusted directory the name is opened as the path would be.
    /// - Elsewhere a symbolic link is followed only as the kernel's
    ///   protected_symlinks rule allows (ours, or the sticky directory owner's),
    ///   and what is opened must belong to us and, if it is a regular file,
    ///   have no other hard link: another user's file, or a link to one of
    ///   ours, is refused (ELOOP / EPERM with a sentence saying why).
    public func openForWriting(_ name: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32 {
        let base = flags | O_CLOEXEC | O_CREAT
        if trust == .trusted {
            return try syscall("open(\(display(name)))") { openat(fd, name, base, mode) }
        }
        var descriptor = openat(fd, name, base | O_NOFOLLOW, mode)
        // A link gives ELOOP, or EACCES when O_CREAT meets another user's link
        // in a sticky directory.
        if descriptor < 0, errno == ELOOP || errno == EACCES, let link = statEntry(name), link.st_mode & S_IFMT == S_IFLNK {
            guard trust == .sticky, link.st_uid == Self.uid || link.st_uid == owner else {
                throw SystemError(call: "open(\(display(name))): a symbolic link owned by uid \(link.st_uid) in a directory other users can write; not followed", errno: ELOOP)
            }
            descriptor = openat(fd, name, base, mode)
        }
        if descriptor < 0 {
            let e = errno
            if e == EINTR { return try openForWriting(name, flags: flags, mode: mode) }
            throw SystemError(call: "open(\(display(name)))", errno: e)
        }
        do throws(SystemError) { try checkOwned(descriptor, name) } catch { Sys.close(descriptor); throw error }
        return descriptor
    }

    /// Create `name` afresh: a new file with an unpredictable name (O_EXCL |
    /// O_NOFOLLOW) renamed over whatever holds `name` now (a file or a link
    /// of anyone's: rename replaces it, never follows it). No window exists
    /// in which a racing user's link at `name` could be opened.
    public func createFresh(_ name: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32 {
        if let st = statEntry(name), st.st_mode & S_IFMT == S_IFDIR {
            throw SystemError(call: "open(\(display(name)))", errno: EISDIR)
        }
        let (descriptor, temporary) = try createUnique(prefix: name + ".", suffix: ".new", flags: flags, mode: mode)
        if renameat(fd, temporary, fd, name) != 0 {
            let e = errno
            _ = unlinkat(fd, temporary, 0)
            Sys.close(descriptor)
            throw SystemError(call: "rename(\(display(temporary)), \(display(name)))", errno: e)
        }
        return descriptor
    }

    /// Create a new file `<prefix><random><suffix>` with O_EXCL | O_NOFOLLOW;
    /// returns its descriptor and name. The name cannot be guessed ahead.
    public func createUnique(prefix: String, suffix: String, flags: Int32, mode: mode_t,
                             randomLength: Int = 12) throws(SystemError) -> (fd: Int32, name: String) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let name = prefix + Self.randomName(length: randomLength, using: &generator) + suffix
            let descriptor = openat(fd, name, flags | O_CLOEXEC | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
            if descriptor >= 0 { return (descriptor, name) }
            if errno != EEXIST && errno != EINTR { throw SystemError(call: "open(\(display(name)))", errno: errno) }
        }
        throw SystemError(call: "open(\(display(prefix))*)", errno: EEXIST)
    }

    /// Open the log at `path` for reading (`tail`, `readlog`, `follow`) under
    /// the rules of `openForWriting`: a name another user planted in a
    /// shared directory (a link to /etc/shadow) is not read back to a client.
    public static func openForReading(_ path: String) throws(SystemError) -> Int32 {
        let (directory, name) = try containing(path)
        if directory.trust == .trusted {
            return try syscall("open(\(path))") { openat(directory.fd, name, O_RDONLY | O_CLOEXEC) }
        }
        var descriptor = openat(directory.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if descriptor < 0, errno == ELOOP, let link = directory.statEntry(name), link.st_mode & S_IFMT == S_IFLNK {
            guard directory.trust == .sticky, link.st_uid == uid || link.st_uid == directory.owner else {
                throw SystemError(call: "open(\(path)): a symbolic link owned by uid \(link.st_uid) in a directory other users can write; not followed", errno: ELOOP)
            }
            descriptor = openat(directory.fd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        }
        if descriptor < 0 { throw SystemError(call: "open(\(path))", errno: errno) }
        do throws(SystemError) { try directory.checkOwned(descriptor, name) } catch { Sys.close(descriptor); throw error }
        return descriptor
    }

    /// Open `name` for reading only if it is a regular file of ours that only
    /// we can write and that has no other name: what the daemon will act on
    /// (the crash-recovery state file, the pidfile) must be its own.
    public func openOwned(_ name: String) throws(SystemError) -> Int32 {
        let descriptor = try syscall("open(\(display(name)))") { openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        do throws(SystemError) {
            let st = try Sys.fstat(descriptor)
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw SystemError(call: "open(\(display(name))): not a regular file", errno: EPERM)
            }
            guard st.st_uid == Self.uid else {
                throw SystemError(call: "open(\(display(name))): owned by uid \(st.st_uid), not by uid \(Self.uid)", errno: EPERM)
            }
            guard st.st_mode & UInt32(S_IWGRP | S_IWOTH) == 0 else {
                throw SystemError(call: "open(\(display(name))): writable by other users", errno: EPERM)
            }
            guard st.st_nlink == 1 else {
                throw SystemError(call: "open(\(display(name))): has \(st.st_nlink) hard links", errno: EPERM)
            }
        } catch {
            Sys.close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Replace `name` with `bytes` atomically: written to a new file with an
    /// unpredictable name (O_EXCL | O_NOFOLLOW, mode `mode`), then renamed
    /// over `name` (rename replaces a planted link, it never follows it).
    public func replace(_ name: String, with bytes: [UInt8], mode: mode_t) throws(SystemError) {
        let (descriptor, temporary) = try createUnique(prefix: name + ".", suffix: ".tmp", flags: O_WRONLY, mode: mode)
        var failure: SystemError? = nil
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = SystemError(call: "write(\(display(temporary)))", errno: errno)
                break
            }
            offset += n
        }
        Sys.close(descriptor)
        if failure == nil, renameat(fd, temporary, fd, name) != 0 {
            failure = SystemError(call: "rename(\(display(temporary)), \(display(name)))", errno: errno)
        }
        if let failure {
            _ = unlinkat(fd, temporary, 0)
            throw failure
        }
    }

    /// rename(2) relative to this directory; neither name is followed.
    public func rename(_ from: String, to: String) throws(SystemError) {
        _ = try syscall("rename(\(display(from)), \(display(to)))") { renameat(fd, from, fd, to) }
    }

    /// unlink(2) relative to this directory; a missing name is not an error.
    public func remove(_ name: String) throws(SystemError) {
        if unlinkat(fd, name, 0) != 0 && errno != ENOENT {
            throw SystemError(call: "unlink(\(display(name)))", errno: errno)
        }
    }

    /// Remove `name` only if it is a regular file of ours (a name another
    /// user planted in a shared directory is not ours to delete).
    @discardableResult
    public func removeIfOwned(_ name: String) -> Bool {
        guard let st = statEntry(name), st.st_mode & S_IFMT == S_IFREG, st.st_uid == Self.uid else { return false }
        return unlinkat(fd, name, 0) == 0
    }

    /// The names in the directory.
    public func entries() -> [String] {
        let descriptor = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0, let dir = fdopendir(descriptor) else {
            if descriptor >= 0 { Sys.close(descriptor) }
            return []
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = direntName(entry)  // read in place (docs/os-layer.md "Reading directories")
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Outside a trusted directory, what was opened must be ours and, if a
    /// regular file, have one name only (a hard link to /etc/shadow is ours
    /// by owner but not by name).
    private func checkOwned(_ descriptor: Int32, _ name: String) throws(SystemError) {
        let st = try Sys.fstat(descriptor)
        guard st.st_uid == Self.uid else {
            throw SystemError(call: "open(\(display(name))): owned by uid \(st.st_uid) in a directory other users can write; not used", errno: EPERM)
        }
        if st.st_mode & S_IFMT == S_IFREG && st.st_nlink > 1 {
            throw SystemError(call: "open(\(display(name))): a file with \(st.st_nlink) hard links in a directory other users can write; not used", errno: EPERM)
        }
    }

    private func display(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789_".utf8)

    /// `length` random characters of `[a-z0-9_]` (Python's mkstemp alphabet).
    public static func randomName(length: Int, using generator: inout SystemRandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
