// The daemon's lifecycle and verb rules in-process: the real Daemon,
// Supervisor, ControlService and state machines over fake seams (FakeLoop,
// FakeHost). Nothing is spawned or signalled; time moves by hand.
import XCTest
@testable import SwiftvisorCore
@testable import SwiftvisorDaemon
import SwiftvisorOS

final class DaemonInProcessTests: XCTestCase {
    /// `[group:web] programs=b,a` (a at 1, b at 2) and `db` at priority 5.
    private func webAndDb() throws -> Harness {
        let web = GroupConfig(name: "web", priority: 999, kind: .heterogeneous,
                              processes: [program("b", group: "web", priority: 2), program("a", group: "web", priority: 1)])
        let h = try Harness([web, programGroup(program("db", priority: 5))])
        XCTAssertEqual(h.host.spawned.map(\.name), ["db", "b", "a"], "autostart: groups ascending, processes as configured")
        XCTAssertEqual(h.state("web:a"), .running)
        return h
    }

    // MARK: lifecycle

    func test_sigterm_stopsGroupsDescending_processesByDescendingPriority_oneGroupAtATime() throws {
        let h = try webAndDb()
        h.daemon.handleSignal(SignalNumber.SIGTERM)
        XCTAssertEqual(h.host.signalled(SignalNumber.SIGTERM), ["b", "a"], "db waits until web is stopped")
        XCTAssertFalse(h.daemon.isServing)
        XCTAssertEqual(h.request(.status(names: [])).reply, .fault(ControlFault(.shutdownState)))
        h.childExits("a")
        XCTAssertEqual(h.host.signalled(SignalNumber.SIGTERM), ["b", "a"])
        h.childExits("b")
        XCTAssertEqual(h.host.signalled(SignalNumber.SIGTERM), ["b", "a", "db"])
        h.childExits("db")
        XCTAssertEqual(h.daemon.lifecycle.state, .finished)
        XCTAssertEqual(h.logLines(containing: "waiting for db, b, a to die").count, 1, h.mainLog)
    }

    func test_waitingReport_repeatsEveryThreeSeconds_whileSomethingIsLeft() throws {
        let h = try webAndDb()
        h.daemon.handleSignal(SignalNumber.SIGINT)
        h.childExits("b")
        h.loop.advance(by: 3)
        XCTAssertEqual(h.logLines(containing: "waiting for db, a to die").count, 1, h.mainLog)
        h.childExits("a")
        h.childExits("db")
        h.loop.advance(by: 10)
        XCTAssertEqual(h.logLines(containing: "waiting for").count, 2, "no report once finished")
    }

    func test_sighup_reloadsInShutdownOrder_thenStartsOverOnTheNewConfig() throws {
        let h = try webAndDb()
        var next = Configuration(configFile: "/new.conf")
        next.supervisord = h.daemon.config.supervisord
        next.groups = [programGroup(program("fresh"))]
        h.nextConfig = .success(next)
        h.daemon.handleSignal(SignalNumber.SIGHUP)
        XCTAssertEqual(h.host.signalled(SignalNumber.SIGTERM), ["b", "a"])
        // A second SIGHUP while stopping is received; a SIGTERM turns nothing back.
        h.daemon.handleSignal(SignalNumber.SIGHUP)
        XCTAssertEqual(h.logLines(containing: "received SIGHUP indicating restart request").count, 2)
        for name in ["a", "b", "db"] { h.childExits(name) }
        XCTAssertEqual(h.daemon.lifecycle.state, .running)
        XCTAssertEqual(h.host.spawned.last?.name, "fresh")
        XCTAssertEqual(h.logLines(containing: "supervisord started with pid").count, 2)
        XCTAssertTrue(h.daemon.isServing)
    }

    func test_sigtermDuringReload_exitsInsteadOfStartingOver() throws {
        let h = try webAndDb()
        h.daemon.handleSignal(SignalNumber.SIGHUP)
        h.daemon.handleSignal(SignalNumber.SIGTERM)
        for name in ["a", "b", "db"] { h.childExits(name) }
        XCTAssertEqual(h.daemon.lifecycle.state, .finished)
        XCTAssertEqual(h.host.spawned.count, 3, "nothing started again")
    }

    func test_reloadRequest_withABrokenConfig_isRefused_andNothingIsTouched() throws {
        let h = try webAndDb()
        h.nextConfig = .failure(ConfigError(file: "/etc/s.conf", line: 7, section: "program:x", option: "startsecs", reason: "\"x\" is not an integer"))
        let r = h.request(.reload)
        XCTAssertEqual(r.reply?.isFault, true)
        XCTAssertTrue(h.host.signals.isEmpty)
        XCTAssertEqual(h.logLines(containing: "reload refused, keeping the running configuration: /etc/s.conf:7: [program:x] startsecs:").count, 1, h.mainLog)
        XCTAssertTrue(h.daemon.isServing)
    }

    func test_reloadRequest_repliesFirst_thenStops() throws {
        let h = try webAndDb()
        let r = h.request(.reload)
        XCTAssertEqual(r.reply, .done)
        XCTAssertTrue(h.host.signals.isEmpty, "the reply goes out before anything stops")
        h.loop.endRound()
        XCTAssertEqual(h.host.signalled(SignalNumber.SIGTERM), ["b", "a"])
    }

