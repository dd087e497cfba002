// Start-up after a crash: a daemon that was SIGKILLed leaves its children
// running, reparented to init. Before starting its own, the new daemon reads
// the state file the old one kept (`<pidfile>.children`), finds each recorded
// child that still runs (same pid AND same start time, or members of its
// process group), and stops it: SIGTERM to the whole group, SIGKILL after the
// program's stopwaitsecs. supervisord starts duplicates instead (issue #1101).
// This runs before the event loop, once; the leftovers are not our children,
// so their end is observed by polling /proc, not by waitpid.
import SwiftvisorCore
import SwiftvisorOS
import Glibc

enum CrashRecovery {
    /// How often /proc is looked at while waiting for leftovers to exit.
    static let pollInterval = 0.01
    /// After SIGKILL, how long to wait before giving up on a process (D state).
    static let killGrace = 5.0

    /// Stop everything the state file at `path` says a previous daemon left
    /// running; then remove the file. Returns the leftovers found.
    @discardableResult
    static func stopLeftovers(statePath path: String, log: MainLog) -> [Leftover] {
        guard let bytes = AtomicFile.read(path) else { return [] }
        guard let records = ChildRecords.decode(String(decoding: bytes, as: UTF8.self)) else {
            log.warn("ignoring unreadable child state file \(path)")
            AtomicFile.remove(path)
            return []
        }
        let me = PidFile.currentPID
        if records.daemonPid != me, let s = ProcessStartTime.stat(records.daemonPid), !s.hasExited,
           s.startTime == records.daemonStartTime {
            // The daemon that wrote it still lives: its children are not leftovers.
            log.warn("child state file \(path) belongs to running daemon pid \(records.daemonPid); not touching its children")
            return []
        }
        let leftovers = LeftoverSelection.select(records, live: observe(), ownPid: me)
        if leftovers.isEmpty {
            AtomicFile.remove(path)
            return []
        }
        let start = EventLoop.now()
        for l in leftovers {
            let others = l.pids.count - (l.leaderAlive ? 1 : 0)
            log.warn("found \(l.record.namespec) (pid \(l.record.pid)\(l.leaderAlive ? "" : ", exited") with \(others) other process(es) in its group) left running by a previous swiftvisord (pid \(records.daemonPid)); stopping it with SIGTERM")
            ProcessStartTime.signalGroup(l.record.pid, SIGTERM)
            if l.leaderAlive { ProcessStartTime.signalProcess(l.record.pid, SIGTERM) }
            // A member that left the group (setpgid) still gets its own signal.
            for pid in l.pids where pid != l.record.pid { ProcessStartTime.signalProcess(pid, SIGTERM) }
        }
        var pending = leftovers
        var killed: Set<Int32> = []
        while !pending.isEmpty {
            let live = observe()
            let now = EventLoop.now()
            var still: [Leftover] = []
            for l in pending {
                let alive = aliveMembers(of: l, in: live)
                if alive.isEmpty {
                    log.info("stopped leftover \(l.record.namespec) (pid \(l.record.pid))")
                    continue
                }
                let killAt = start + Double(l.record.stopwaitsecs)
                if now >= killAt && !killed.contains(l.record.pid) {
                    log.warn("killing leftover \(l.record.namespec) (pid \(l.record.pid)) with SIGKILL")
                    ProcessStartTime.signalGroup(l.record.pid, SIGKILL)
                    for pid in alive { ProcessStartTime.signalProcess(pid, SIGKILL) }
                    killed.insert(l.record.pid)
                } else if killed.contains(l.record.pid) && now >= killAt + killGrace {
                    log.error("leftover \(l.record.namespec) (pids \(alive.map(String.init).joined(separator: ","))) survived SIGKILL for \(Int(killGrace)) s; giving up on it")
                    continue
                }
                still.append(l)
            }
            pending = still
            if !pending.isEmpty { ProcessStartTime.pause(pollInterval) }
        }
        AtomicFile.remove(path)
        return leftovers
    }

    /// Live (non-zombie) processes of the system, as the pure selection wants them.
    private static func observe() -> [ObservedProcess] {
        ProcessStartTime.all().filter { !$0.hasExited }.map {
            ObservedProcess(pid: $0.pid, processGroup: $0.processGroup, startTime: $0.startTime)
        }
    }

    /// Which of the leftover's pids still run (same identity as when found).
    private static func aliveMembers(of l: Leftover, in live: [ObservedProcess]) -> [Int32] {
        let wanted = Set(l.pids)
        return live.filter {
            wanted.contains($0.pid) && $0.startTime + LeftoverSelection.startTimeWindow >= l.record.startTime
                && ($0.pid == l.record.pid || $0.processGroup == l.record.pid || l.pids.contains($0.pid))
        }.map(\.pid)
    }
}
