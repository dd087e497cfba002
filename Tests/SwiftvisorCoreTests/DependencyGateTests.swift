import XCTest
@testable import SwiftvisorCore

/// The dependency graph's runtime rules on a fake clock: conditions, the
/// start gate (order, failure propagation, timeout, cancel) and stop order.
final class DependencyGateTests: XCTestCase {
    private func proc(_ name: String, group: String? = nil, priority: Int = 999, deps: [(String, DependencyCondition)] = [], timeout: Int = 0) -> ProcessConfig {
        var p = ProcessConfig(name: name, programName: name, groupName: group ?? name, command: "/bin/true")
        p.priority = priority
        p.dependencies = deps.map { ResolvedDependency(namespec: $0.0, condition: $0.1, spec: DependencySpec(target: $0.0, condition: $0.1)) }
        p.dependsOn = p.dependencies.map(\.spec)
        p.dependsOnTimeout = timeout
        return p
    }

    private var states: [String: DependencyStatus] = [:]
    private func status(_ n: String) -> DependencyStatus? { states[n] }
    private func set(_ n: String, _ s: ProcessState, spawned: Bool = true, expected: Bool = true, code: Int = 0) {
        states[n] = DependencyStatus(state: s, spawned: spawned, exitExpected: expected, exitCode: code)
    }

    func test_conditions_metWaitingAndFailed() {
        func v(_ c: DependencyCondition, _ s: DependencyStatus?) -> DependencyVerdict {
            DependencyCheck.verdict(ResolvedDependency(namespec: "db", condition: c, spec: DependencySpec(target: "db", condition: c)), s)
        }
        let starting = DependencyStatus(state: .starting, spawned: true)
        let notYet = DependencyStatus(state: .starting, spawned: false)
        XCTAssertEqual(v(.started, starting), .met)
        XCTAssertEqual(v(.started, notYet), .waiting("db:started (now STARTING)"))
        XCTAssertEqual(v(.running, starting), .waiting("db:running (now STARTING)"))
        XCTAssertEqual(v(.ready, DependencyStatus(state: .running, spawned: true)), .met)
        XCTAssertEqual(v(.exited, DependencyStatus(state: .exited, spawned: true, exitExpected: false, exitCode: 3)), .met)
        XCTAssertEqual(v(.exitedOK, DependencyStatus(state: .exited, spawned: true, exitExpected: true)), .met)
        XCTAssertEqual(v(.exitedOK, DependencyStatus(state: .exited, spawned: true, exitExpected: false, exitCode: 3)),
                       .failed("dependency db exited with status 3 (not expected)"))
        XCTAssertEqual(v(.running, DependencyStatus(state: .fatal, spawned: false)), .failed("dependency db is FATAL"))
        XCTAssertEqual(v(.running, nil), .failed("dependency db is not in the running configuration"))
        XCTAssertEqual(v(.anyState([.exited, .fatal]), DependencyStatus(state: .fatal, spawned: false)), .met)
        XCTAssertEqual(v(.anyState([.running]), DependencyStatus(state: .backoff, spawned: false)), .waiting("db:running (now BACKOFF)"))
    }

    func test_gate_releasesInRequestOrder_whenTheDependencyIsRunning() {
        var gate = StartGate()
        set("db", .starting)
        XCTAssertEqual(gate.request(proc("web", deps: [("db", .running)]), now: 0, status: status), [])
        XCTAssertEqual(gate.request(proc("api", deps: [("db", .ready)]), now: 0, status: status), [])
        XCTAssertEqual(gate.description("web", status: status), "waiting for db:running (now STARTING)")
        XCTAssertNil(gate.nextDeadline, "no timeout configured: no timer")
        XCTAssertEqual(gate.stateChanged("other", status: status), [])
        set("db", .running)
        XCTAssertEqual(gate.stateChanged("db", status: status), [.start("web"), .start("api")])
        XCTAssertTrue(gate.isEmpty)
    }

