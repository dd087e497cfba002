// The state file written next to the pidfile (`<pidfile>.children`): every
// live child's pid and start time, rewritten atomically after each round of
// the event loop in which children were spawned or reaped. 500 autostart
// spawns in one round cost one write, not 500.
import SwiftvisorCore
import SwiftvisorOS

final class ChildStateFile {
    let path: String
    private let loop: EventLoop
    private let log: MainLog
    private var records: ChildRecords
    private var index: [Int32: Int] = [:]
    private var flushScheduled = false
    private var failed = false

    /// The state file that belongs to `pidfile`.
    static func path(forPidfile pidfile: String) -> String { pidfile + ".children" }

    init(pidfile: String, loop: EventLoop, log: MainLog) {
        self.path = Self.path(forPidfile: pidfile)
        self.loop = loop
        self.log = log
        let me = PidFile.currentPID
        records = ChildRecords(daemonPid: me, daemonStartTime: ProcessStartTime.of(me) ?? 0, children: [])
        scheduleFlush()
    }

    /// A child was spawned: remember its identity (read now: the start time is
    /// set at fork and survives exec).
    func recordSpawn(pid: Int32, process: ProcessConfig) {
        guard let start = ProcessStartTime.of(pid) else { return }  // already gone and reaped
        index[pid] = records.children.count
        records.children.append(ChildRecord(pid: pid, startTime: start, stopwaitsecs: process.stopwaitsecs, namespec: process.namespec))
        scheduleFlush()
    }

    /// A child was reaped: forget it.
    func recordExit(pid: Int32) {
        guard let i = index.removeValue(forKey: pid) else { return }
        records.children.remove(at: i)
        for (k, v) in index where v > i { index[k] = v - 1 }
        scheduleFlush()
    }

    /// A clean exit leaves nothing to recover: remove the file.
    func remove() {
        AtomicFile.remove(path)
    }

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.defer { [weak self] in self?.flush() }
    }

    func flush() {
        flushScheduled = false
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
