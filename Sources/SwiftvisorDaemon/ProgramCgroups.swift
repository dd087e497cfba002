// `cgroup=true` in the daemon: each process of such a program is spawned into
// a cgroup of its own under the daemon's subtree, its stop and kill signals
// reach every process in that cgroup (also those that left the process group
// with setsid), and the stop ends when the cgroup is empty, which the kernel
// reports through cgroup.events (docs/configuration.md, docs/security.md).
import SwiftvisorCore
import SwiftvisorOS

/// The daemon's cgroup subtree, created on first need and kept across reloads.
final class ProgramCgroups {
    private let daemonPid: Int32
    private let log: MainLog
    private let loop: any EventScheduling
    private var tree: Result<CgroupTree, CgroupError>?
    /// Watches on a dead predecessor's cgroups while what was in them dies.
    private var staleWatches: [CgroupExitWatch] = []

    init(daemonPid: Int32, log: MainLog, loop: any EventScheduling) {
        self.daemonPid = daemonPid
        self.log = log
        self.loop = loop
    }

    /// The subtree, or why there is none. Tried once: a daemon that cannot
    /// create it at start will not be able to later either, and every spawn
    /// of a `cgroup=true` program reports the same error.
    func subtree() -> Result<CgroupTree, CgroupError> {
        if let tree { return tree }
        let made: Result<CgroupTree, CgroupError>
        do { made = .success(try CgroupTree.create(daemonPid: daemonPid)) } catch { made = .failure(error) }
        tree = made
        switch made {
        case .success(let t):
            // What a SIGKILLed predecessor in the same cgroup left: its
            // programs' leftovers that a crash-recovery group stop could not
            // reach (setsid), and its cgroup directories.
            for stale in t.staleSiblings() { removeStale(stale) }
        case .failure(let error):
            log.error("cgroup=true programs cannot start: \(error)")
        }
        return made
    }

    /// Kill what is left in a dead daemon's subtree and remove it once the
    /// kernel reports each cgroup empty (SignalNumber.SIGKILL is not instant; rmdir of a
    /// populated cgroup fails).
    private func removeStale(_ stale: CgroupTree) {
        var pending = 0
        let finish: () -> Void = { [weak self] in
            guard let self else { return }
            pending -= 1
            guard pending == 0 else { return }
            let left = stale.removeAll()
            if left.isEmpty {
                self.log.warn("removed the cgroup \(stale.path) of a daemon that is gone, killing what was left in it")
            } else {
                self.log.warn("could not remove the cgroup \(stale.path) of a daemon that is gone: \(left.joined(separator: ", ")) still busy")
            }
            self.staleWatches.removeAll { !$0.isWatching }
        }
        pending = 1  // released below, after every watch is armed
        for cg in stale.processCgroups() where Cgroup.isPopulated(cg) {
            Cgroup.signalAll(cg, SignalNumber.SIGKILL)
            pending += 1
            do {
                let watch = try CgroupExitWatch(loop: loop, cgroup: cg, onEmpty: finish)
                staleWatches.append(watch)
                watch.start()
            } catch {
                pending -= 1
                log.warn("could not watch \(cg): \(error)")
            }
        }
        finish()
    }

    /// SignalNumber.SIGKILL whatever is left in any process cgroup (daemon exit: after every
    /// program stopped, members of programs that EXITED on their own remain).
    func killLeftovers() {
        guard case .success(let t)? = tree else { return }
        for cg in t.processCgroups() where Cgroup.isPopulated(cg) { Cgroup.signalAll(cg, SignalNumber.SIGKILL) }
    }

    /// Remove every cgroup and the subtree (daemon exit).
    func removeAll() {
        for w in staleWatches { w.cancel() }
        staleWatches.removeAll()
        guard case .success(let t)? = tree else { return }
        for left in t.removeAll() { log.warn("could not remove cgroup \(left): it still holds processes") }
        tree = nil
    }
}

/// Waits for a cgroup to hold no live process: inotify on its cgroup.events,
/// read by the event loop, so there is no timer at all.
final class CgroupExitWatch: GroupExitWatching {
    private let loop: any EventScheduling
    private let cgroup: String
    private let watch: CgroupEventsWatch
    private let onEmpty: () -> Void
    private var done = false
    var isWatching: Bool { !done }

