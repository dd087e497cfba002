import XCTest
@testable import SwiftvisorCore

/// The daemon's lifecycle driven by hand on a fake clock: shutdown, reload, a
/// signal during either, a refused reload. Exact action lists.
final class LifecycleMachineTests: XCTestCase {
    private func proc(_ name: String, group: String, priority: Int) -> ProcessConfig {
        var p = ProcessConfig(name: name, programName: name, groupName: group, command: "/bin/true")
        p.priority = priority
        return p
    }

    /// `[group:web] programs=b,a` (a at priority 1, b at 2, group priority 10)
    /// and `[program:db]` at priority 5: db is started first, stopped last.
    private var groups: [GroupConfig] {
        [GroupConfig(name: "db", priority: 5, kind: .program, processes: [proc("db", group: "db", priority: 5)]),
         GroupConfig(name: "web", priority: 10, kind: .heterogeneous,
                     processes: [proc("b", group: "web", priority: 2), proc("a", group: "web", priority: 1)])]
    }

    private func table(_ states: [String: ProcessState] = [:]) -> DaemonLifecycle.Table {
        var all: [String: ProcessState] = ["db": .running, "web:a": .running, "web:b": .running]
        all.merge(states) { $1 }
        return DaemonLifecycle.Table(groups: groups, states: all)
    }

    private var newConfig: Configuration {
        var c = Configuration(configFile: "/etc/new.conf")
        c.groups = [groups[0]]
        return c
    }

    private let waiting = DaemonLifecycle.Action.log(.info, "waiting for db, b, a to die")

