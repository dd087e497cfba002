// Start-up after a crash: a daemon that was SIGKILLed leaves its children
// running, reparented to init. The new daemon reads the state file the old
// one kept (`<pidfile>.children`, trusted only if it is our own file),
// finds each recorded child that still runs, proven by pid AND start time AND
// the old daemon's marker in its environment (never by pid alone), and stops
// it: SIGTERM to the process and its group, SIGKILL after the program's
// stopwaitsecs. supervisord starts duplicates instead (issue #1101).
//
// This runs inside the event loop: the control socket and every program
// without a leftover come up at once; a program with a leftover is held
// (its `status` description says so) and starts as soon as its own leftover
// is gone. The leftovers are not our children, so their end is observed on
// a timer from /proc, not by waitpid.
import SwiftvisorCore
import SwiftvisorOS

final class LeftoverRecovery {
    /// How often the known pids of a leftover are looked at.
    static let pollInterval = 0.02
    /// How often /proc is scanned whole for members that appeared since.
    static let rescanInterval = 0.5
    /// After SIGKILL, how long to wait before giving up on a process (D state).
    static let killGrace = 5.0

    private struct Pending {
        var leftover: Leftover
        /// Pids seen alive with their start times (identity for cheap polls).
        var known: [Int32: UInt64]
        let startedAt: Double
        var killedAt: Double?
    }

    private let loop: EventLoop
    private let log: MainLog
    private let ownPid: Int32
    private var pending: [Pending] = []
    private var timer: EventLoop.TimerID?
    private var lastRescan = 0.0
    /// Called with a namespec once nothing of its leftovers runs.
    var onReleased: ((String) -> Void)?
    /// Called once when every leftover is gone.
    var onFinished: (() -> Void)?

    init(loop: EventLoop, log: MainLog) {
        self.loop = loop
        self.log = log
        self.ownPid = PidFile.currentPID
    }

    var isFinished: Bool { pending.isEmpty }

    /// Whether `namespec` waits for a leftover of the same program.
    func holds(_ namespec: String) -> Bool { pending.contains { $0.leftover.record.namespec == namespec } }

    /// The `status` description of a held program.
    func note(_ namespec: String) -> String? {
        guard let p = pending.first(where: { $0.leftover.record.namespec == namespec }) else { return nil }
        let stage = p.killedAt == nil ? "SIGTERM" : "SIGKILL"
        return "stopping pid \(p.leftover.record.pid) left by a previous swiftvisord (\(stage) sent)"
    }

    /// Records still pending, to keep in this daemon's own state file.
    var pendingRecords: [ChildRecord] { pending.map(\.leftover.record) }

    /// Find what `records` says is left running, signal it, and start polling.
    func begin(_ records: ChildRecords) {
        if records.daemonPid != ownPid, let s = ProcessStartTime.stat(records.daemonPid), !s.hasExited,
           s.startTime == records.daemonStartTime {
            // The daemon that wrote it still lives (the pidfile lock makes
            // this rare: a daemon on another pidfile path with a copied file).
            log.warn("child state file belongs to running daemon pid \(records.daemonPid); not touching its children")
            return
        }
        let live = Self.observe()
        let found = LeftoverSelection.select(records, live: live, ownPid: ownPid, carriesMarker: ProcessStartTime.environment(of:contains:))
        guard !found.isEmpty else { return }
        let now = EventLoop.now()
        let starts = Dictionary(live.map { ($0.pid, $0.startTime) }, uniquingKeysWith: { a, _ in a })
        for l in found {
            let others = l.pids.count - (l.leaderAlive ? 1 : 0)
            log.warn("found \(l.record.namespec) (pid \(l.record.pid)\(l.leaderAlive ? "" : ", exited") with \(others) other process(es) in its group) left running by a previous swiftvisord (pid \(records.daemonPid)); stopping it with SIGTERM")
            signal(l, SignalNumber.SIGTERM)
            var known: [Int32: UInt64] = [:]
            for pid in l.pids { known[pid] = starts[pid] ?? 0 }
            pending.append(Pending(leftover: l, known: known, startedAt: now, killedAt: nil))
        }
        lastRescan = now
        schedule()
    }

    /// SIGTERM or SIGKILL to the proven pids, and to the group when its leader is proven.
    private func signal(_ l: Leftover, _ sig: Int32) {
        if l.leaderAlive { ProcessStartTime.signalGroup(l.record.pid, sig) }
        for pid in l.pids { ProcessStartTime.signalProcess(pid, sig) }
    }

