// Starts that wait for their dependencies (docs/dependencies.md). The rules
// (when a dependency is met or failed, the timeout, the release order) are
// the core's `StartGate` and `DependencyCheck`; this file feeds the gate the
// table's states and performs what it decides. Nothing polls: a waiting
// start is re-judged only when one of its dependencies changes state, and
// the gate's one timer exists only while a `depends_on_timeout` is pending.
import SwiftvisorCore
import SwiftvisorOS

/// How a start that went through the gate ends.
enum GateOutcome {
    /// Every dependency is met: start now.
    case start
    /// A dependency failed or the wait timed out (the reason names it).
    case failed(String)
    /// The operator stopped the process, or everything is being stopped.
    case cancelled
}

extension Supervisor {
    /// The state of a dependency as the gate judges it.
    func dependencyStatus(_ namespec: String) -> DependencyStatus? {
        guard let p = byNamespec[namespec] else { return nil }
        let m = p.machine
        let code = m.exitStatus?.supervisorCode ?? 0
        return DependencyStatus(state: m.state, spawned: m.pid != 0 || m.state != .starting,
                                exitExpected: m.exitStatus != nil && p.config.exitcodes.contains(code), exitCode: code)
    }

    /// Start `p` once its dependencies are met (autostart, `update`): at once
    /// when it has none. Dependencies that are stopped are started first
    /// (pulled in), as systemd starts what a unit requires.
    func startWhenReady(_ p: ManagedProcess) {
        whenDependenciesMet(p, pullIn: true) { [weak self, unowned p] outcome in
            guard let self else { return }
            switch outcome {
            case .start:
                if p.machine.state == .stopped || p.machine.state == .exited || p.machine.state == .fatal { self.feed(p, .start) }
            case .failed, .cancelled:
                break  // performGate made it FATAL; a cancelled start leaves it as it is
            }
        }
    }

    /// Run `then` once `p`'s dependencies are met or failed; synchronously
    /// when that is already decided. With `pullIn`, dependencies that do not
    /// meet their condition and are not on their way are started first.
    func whenDependenciesMet(_ p: ManagedProcess, pullIn: Bool, _ then: @escaping (GateOutcome) -> Void) {
        let deps = p.config.dependencies
        guard !deps.isEmpty else { return then(.start) }
        if pullIn {
            for d in deps {
                guard let dep = byNamespec[d.namespec], !gate.isWaiting(d.namespec),
                      DependencyCheck.needsPullIn(d, dependencyStatus(d.namespec)) else { continue }
                log.info("starting \(dep.namespec): \(p.namespec) depends on it")
                if pulledIn.isEmpty { loop.deferToNextRound { [weak self] in self?.pulledIn = [] } }
                pulledIn.insert(dep.namespec)
                startWhenReady(dep)
            }
        }
        gateContinuations[p.namespec, default: []].append(then)
        let actions = gate.request(p.config, now: loop.now(), status: dependencyStatus)
        if actions.isEmpty, let what = gate.description(p.namespec, status: dependencyStatus) {
            log.info("\(p.namespec) is \(what)")
        }
        performGate(actions)
    }

    /// A process entered a new state: release or fail the starts waiting for it.
    func dependencyChanged(_ p: ManagedProcess) {
        performGate(gate.stateChanged(p.namespec, status: dependencyStatus))
    }

    /// The operator stopped a waiting process: its start will not happen.
    @discardableResult
    func cancelWait(_ namespec: String) -> Bool {
        guard gate.cancel(namespec) else { return false }
        log.info("\(namespec) no longer waits for its dependencies (stopped)")
        for c in gateContinuations.removeValue(forKey: namespec) ?? [] { c(.cancelled) }
        rearmGateTimer()
        return true
    }

    /// Shutdown or reload: no waiting start will happen.
    func cancelAllWaits() {
        for name in gate.cancelAll() {
            for c in gateContinuations.removeValue(forKey: name) ?? [] { c(.cancelled) }
        }
        rearmGateTimer()
    }

    /// What a waiting process waits for (its status description), nil when it does not wait.
    func waitDescription(_ p: ManagedProcess) -> String? {
        gate.isEmpty ? nil : gate.description(p.namespec, status: dependencyStatus)
    }

    private func performGate(_ actions: [StartGate.Action]) {
        for action in actions {
            switch action {
            case .start(let name):
                for c in gateContinuations.removeValue(forKey: name) ?? [] { c(.start) }
            case .fail(let name, let reason):
                if let p = byNamespec[name] { feed(p, .dependencyFailed(reason: reason)) }
                for c in gateContinuations.removeValue(forKey: name) ?? [] { c(.failed(reason)) }
            }
        }
        rearmGateTimer()
    }

    /// One timer for every pending `depends_on_timeout`, at the earliest.
    private func rearmGateTimer() {
        let next = gate.nextDeadline
        guard next != gateTimerDeadline else { return }
        if let t = gateTimer { loop.cancel(t); gateTimer = nil }
        gateTimerDeadline = next
        guard let next else { return }
        gateTimer = loop.schedule(at: next) { [weak self] in
            guard let self else { return }
            self.gateTimer = nil
            self.gateTimerDeadline = nil
            self.performGate(self.gate.timer(now: self.loop.now(), status: self.dependencyStatus))
        }
    }
}
