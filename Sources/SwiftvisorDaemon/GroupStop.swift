// Group stops: signals to a process group (or a cgroup), and waiting for the
// group to empty after its leader was reaped in a group
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
    /// A signal was just sent to the group (re-check soon).
    func nudge()
    func cancel()
}

final class GroupExitWatch: GroupExitWatching {
    private let loop: any EventScheduling
    private let pgid: Int32
    private let beforeCheck: () -> Void
    private let onEmpty: () -> Void
    private var timer: EventLoop.TimerID?
    private var interval = GroupExitWatch.firstInterval
    private var done = false

    /// 10 ms, doubling to 1 s: members that die with their leader are seen
    /// at once, and a group that outlives its stop signal costs about one
    /// wakeup a second until the SIGKILL. Every signal the stop sends to the
    /// group starts the series again (`nudge`), so the SIGKILL's effect is
    /// seen within milliseconds, not at the next 1 s check. (A group that can
    /// never be killed, members the daemon may not signal, is checked once a
    /// second while it lives: supervisord's tick does that much for every process.)
    static let firstInterval = 0.01
    static let maxInterval = 1.0

    /// `beforeCheck` reaps: a member that died is a zombie, and a zombie
    /// still counts as a member of its group until it is reaped.
    init(loop: any EventScheduling, pgid: Int32, beforeCheck: @escaping () -> Void, onEmpty: @escaping () -> Void) {
        self.loop = loop
        self.pgid = pgid
        self.beforeCheck = beforeCheck
        self.onEmpty = onEmpty
    }

    /// Check now; re-check on the timer until the group is empty.
    func start() { check(reap: false) }

    /// A signal just went to the group: check again soon.
    func nudge() {
        guard !done else { return }
        if let timer { loop.cancel(timer) }
        interval = Self.firstInterval
        timer = loop.schedule(at: loop.now() + interval) { [weak self] in self?.check(reap: true) }
        interval *= 2
    }

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
        timer = loop.schedule(at: loop.now() + interval) { [weak self] in self?.check(reap: true) }
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

    /// Perform `.signal`: to the leader, or to its whole group (every
    /// process of its cgroup with `cgroup=true`). Returns the errno to feed
    /// back as `.signalFailed`; ESRCH is not one: the leader already exited
    /// and its reap (or the group watch) follows.
    ///
    /// Signalling -pgid after the leader's reap is safe: a pid number stays
    /// allocated while any process has it as its process group id, so the
    /// number cannot name another group while ours has a member
    /// (docs/architecture.md, "Stopping a process group").
    func deliver(_ sig: SignalSpec, to p: ManagedProcess, toGroup: Bool) -> Int32? {
        let m = p.machine
        if toGroup {
            defer { p.groupWatch?.nudge() }
            if signalCgroup(p, sig.number) { return nil }
        }
        guard toGroup ? m.processGroup > 0 : m.pid > 0 else { return nil }
        do {
            try host.signal(toGroup ? -m.processGroup : m.pid, sig.number)
            return nil
        } catch {
            return error.errno == Errno.ESRCH ? nil : error.errno
        }
    }
}