    private func schedule() {
        guard timer == nil, !pending.isEmpty else { return }
        timer = loop.schedule(at: EventLoop.now() + Self.pollInterval) { [weak self] in
            self?.timer = nil
            self?.poll()
        }
    }

    private func poll() {
        let now = EventLoop.now()
        let rescan = now - lastRescan >= Self.rescanInterval
        var byPid: [Int32: ObservedProcess] = [:]
        var byGroup: [Int32: [ObservedProcess]] = [:]
        if rescan {
            lastRescan = now
            for p in Self.observe() where p.pid != ownPid {
                byPid[p.pid] = p
                byGroup[p.processGroup, default: []].append(p)
            }
        }
        var still: [Pending] = []
        for var p in pending {
            // Cheap: are the pids we know still the same processes?
            p.known = p.known.filter { pid, start in
                guard let s = ProcessStartTime.stat(pid), !s.hasExited else { return false }
                return start == 0 || s.startTime == start
            }
            let needsProof = rescan || p.known.isEmpty
            if needsProof {
                if !rescan {
                    for q in Self.observe() where q.pid != ownPid {
                        byPid[q.pid] = q
                        byGroup[q.processGroup, default: []].append(q)
                    }
                    lastRescan = now
                }
                let found = LeftoverSelection.select(p.leftover.record, byPid: byPid, byGroup: byGroup,
                                                     carriesMarker: ProcessStartTime.environment(of:contains:))
                if let found {
                    for pid in found.pids where p.known[pid] == nil {
                        p.known[pid] = byPid[pid]?.startTime ?? 0
                        // A member forked after the first signal gets it too.
                        ProcessStartTime.signalProcess(pid, p.killedAt == nil ? SignalNumber.SIGTERM : SignalNumber.SIGKILL)
                    }
                    p.leftover = Leftover(record: p.leftover.record, leaderAlive: found.leaderAlive, pids: Array(p.known.keys).sorted())
                } else {
                    p.known = [:]
                }
            }
            let record = p.leftover.record
            if p.known.isEmpty {
                log.info("stopped leftover \(record.namespec) (pid \(record.pid))")
                release(record.namespec, after: p)
                continue
            }
            let killAt = p.startedAt + Double(record.stopwaitsecs)
            if p.killedAt == nil && now >= killAt {
                log.warn("killing leftover \(record.namespec) (pid \(record.pid)) with SIGKILL")
                // The group only while its leader is still the proven process
                // (checked this tick): a reused number is another's group.
                let leaderAlive = p.leftover.leaderAlive && p.known[record.pid] != nil
                signal(Leftover(record: record, leaderAlive: leaderAlive, pids: Array(p.known.keys)), SignalNumber.SIGKILL)
                p.killedAt = now
            } else if let killedAt = p.killedAt, now >= killedAt + Self.killGrace {
                log.error("leftover \(record.namespec) (pids \(p.known.keys.sorted().map(String.init).joined(separator: ","))) survived SIGKILL for \(Int(Self.killGrace)) s; giving up on it")
                release(record.namespec, after: p)
                continue
            }
            still.append(p)
        }
        pending = still
        if pending.isEmpty {
            onFinished?()
            onFinished = nil
        } else {
            schedule()
        }
    }

    private func release(_ namespec: String, after p: Pending) {
        // Another record of the same program (numprocs reuse a namespec only
        // once, but a reload may have left two) keeps the hold.
        if pending.filter({ $0.leftover.record.namespec == namespec }).count <= 1 {
            pendingRelease.append(namespec)
        }
        loop.defer { [weak self] in self?.deliverReleases() }
    }

    private var pendingRelease: [String] = []
    /// Operator `start`s waiting for a program's leftover to be gone.
    private var waiters: [String: [() -> Void]] = [:]

    /// Run `body` once `namespec` is no longer held.
    func whenGone(_ namespec: String, _ body: @escaping () -> Void) {
        waiters[namespec, default: []].append(body)
    }

    private func deliverReleases() {
        let names = pendingRelease
        pendingRelease.removeAll()
        for name in names where !holds(name) {
            // An operator's `start` first (its reply waits for it), then autostart.
            for body in waiters.removeValue(forKey: name) ?? [] { body() }
            onReleased?(name)
        }
    }

    /// Live (non-zombie) processes of the system, as the pure selection wants them.
    private static func observe() -> [ObservedProcess] {
        ProcessStartTime.all().filter { !$0.hasExited }.map {
            ObservedProcess(pid: $0.pid, processGroup: $0.processGroup, startTime: $0.startTime)
        }
    }
}