    init(loop: any EventScheduling, cgroup: String, onEmpty: @escaping () -> Void) throws(CgroupError) {
        self.loop = loop
        self.cgroup = cgroup
        self.onEmpty = onEmpty
        watch = try CgroupEventsWatch(cgroup: cgroup)
    }

    /// Watch first, then check: a change between the two is not lost.
    func start() {
        loop.watchReadable(watch.fd) { [weak self] in self?.check() }
        check()
    }

    /// Nothing to do: the kernel reports the change.
    func nudge() {}

    func cancel() {
        guard !done else { return }
        done = true
        loop.unwatch(watch.fd)
        watch.close()
    }

    private func check() {
        guard !done else { return }
        watch.drain()
        // Exited members leave `populated` at exit, zombie or not: no reap needed.
        guard !Cgroup.isPopulated(cgroup) else { return }
        cancel()
        onEmpty()
    }
}

extension Supervisor {
    /// Before spawning a `cgroup=true` process: its cgroup, created if needed,
    /// and an open cgroup.procs in `request` for the child to join before
    /// exec (the caller closes it after the spawn). A failure is fed as a
    /// spawn error and returns false: the program never runs outside its cgroup.
    func attachCgroup(_ p: ManagedProcess, to request: inout SpawnRequest) -> Bool {
        guard p.config.cgroup else { return true }
        do {
            guard let cgroups else { throw CgroupError("cgroups are not available in this daemon") }
            let tree = try cgroups.subtree().get()
            let path = try tree.processCgroup(group: p.groupName, process: p.name)
            p.cgroupPath = path
            request.cgroupProcsFD = try Cgroup.openProcs(path)
            return true
        } catch {
            feed(p, .spawnFailed(reason: "cgroup=true: \(error)"))
            return false
        }
    }

    /// A process record goes away (remove, update, reload): no watch outlives
    /// it, what is left in its cgroup is killed, and the cgroup removed when
    /// empty (else at daemon exit).
    func endGroupWatchAndCgroup(_ p: ManagedProcess) {
        p.groupWatch?.cancel()
        p.groupWatch = nil
        if let path = p.cgroupPath, Cgroup.isPopulated(path) { Cgroup.signalAll(path, SignalNumber.SIGKILL) }
        releaseCgroup(p)
    }

    /// `.signal(_, toGroup: true)` for a `cgroup=true` process: every member of
    /// its cgroup (SignalNumber.SIGKILL through cgroup.kill). False when it has no cgroup.
    func signalCgroup(_ p: ManagedProcess, _ signal: Int32) -> Bool {
        guard p.config.cgroup, let path = p.cgroupPath else { return false }
        Cgroup.signalAll(path, signal)
        return true
    }

    /// `.awaitGroupExit` for a `cgroup=true` process: the cgroup's
    /// populated=0, reported by the kernel. False when it has no cgroup or it
    /// cannot be watched (the caller falls back to the process group).
    func awaitCgroupExit(_ p: ManagedProcess) -> Bool {
        guard p.config.cgroup, let path = p.cgroupPath else { return false }
        let watch: CgroupExitWatch
        do {
            watch = try CgroupExitWatch(loop: loop, cgroup: path) { [weak self, weak p] in
                guard let self, let p else { return }
                p.groupWatch = nil
                self.feed(p, .groupExited)
            }
        } catch {
            log.warn("\(p.name): \(error); waiting on its process group instead")
            return false
        }
        p.groupWatch = watch
        watch.start()
        return true
    }

    /// A process that stopped gives back its cgroup once it is empty; one that
    /// left processes behind (EXITED with a setsid grandchild) keeps it, so
    /// they are counted, signalled by the next stop, and killed at exit.
    func releaseCgroup(_ p: ManagedProcess) {
        guard let path = p.cgroupPath, p.machine.pid == 0, !p.machine.awaitingGroup else { return }
        if Cgroup.remove(path) { p.cgroupPath = nil }
    }

    /// `process_count` for `status --json`: processes in the cgroup now.
    func cgroupProcessCount(_ p: ManagedProcess) -> Int? {
        guard p.machine.config.cgroup else { return nil }
        guard let path = p.cgroupPath else { return 0 }
        return Cgroup.processCount(path) ?? 0
    }
}
