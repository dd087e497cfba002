// Waiting for a process group to empty after its leader was reaped in a group
// stop (`stopasgroup`, the `killasgroup` SIGKILL). The state machine stays in
// STOPPING and asks for `.awaitGroupExit`; this watch answers `.groupExited`.
//
// The kernel has no notification for "process group empty", so the watch
// re-checks kill(-pgid, 0) on a short timer. That timer exists only between
// the leader's reap and the group's end (bounded by stopwaitsecs and the
// SIGKILL that follows), so an idle daemon still never wakes. A program in its
// own cgroup is watched through cgroup.events instead (CgroupExitWatch).
import SwiftvisorCore
import SwiftvisorOS

/// Something that will call back once when a stopped program's processes are gone.
protocol GroupExitWatching: AnyObject {
    func cancel()
}

final class GroupExitWatch: GroupExitWatching {
    private let loop: EventLoop
    private let pgid: Int32
    private let beforeCheck: () -> Void
    private let onEmpty: () -> Void
    private var timer: EventLoop.TimerID?
    private var interval = GroupExitWatch.firstInterval
    private var done = false

    /// 10 ms, doubling to 100 ms: members that die with their leader are
    /// seen at once; a group that ignores the stop signal costs at most ten
    /// wakeups a second until the SIGKILL deadline.
    static let firstInterval = 0.01
    static let maxInterval = 0.1

    /// `beforeCheck` reaps: a member that died is a zombie, and a zombie
    /// still counts as a member of its group until it is reaped.
    init(loop: EventLoop, pgid: Int32, beforeCheck: @escaping () -> Void, onEmpty: @escaping () -> Void) {
        self.loop = loop
        self.pgid = pgid
        self.beforeCheck = beforeCheck
        self.onEmpty = onEmpty
    }

    /// Check now; re-check on the timer until the group is empty.
    func start() { check(reap: false) }

    func cancel() {
        done = true
        if let timer { loop.cancel(timer) }
        timer = nil
    }

    private func check(reap: Bool) {
        timer = nil
        guard !done else { return }
        if reap { beforeCheck() }
        guard !done else { return }  // the reap may have finished the stop
        if ProcessGroup.isEmpty(pgid) {
            done = true
            onEmpty()
            return
        }
        timer = loop.schedule(at: EventLoop.now() + interval) { [weak self] in self?.check(reap: true) }
        interval = min(interval * 2, Self.maxInterval)
    }
}

extension Supervisor {
    /// `.awaitGroupExit`: the leader of a group stop was reaped; feed
    /// `.groupExited` once nothing is left of its group.
    func awaitGroupExit(_ p: ManagedProcess) {
        p.groupWatch?.cancel()
        if awaitCgroupExit(p) { return }
        let pgid = p.machine.processGroup
        let watch = GroupExitWatch(loop: loop, pgid: pgid, beforeCheck: { [weak self] in self?.reapChildren() }) { [weak self, weak p] in
            guard let self, let p else { return }
            p.groupWatch = nil
            self.feed(p, .groupExited)
        }
        p.groupWatch = watch
        watch.start()
    }

    /// The pid a `.signal` action targets: the leader, or its whole group
    /// (negative), which outlives the leader while a group stop waits for it.
    /// Signalling -pgid after the leader's reap is safe: a pid number stays
    /// allocated while any process has it as its process group id, so the
    /// number cannot name another group while ours has a member
    /// (docs/architecture.md, "Stopping a process group").
    func signalTarget(_ p: ManagedProcess, toGroup: Bool) -> Int32? {
        let m = p.machine
        if toGroup { return m.processGroup > 0 ? -m.processGroup : nil }
        return m.pid > 0 ? m.pid : nil
    }
}
