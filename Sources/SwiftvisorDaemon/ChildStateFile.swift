// The state file written next to the pidfile (`<pidfile>.children`): every
// live child's pid, start time and marker, rewritten atomically after each
// round of the event loop in which children were spawned. 500 autostart
// spawns in one round cost one write, not 500. Start times come from the boot
// clock at spawn, not from /proc/<pid>/stat: opening /proc/<child> makes the
// kernel tear down its dentries when the child is reaped (d_invalidate was
// 17 % of the daemon's time during `stop all` of 500 children). Exits are
// written lazily (a second later, with the next write): a record of a child
// that already exited is harmless (its pid, start time and marker no longer
// match a live process), a missing record of a live one is not.
//
// The file is written relative to the pidfile's directory with an
// unpredictable temporary name (O_EXCL | O_NOFOLLOW, mode 0600) renamed over
// the state file: a link planted in /tmp is replaced, never written through
// (docs/security.md).
import SwiftvisorCore
import SwiftvisorOS

final class ChildStateFile {
    let path: String
    private let directory: SharedDirectory
    private let name: String
    private let loop: EventLoop
    private let log: MainLog
    private let daemonPid: Int32
    private let daemonStartTime: UInt64
    /// This daemon's random id; every child carries it in its environment.
    let marker: String
    /// Live children by pid: an exit is one removal, whatever the table size.
    private var children: [Int32: ChildRecord] = [:]
    /// Records kept beside our own: leftovers of a predecessor still being stopped.
    var carriedRecords: () -> [ChildRecord] = { [] }
    private var flushScheduled = false
    private var lazyFlush: EventLoop.TimerID?
    private var failed = false
    private var closed = false
    /// How long an exit may wait before it is written.
    static let exitWriteDelay = 1.0

    /// The state file's name beside the pidfile named `pidfileName`.
    static func name(forPidfile pidfileName: String) -> String { pidfileName + ".children" }

    init(pidfile: PidFile, marker: String, loop: EventLoop, log: MainLog) {
        let (_, pidfileName) = SharedDirectory.split(pidfile.path)
        self.name = Self.name(forPidfile: pidfileName)
        self.path = pidfile.path + ".children"
        self.directory = pidfile.directory
        self.marker = marker
        self.loop = loop
        self.log = log
        daemonPid = PidFile.currentPID
        daemonStartTime = ProcessStartTime.of(daemonPid) ?? 0
        scheduleFlush()
    }

    /// A child was spawned: remember it, stamped with the boot clock now
    /// (within a tick of the kernel's own start time; no /proc read).
    func recordSpawn(pid: Int32, process: ProcessConfig) {
        children[pid] = ChildRecord(pid: pid, startTime: ProcessStartTime.nowInTicks(),
                                    stopwaitsecs: process.stopwaitsecs, marker: marker, namespec: process.namespec)
        scheduleFlush()
    }

    /// A child was reaped: forget it (written within `exitWriteDelay`).
    func recordExit(pid: Int32) {
        guard children.removeValue(forKey: pid) != nil else { return }
        writeSoon()
    }

    /// Something left the file's content (an exit, a leftover gone): write
    /// within `exitWriteDelay`.
    func writeSoon() {
        if lazyFlush == nil && !flushScheduled {
            lazyFlush = loop.schedule(at: EventLoop.now() + Self.exitWriteDelay) { [weak self] in
                self?.lazyFlush = nil
                self?.flush()
            }
        }
    }

    /// A clean exit leaves nothing to recover: remove the file (and write no more).
    func remove() {
        closed = true
        if let t = lazyFlush { loop.cancel(t); lazyFlush = nil }
        _ = directory.removeIfOwned(name)
    }

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.defer { [weak self] in self?.flush() }
    }

    func flush() {
        flushScheduled = false
        guard !closed else { return }
        if let t = lazyFlush { loop.cancel(t); lazyFlush = nil }
        let records = ChildRecords(daemonPid: daemonPid, daemonStartTime: daemonStartTime, marker: marker,
                                   children: children.values.sorted { $0.pid < $1.pid } + carriedRecords())
        do {
            try directory.replace(name, with: Array(records.encoded().utf8), mode: 0o600)
            if failed { log.info("child state file \(path) written again") }
            failed = false
        } catch {
            // Log once per failure streak: the daemon supervises on regardless,
            // only recovery after a crash of this daemon is weakened.
            if !failed { log.error("could not write child state file \(path): \(error); a crash of this daemon could leave children running") }
            failed = true
        }
    }

    /// The state file a previous daemon left, if it is ours to trust: a
    /// regular file owned by this user, writable by nobody else, one link.
    /// A file another user planted is reported and ignored, never acted on.
    static func readPrevious(pidfile: PidFile, log: MainLog) -> ChildRecords? {
        let (_, pidfileName) = SharedDirectory.split(pidfile.path)
        let name = Self.name(forPidfile: pidfileName)
        let path = pidfile.path + ".children"
        guard pidfile.directory.statEntry(name) != nil else { return nil }
        let fd: Int32
        do { fd = try pidfile.directory.openOwned(name) } catch {
            log.warn("ignoring child state file \(path): \(error); no process is stopped on its word")
            return nil
        }
        defer { Sys.close(fd) }
        guard let bytes = BoundedRead.all(fd, limit: ChildRecords.maximumFileSize),
              let records = ChildRecords.decode(String(decoding: bytes, as: UTF8.self)) else {
            log.warn("ignoring unreadable child state file \(path)")
            return nil
        }
        return records
    }
}
