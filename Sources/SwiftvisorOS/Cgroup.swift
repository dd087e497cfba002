// Per-program cgroups (`cgroup=true`, docs/configuration.md): the daemon's
// subtree in the cgroup v2 hierarchy, one cgroup per process, and what a stop
// needs from them: signal every member, kill them all (`cgroup.kill`), know
// when none is left (`cgroup.events`, watched with inotify, never polled).
import Glibc
import CSwiftvisor
import SwiftvisorCore

/// Why the daemon cannot give a program a cgroup. Programs with `cgroup=true`
/// then fail to spawn with this text: they never run unconfined.
public struct CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The daemon's own cgroup subtree: `<cgroup2 mount><own cgroup>/swiftvisord.<pid>`.
public final class CgroupTree {
    public let path: String

    private init(path: String) { self.path = path }

    /// Find the cgroup v2 hierarchy and the daemon's cgroup in /proc, and
    /// create the subtree (or reuse it: a reload keeps the same daemon pid).
    public static func create(daemonPid: Int32) throws(CgroupError) -> CgroupTree {
        guard let mountinfo = readText("/proc/self/mountinfo", limit: 1 << 20),
              let mount = CgroupLayout.cgroup2Mount(mountinfo: mountinfo) else {
            throw CgroupError("no cgroup v2 hierarchy is mounted (see /proc/self/mountinfo)")
        }
        guard let own = readText("/proc/self/cgroup", limit: 1 << 16).flatMap({ CgroupLayout.ownCgroup(procSelfCgroup: $0) }) else {
            throw CgroupError("the daemon is in no cgroup v2 cgroup (see /proc/self/cgroup)")
        }
        let path = CgroupLayout.daemonSubtree(mount: mount, own: own, daemonPid: daemonPid)
        try makeDirectory(path)
        return CgroupTree(path: path)
    }

    /// Subtrees beside ours left by a daemon that is gone (SIGKILLed, so it
    /// could not clean up). A subtree whose daemon pid is alive is left alone
    /// (another daemon in the same cgroup).
    public func staleSiblings() -> [CgroupTree] {
        guard let slash = path.lastIndex(of: "/") else { return [] }
        let parent = String(path[..<slash])
        return CgroupTree.subdirectories(of: parent).compactMap { name in
            guard let pid = CgroupLayout.daemonPid(subtreeName: name), parent + "/" + name != path else { return nil }
            // ESRCH: no such process, so that daemon is gone; EPERM means alive.
            if Glibc.kill(pid, 0) == 0 || errno != ESRCH { return nil }
            let stale = CgroupTree(path: parent + "/" + name)
            // A member outside our pid namespace reads as pid 0: then the
            // subtree may belong to a live daemon of another namespace whose
            // pid means nothing here. Leave it.
            if stale.processCgroups().contains(where: { Cgroup.hasInvisibleMembers($0) }) { return nil }
            return stale
        }
    }

    /// The cgroup of one process, created if missing.
    public func processCgroup(group: String, process: String) throws(CgroupError) -> String {
        let dir = path + "/" + CgroupLayout.processCgroupName(group: group, process: process)
        try CgroupTree.makeDirectory(dir)
        return dir
    }

    /// Remove every process cgroup that is empty, then the subtree itself
    /// (daemon exit). Returns the cgroups that could not be removed.
    @discardableResult
    public func removeAll() -> [String] {
        var left: [String] = []
        for name in CgroupTree.subdirectories(of: path) where !Cgroup.remove(path + "/" + name) {
            left.append(path + "/" + name)
        }
        if !Cgroup.remove(path) { left.append(path) }
        return left
    }

    /// The cgroups of the subtree (for killing leftovers at exit).
    public func processCgroups() -> [String] {
        CgroupTree.subdirectories(of: path).map { path + "/" + $0 }
    }

    private static func makeDirectory(_ dir: String) throws(CgroupError) {
        do {
            _ = try syscall("mkdir(\(dir))") { Glibc.mkdir(dir, 0o755) }
        } catch where error.errno == EEXIST {
            return
        } catch {
            throw CgroupError("cannot create cgroup \(dir): \(Sys.errnoName(error.errno))")
        }
    }