    func test_gate_startsAtOnce_whenAlreadyMet_andWaitsForEveryDependency() {
        var gate = StartGate()
        set("db", .running)
        set("migrate", .running)
        XCTAssertEqual(gate.request(proc("a", deps: [("db", .running)]), now: 0, status: status), [.start("a")])
        XCTAssertEqual(gate.request(proc("web", deps: [("db", .running), ("migrate", .exitedOK)]), now: 0, status: status), [])
        XCTAssertEqual(gate.stateChanged("db", status: status), [])
        set("migrate", .exited)
        XCTAssertEqual(gate.stateChanged("migrate", status: status), [.start("web")])
    }

    func test_gate_failsDependents_whenTheDependencyGoesFatal_orTheMigrationFails() {
        var gate = StartGate()
        set("db", .backoff, spawned: false)
        set("migrate", .starting)
        _ = gate.request(proc("web", deps: [("db", .running)]), now: 0, status: status)
        _ = gate.request(proc("api", deps: [("migrate", .exitedOK)]), now: 0, status: status)
        set("db", .fatal, spawned: false)
        XCTAssertEqual(gate.stateChanged("db", status: status), [.fail("web", reason: "dependency db is FATAL")])
        set("migrate", .exited, expected: false, code: 2)
        XCTAssertEqual(gate.stateChanged("migrate", status: status), [.fail("api", reason: "dependency migrate exited with status 2 (not expected)")])
        XCTAssertTrue(gate.isEmpty)
    }

    func test_gate_timeout_failsOnlyTheExpiredWaiter_namingTheDependency() {
        var gate = StartGate()
        set("db", .starting)
        _ = gate.request(proc("web", deps: [("db", .running)], timeout: 30), now: 100, status: status)
        _ = gate.request(proc("api", deps: [("db", .running)], timeout: 60), now: 100, status: status)
        _ = gate.request(proc("ui", deps: [("db", .running)]), now: 100, status: status)
        XCTAssertEqual(gate.nextDeadline, 130)
        XCTAssertEqual(gate.timer(now: 129.9, status: status), [])
        XCTAssertEqual(gate.timer(now: 130, status: status),
                       [.fail("web", reason: "dependency db:running (now STARTING) not met after 30s (depends_on_timeout)")])
        XCTAssertEqual(gate.nextDeadline, 160)
        XCTAssertEqual(gate.waiting, ["api", "ui"])
    }

    func test_gate_cancel_forgetsTheWaiter() {
        var gate = StartGate()
        set("db", .starting)
        _ = gate.request(proc("web", deps: [("db", .running)], timeout: 5), now: 0, status: status)
        XCTAssertTrue(gate.cancel("web"))
        XCTAssertFalse(gate.cancel("web"))
        XCTAssertNil(gate.nextDeadline)
        set("db", .running)
        XCTAssertEqual(gate.stateChanged("db", status: status), [])
    }

    func test_pullIn_onlyForDependenciesNotOnTheirWay() {
        let d = ResolvedDependency(namespec: "db", condition: .running, spec: DependencySpec(target: "db", condition: .running))
        let ok = ResolvedDependency(namespec: "m", condition: .exitedOK, spec: DependencySpec(target: "m", condition: .exitedOK))
        XCTAssertTrue(DependencyCheck.needsPullIn(d, DependencyStatus(state: .stopped, spawned: false)))
        XCTAssertTrue(DependencyCheck.needsPullIn(d, DependencyStatus(state: .fatal, spawned: false)))
        XCTAssertFalse(DependencyCheck.needsPullIn(d, DependencyStatus(state: .starting, spawned: true)))
        XCTAssertFalse(DependencyCheck.needsPullIn(d, DependencyStatus(state: .backoff, spawned: false)))
        XCTAssertFalse(DependencyCheck.needsPullIn(ok, DependencyStatus(state: .exited, spawned: true, exitExpected: true)),
                       "a migration that already succeeded is not run again")
        XCTAssertTrue(DependencyCheck.needsPullIn(ok, DependencyStatus(state: .exited, spawned: true, exitExpected: false, exitCode: 1)))
    }