    // MARK: replies after their log lines

    func test_startReply_comesAfterTheSuccessLine() throws {
        let h = try Harness([programGroup(program("w", startsecs: 1, autostart: false))])
        let r = h.request(.start(names: ["w"], wait: true)) { h.loop.advance(by: 1) }
        XCTAssertEqual(r.reply?.results.map(\.code), [.success])
        XCTAssertTrue(r.logAtReply.contains("INFO success: w entered RUNNING state"), r.logAtReply)
    }

    func test_stopReply_comesAfterTheStoppedLine() throws {
        let h = try Harness([programGroup(program("w"))])
        let r = h.request(.stop(names: ["w"])) { h.childExits("w") }
        XCTAssertEqual(r.reply?.results.map(\.code), [.success])
        XCTAssertTrue(r.logAtReply.contains("WARN stopped: w (terminated by SIGTERM)"), r.logAtReply)
    }

    // MARK: verbs

    func test_stopGroup_signalsAscending_andListsResultsInCompletionOrder() throws {
        let h = try webAndDb()
        let r = h.request(.stop(names: ["web:*"])) {
            XCTAssertEqual(h.host.signalled(SignalNumber.SIGTERM), ["a", "b"], "stop g:* is ascending, like supervisorctl")
            h.loop.advance(by: 0.01)
            h.childExits("b")
            h.loop.advance(by: 0.2)
            h.childExits("a")
        }
        XCTAssertEqual(r.reply?.results.map(\.name), ["b", "a"])
    }

    func test_restart_stopsThenStarts_andListsStopResultsFirst() throws {
        let h = try Harness([programGroup(program("w"))])
        let first = try XCTUnwrap(h.host.pid(of: "w"))
        var results: [NameResult]?
        h.daemon.restart(["w"]) { results = $0 }
        XCTAssertNil(results, "waits for the stop")
        h.childExits("w")
        XCTAssertEqual(results?.map(\.code), [.success, .success])
        XCTAssertNotEqual(h.host.pid(of: "w"), first)
        XCTAssertEqual(h.state("w"), .running)
    }

    func test_signal_goesThroughTheStateMachine_toTheProcessAlone() throws {
        let h = try Harness([programGroup(program("w"))])
        let pid = try XCTUnwrap(h.host.pid(of: "w"))
        let r = h.request(.signal(signal: "HUP", names: ["w"]))
        XCTAssertEqual(r.reply?.results.map(\.code), [.success])
        XCTAssertEqual(h.host.signals.last?.pid, pid, "not the group")
        XCTAssertEqual(h.host.signals.last?.signal, 1)
        XCTAssertEqual(h.logLines(containing: "DEBG sending w (pid \(pid)) sig SIGHUP").count, 1, h.mainLog)
    }

    func test_signal_thatFails_isFAILED_andLeavesTheProcessUNKNOWN_likeSupervisord() throws {
        let h = try Harness([programGroup(program("w"))])
        h.host.failSignals[try XCTUnwrap(h.host.pid(of: "w"))] = Errno.EPERM
        let r = h.request(.signal(signal: "HUP", names: ["w"]))
        XCTAssertEqual(r.reply?.results.map(\.code), [.failed])
        XCTAssertEqual(r.reply?.results.first?.description, "FAILED: w: Operation not permitted")
        XCTAssertEqual(h.state("w"), .unknown)
    }

    func test_update_addsInTheNewConfigsOrder_removesInTheOrderGroupsWereAdded() throws {
        let h = try Harness([programGroup(program("zold", priority: 1, autostart: false)),
                             programGroup(program("mold", priority: 50, autostart: false))])
        var next = h.daemon.config
        next.groups = StartOrder.groupsAscending([programGroup(program("grp", priority: 50)), programGroup(program("new", priority: 7))])
        h.nextConfig = .success(next)
        let r = h.request(.reread)
        XCTAssertEqual(r.reply?.changes, [ConfigChange(.added, group: "new"), ConfigChange(.added, group: "grp"),
                                          ConfigChange(.removed, group: "zold"), ConfigChange(.removed, group: "mold")])
        XCTAssertEqual(h.request(.add(groups: ["grp"])).reply?.results.map(\.code), [.success])
        XCTAssertEqual(h.request(.add(groups: ["grp"])).reply?.results.map(\.code), [.alreadyAdded])
        XCTAssertEqual(h.request(.remove(groups: ["zold"])).reply?.results.map(\.code), [.success])
        XCTAssertEqual(h.daemon.supervisor.config.groups.map(\.name), ["mold", "grp"], "kept in the order they were added")
    }
}

extension ControlResponse {
    var results: [NameResult] {
        guard case .ok(let items) = self else { return [] }
        return items.compactMap { if case .result(let r) = $0 { return r } else { return nil } }
    }
    var changes: [ConfigChange] {
        guard case .ok(let items) = self else { return [] }
        return items.compactMap { if case .change(let c) = $0 { return c } else { return nil } }
    }
    var isFault: Bool { if case .fault = self { return true } else { return false } }
}