    private static func subdirectories(of dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = direntName(entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// Operations on one cgroup directory.
public enum Cgroup {
    /// Open `cgroup.procs` for a child to write itself into (`SpawnRequest.cgroupProcsFD`).
    public static func openProcs(_ cgroup: String) throws(CgroupError) -> Int32 {
        do {
            return try Sys.open(cgroup + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
        } catch {
            throw CgroupError("cannot open \(cgroup)/cgroup.procs: \(Sys.errnoName(error.errno))")
        }
    }

    /// The pids in the cgroup now (not its descendants; the daemon creates none).
    public static func pids(_ cgroup: String) -> [Int32] {
        readText(cgroup + "/cgroup.procs", limit: 1 << 24).map(CgroupLayout.pids(procs:)) ?? []
    }

    /// True when cgroup.procs lists a process as 0: one this pid namespace cannot see.
    public static func hasInvisibleMembers(_ cgroup: String) -> Bool {
        readText(cgroup + "/cgroup.procs", limit: 1 << 24)?.split(separator: "\n").contains("0") ?? false
    }

    /// How many processes the cgroup holds; nil when it cannot be read.
    public static func processCount(_ cgroup: String) -> Int? {
        readText(cgroup + "/cgroup.procs", limit: 1 << 24).map { CgroupLayout.pids(procs: $0).count }
    }

    /// True while a live process is in the cgroup (`populated 1`). A cgroup
    /// that cannot be read counts as empty: it is gone.
    public static func isPopulated(_ cgroup: String) -> Bool {
        readText(cgroup + "/cgroup.events", limit: 4096).flatMap(CgroupLayout.populated(events:)) ?? false
    }

    /// Send `signal` to every process in the cgroup. SIGKILL uses
    /// `cgroup.kill` (Linux 5.14+), which the kernel applies to every member
    /// and to any process forked meanwhile; without it, each listed pid gets
    /// SIGKILL, a few rounds while new pids keep appearing (a forking member),
    /// and the state machine repeats the SIGKILL until the cgroup is empty.
    /// Returns false when nobody was signalled because the cgroup is empty.
    @discardableResult
    public static func signalAll(_ cgroup: String, _ signal: Int32) -> Bool {
        if signal == SIGKILL, writeText(cgroup + "/cgroup.kill", "1") { return true }
        var sent = false
        var seen = Set<Int32>()
        for _ in 0..<(signal == SIGKILL ? 8 : 1) {
            let fresh = pids(cgroup).filter { !seen.contains($0) }
            if fresh.isEmpty { break }
            for pid in fresh {
                seen.insert(pid)
                // A listed pid that exited in between gives ESRCH: fine.
                if Glibc.kill(pid, signal) == 0 { sent = true }
            }
        }
        return sent
    }

    /// rmdir the cgroup; false while it still holds a process (EBUSY).
    @discardableResult
    public static func remove(_ cgroup: String) -> Bool {
        if Glibc.rmdir(cgroup) == 0 { return true }
        return errno == ENOENT
    }
}

/// Wakes the event loop when a cgroup's `cgroup.events` changes (the kernel
/// sends IN_MODIFY on it when `populated` flips), so the daemon learns that a
/// stopped program's last process is gone without polling.
public final class CgroupEventsWatch {
    /// The inotify descriptor (O_NONBLOCK | O_CLOEXEC); readable on a change.
    public let fd: Int32

    public init(cgroup: String) throws(CgroupError) {
        let fd: Int32
        do {
            fd = try syscall("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        } catch {
            throw CgroupError("inotify_init1: \(Sys.errnoName(error.errno))")
        }
        do {
            _ = try syscall("inotify_add_watch") { inotify_add_watch(fd, cgroup + "/cgroup.events", UInt32(IN_MODIFY)) }
        } catch {
            Sys.close(fd)
            throw CgroupError("cannot watch \(cgroup)/cgroup.events: \(Sys.errnoName(error.errno))")
        }
        self.fd = fd
    }

    /// Discard the queued events (the caller re-reads cgroup.events).
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ Glibc.read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    public func close() { Sys.close(fd) }
}

/// A kernel text file, read whole up to `limit` bytes (cgroup files are
/// generated per read: one open, reads until EOF).
func readText(_ path: String, limit: Int) -> String? {
    guard let fd = try? Sys.open(path, O_RDONLY | O_CLOEXEC) else { return nil }
    defer { Sys.close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while data.count < limit {
        guard let n = try? chunk.withUnsafeMutableBytes({ (b) throws(SystemError) -> Int in try Sys.read(fd, into: b) }), n > 0 else { break }
        data.append(contentsOf: chunk[0..<min(n, limit - data.count)])
    }
    return String(decoding: data, as: UTF8.self)
}

/// Write a short text to a kernel file; false on any error.
func writeText(_ path: String, _ text: String) -> Bool {
    guard let fd = try? Sys.open(path, O_WRONLY | O_CLOEXEC) else { return false }
    defer { Sys.close(fd) }
    let bytes = Array(text.utf8)
    let n = try? bytes.withUnsafeBytes { (b) throws(SystemError) -> Int in try Sys.write(fd, b) }
    return n == bytes.count
}