    func test_shutdown_stopsGroupsDescending_andProcessesByDescendingPriority_thenExits() {
        var lc = DaemonLifecycle()
        XCTAssertEqual(lc.handle(.exitRequested(signal: "SIGTERM", table: table()), now: 100), [
            .log(.warn, "received SIGTERM indicating exit request"),
            .notifyStopping,
            .disableAutorestart,
            waiting, .armReportTimer(at: 103),
            // web (priority 10) first; b (2) before a (1).
            .stop(namespec: "web:b"), .stop(namespec: "web:a"),
        ])
        XCTAssertEqual(lc.state, .stopping(then: .exit))
        XCTAssertFalse(lc.isRunning)
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:b", to: .stopping), now: 100), [])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:b", to: .stopped), now: 101), [])
        // Only once web is fully stopped does db get its stop.
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:a", to: .exited), now: 102), [.stop(namespec: "db")])
        XCTAssertEqual(lc.handle(.reportTimer, now: 103), [.log(.info, "waiting for db to die"), .armReportTimer(at: 106)])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "db", to: .stopped), now: 104), [.cancelReportTimer, .exit])
        XCTAssertEqual(lc.state, .finished)
        XCTAssertEqual(lc.handle(.reportTimer, now: 106), [])
    }

    func test_shutdown_withEverythingStopped_exitsAtOnce_withoutAReport() {
        var lc = DaemonLifecycle()
        let stopped = table(["db": .stopped, "web:a": .fatal, "web:b": .exited])
        XCTAssertEqual(lc.handle(.exitRequested(signal: nil, table: stopped), now: 0),
                       [.notifyStopping, .disableAutorestart, .cancelReportTimer, .exit])
    }

    func test_shutdown_skipsAProcessAlreadyStopping_andWaitsForIt() {
        var lc = DaemonLifecycle()
        let actions = lc.handle(.exitRequested(signal: nil, table: table(["web:a": .stopping])), now: 0)
        XCTAssertEqual(actions.filter { if case .stop = $0 { return true } else { return false } }, [.stop(namespec: "web:b")])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:b", to: .stopped), now: 1), [])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:a", to: .stopped), now: 1), [.stop(namespec: "db")])
    }

    func test_aLaterGroupThatStoppedMeanwhile_isNotSignalled() {
        var lc = DaemonLifecycle()
        _ = lc.handle(.exitRequested(signal: nil, table: table()), now: 0)
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "db", to: .exited), now: 1), [])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:b", to: .stopped), now: 1), [])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:a", to: .stopped), now: 1), [.cancelReportTimer, .exit])
    }

    func test_secondSIGTERM_whileStopping_isLoggedOnly() {
        var lc = DaemonLifecycle()
        _ = lc.handle(.exitRequested(signal: "SIGTERM", table: table()), now: 0)
        XCTAssertEqual(lc.handle(.exitRequested(signal: "SIGINT", table: table()), now: 1),
                       [.log(.warn, "received SIGINT indicating exit request")])
        XCTAssertEqual(lc.handle(.reloadSignalled, now: 1),
                       [.log(.warn, "ignored SIGHUP indicating restart request (shutdown in progress)")])
        // A config read that was under way when the shutdown came is dropped.
        XCTAssertEqual(lc.handle(.configRead(.success(newConfig), table: table()), now: 1), [])
        XCTAssertEqual(lc.state, .stopping(then: .exit))
    }

    func test_reload_stopsEverythingInShutdownOrder_thenStartsOverOnTheNewConfig() {
        var lc = DaemonLifecycle()
        XCTAssertEqual(lc.handle(.reloadSignalled, now: 0),
                       [.log(.warn, "received SIGHUP indicating restart request"), .readConfig])
        XCTAssertEqual(lc.state, .running, "nothing is stopped before the config is known to be valid")
        XCTAssertEqual(lc.handle(.configRead(.success(newConfig), table: table()), now: 0), [
            .notifyReloading, .disableAutorestart, waiting, .armReportTimer(at: 3),
            .stop(namespec: "web:b"), .stop(namespec: "web:a"),
        ])
        _ = lc.handle(.processStateChanged(namespec: "web:a", to: .stopped), now: 1)
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "web:b", to: .stopped), now: 1), [.stop(namespec: "db")])
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "db", to: .stopped), now: 2),
                       [.cancelReportTimer, .startOver(newConfig)])
        XCTAssertEqual(lc.state, .running)
        // Running again: a new shutdown starts from scratch.
        let again = lc.handle(.exitRequested(signal: nil, table: table()), now: 5)
        XCTAssertTrue(again.contains(.stop(namespec: "web:b")))
    }

    func test_refusedReload_logsTheErrorWithItsLocation_andTouchesNothing() {
        var lc = DaemonLifecycle()
        let error = ConfigError(file: "/etc/s.conf", line: 3, section: "program:x", option: "startsecs", reason: "\"5s\" is not an integer")
        XCTAssertEqual(lc.handle(.configRead(.failure(error), table: table()), now: 0),
                       [.log(.error, "reload refused, keeping the running configuration: /etc/s.conf:3: [program:x] startsecs: \"5s\" is not an integer")])
        XCTAssertEqual(lc.state, .running)
        XCTAssertTrue(lc.isRunning)
    }

    func test_SIGTERM_duringReload_turnsItIntoAShutdown() {
        var lc = DaemonLifecycle()
        _ = lc.handle(.configRead(.success(newConfig), table: table()), now: 0)
        XCTAssertEqual(lc.handle(.exitRequested(signal: "SIGTERM", table: table()), now: 1),
                       [.log(.warn, "received SIGTERM indicating exit request"), .notifyStopping])
        _ = lc.handle(.processStateChanged(namespec: "web:a", to: .stopped), now: 1)
        _ = lc.handle(.processStateChanged(namespec: "web:b", to: .stopped), now: 1)
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "db", to: .stopped), now: 2), [.cancelReportTimer, .exit])
    }

    func test_SIGHUP_duringReload_readsAgain_andTheNewestValidConfigWins() {
        var lc = DaemonLifecycle()
        _ = lc.handle(.configRead(.success(Configuration(configFile: "/first")), table: table()), now: 0)
        XCTAssertEqual(lc.handle(.reloadSignalled, now: 1),
                       [.log(.warn, "received SIGHUP indicating restart request"), .readConfig])
        XCTAssertEqual(lc.handle(.configRead(.success(newConfig), table: table()), now: 1), [.notifyReloading])
        // A broken file read meanwhile keeps the last valid one.
        let error = ConfigError(reason: "bad")
        XCTAssertEqual(lc.handle(.configRead(.failure(error), table: table()), now: 1),
                       [.log(.error, "reload refused, keeping the running configuration: bad")])
        _ = lc.handle(.processStateChanged(namespec: "web:a", to: .stopped), now: 1)
        _ = lc.handle(.processStateChanged(namespec: "web:b", to: .stopped), now: 1)
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "db", to: .stopped), now: 2),
                       [.cancelReportTimer, .startOver(newConfig)])
    }

    func test_stateChangesWhileRunning_areIgnored() {
        var lc = DaemonLifecycle()
        XCTAssertEqual(lc.handle(.processStateChanged(namespec: "db", to: .stopped), now: 0), [])
        XCTAssertEqual(lc.handle(.reportTimer, now: 0), [])
    }

    /// 10,000 processes in one group: each state change is O(1), so the whole
    /// stop is linear (a quadratic walk would take seconds here).
    func test_largeGroup_stopsInLinearTime() {
        let procs = (0..<10_000).map { proc("w\($0)", group: "big", priority: 999) }
        let big = GroupConfig(name: "big", priority: 1, kind: .heterogeneous, processes: procs)
        var states: [String: ProcessState] = [:]
        for p in procs { states[p.namespec] = .running }
        var lc = DaemonLifecycle()
        let first = lc.handle(.exitRequested(signal: nil, table: .init(groups: [big], states: states)), now: 0)
        XCTAssertEqual(first.filter { if case .stop = $0 { return true } else { return false } }.count, 10_000)
        var last: [DaemonLifecycle.Action] = []
        for p in procs { last = lc.handle(.processStateChanged(namespec: p.namespec, to: .stopped), now: 1) }
        XCTAssertEqual(last, [.cancelReportTimer, .exit])
    }
}