    func test_stopBlockers_dependentsFirst_transitivelyWithinTheSelection() {
        let groups = [
            GroupConfig(name: "db", priority: 1, kind: .program, processes: [proc("db")]),
            GroupConfig(name: "api", priority: 2, kind: .program, processes: [proc("api", deps: [("db", .running)])]),
            GroupConfig(name: "web", priority: 3, kind: .program, processes: [proc("web", deps: [("api", .running)])]),
            GroupConfig(name: "other", priority: 4, kind: .program, processes: [proc("other")]),
        ]
        XCTAssertEqual(DependencyStopOrder.blockers(["db", "api", "web", "other"], groups: groups),
                       ["db": ["api", "web"], "api": ["web"]])
        XCTAssertEqual(DependencyStopOrder.blockers(["db", "web"], groups: groups), ["db": ["web"]],
                       "web still waits on db through api, which is not being stopped")
        XCTAssertEqual(DependencyStopOrder.blockers(["db"], groups: groups), [:])
    }

    func test_shutdownBatches_withoutDependencies_areSupervisordsGroups() {
        let groups = [
            GroupConfig(name: "a", priority: 1, kind: .program, processes: [proc("a")]),
            GroupConfig(name: "g", priority: 5, kind: .heterogeneous, processes: [proc("x", group: "g", priority: 1), proc("y", group: "g", priority: 2)]),
            GroupConfig(name: "b", priority: 9, kind: .program, processes: [proc("b")]),
        ]
        XCTAssertEqual(DependencyStopOrder.shutdownBatches(groups).map { $0.map(\.namespec) }, [["b"], ["g:y", "g:x"], ["a"]])
    }

    func test_shutdownBatches_moveDependentsAhead_andSplitAGroup() {
        // Shutdown is highest priority first: db (9) would go before web (1).
        let groups = [
            GroupConfig(name: "web", priority: 1, kind: .program, processes: [proc("web", deps: [("db", .running)])]),
            GroupConfig(name: "cache", priority: 5, kind: .program, processes: [proc("cache")]),
            GroupConfig(name: "db", priority: 9, kind: .program, processes: [proc("db")]),
            GroupConfig(name: "g", priority: 7, kind: .heterogeneous, processes: [
                proc("x", group: "g", priority: 1), proc("y", group: "g", priority: 2, deps: [("g:x", .started)])]),
        ]
        XCTAssertEqual(DependencyStopOrder.shutdownBatches(groups).map { $0.map(\.namespec) },
                       [["g:y"], ["g:x"], ["cache"], ["web"], ["db"]])
    }

    func test_lifecycle_shutdown_stopsTheDependentFirst() {
        let groups = [
            GroupConfig(name: "web", priority: 1, kind: .program, processes: [proc("web", deps: [("db", .running)])]),
            GroupConfig(name: "db", priority: 9, kind: .program, processes: [proc("db")]),
        ]
        var lc = DaemonLifecycle()
        let first = lc.handle(.exitRequested(signal: nil, table: DaemonLifecycle.Table(groups: groups, states: ["web": .running, "db": .running])), now: 0)
        XCTAssertEqual(first.filter { if case .stop = $0 { return true } else { return false } }, [.stop(namespec: "web")])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web", to: .stopping), now: 1), [])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web", to: .stopped), now: 2), [.stop(namespec: "db")])
    }

    func test_stateMachine_dependencyFailed_goesFatalWithoutSpawning() {
        var m = ProcessStateMachine(config: proc("web"))
        let now = Moment(monotonic: 5, wall: 1000)
        XCTAssertEqual(m.handle(.dependencyFailed(reason: "dependency db is FATAL"), now: now), [
            .stateChanged(from: .stopped, to: .fatal),
            .log(.info, "gave up: web entered FATAL state, dependency db is FATAL"),
        ])
        XCTAssertEqual(m.spawnerr, "dependency db is FATAL")
        XCTAssertEqual(m.statusDescription(now: now, formatStopTime: { _ in "" }), "dependency db is FATAL")
        XCTAssertEqual(m.handle(.start, now: now).first, .stateChanged(from: .fatal, to: .starting), "a later start tries again")
    }
}
