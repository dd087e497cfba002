// The state file written next to the pidfile (`<pidfile>.children`): every
// live child's pid and start time, rewritten atomically after each round of
// the event loop in which children were spawned. 500 autostart spawns in one
// round cost one write, not 500. Start times come from the boot clock at
// spawn, not from /proc/<pid>/stat: opening /proc/<child> makes the kernel
// tear down its dentries when the child is reaped (d_invalidate was 17 % of
// the daemon's time during `stop all` of 500 children). Exits are written
// lazily (a second later, with the next write): a record of a child that
// already exited is harmless (its pid and start time no longer match a live
// process), a missing record of a live one is not.
import SwiftvisorCore
import SwiftvisorOS

final class ChildStateFile {
    let path: String
    private let loop: EventLoop
    private let log: MainLog
    private let daemonPid: Int32
    private let daemonStartTime: UInt64
    /// Live children by pid: an exit is one removal, whatever the table size.
    private var children: [Int32: ChildRecord] = [:]
    private var flushScheduled = false
    private var lazyFlush: EventLoop.TimerID?
    private var failed = false
    private var closed = false
    /// How long an exit may wait before it is written.
    static let exitWriteDelay = 1.0

    /// The state file that belongs to `pidfile`.
    static func path(forPidfile pidfile: String) -> String { pidfile + ".children" }

    init(pidfile: String, loop: EventLoop, log: MainLog) {
        self.path = Self.path(forPidfile: pidfile)
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
                                    stopwaitsecs: process.stopwaitsecs, namespec: process.namespec)
        scheduleFlush()
    }

    /// A child was reaped: forget it (written within `exitWriteDelay`).
    func recordExit(pid: Int32) {
        guard children.removeValue(forKey: pid) != nil else { return }
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
        AtomicFile.remove(path)
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
        let records = ChildRecords(daemonPid: daemonPid, daemonStartTime: daemonStartTime,
                                   children: children.values.sorted { $0.pid < $1.pid })
        do {
            try AtomicFile.write(path, Array(records.encoded().utf8))
            if failed { log.info("child state file \(path) written again") }
            failed = false
        } catch {
            // Log once per failure streak: the daemon supervises on regardless,
            // only recovery after a crash of this daemon is weakened.
            if !failed { log.error("could not write child state file \(path): \(error); a crash of this daemon could leave children running") }
            failed = true
        }
    }
}
