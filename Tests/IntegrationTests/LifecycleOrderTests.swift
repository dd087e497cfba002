// The orders the daemon keeps, end to end: which process is signalled first
// at shutdown, reload and `stop`, that a reply never overtakes the log line of
// what it reports, and the order `update` lists groups in.
import Foundation
import Glibc
import XCTest

final class LifecycleOrderTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// `[group:web] programs=b,a` with a at priority 1 and b at 2, plus `db`
    /// (group priority 5, so it is stopped after web, priority 999), at debug
    /// level so the main log shows every signal in the order it is sent.
    private func startWebAndDb() throws -> Process {
        try sandbox.writeConfig("""
        [program:a]
        command=/bin/sleep 1000
        priority=1
        startsecs=0
        [program:b]
        command=/bin/sleep 1000
        priority=2
        startsecs=0
        [program:db]
        command=/bin/sleep 1000
        priority=5
        startsecs=0
        [group:web]
        programs=b,a

        """, loglevel: "debug")
        let daemon = try sandbox.startDaemon()
        waitUntil("all running") { ["a", "b", "db"].allSatisfy { !sandbox.logLines(containing: "success: \($0) entered RUNNING").isEmpty } }
        for line in sandbox.logLines(containing: "spawned: '") {
            if let pid = line.split(separator: " ").last.flatMap({ Int32($0) }) { sandbox.track(pid: pid) }
        }
        return daemon
    }

    /// The processes in the order they were sent their stop signal.
    private func killOrder() -> [String] {
        sandbox.logLines(containing: "DEBG killing ").compactMap { line in
            line.components(separatedBy: "DEBG killing ").last?.split(separator: " ").first.map(String.init)
        }
    }

    func test_sigterm_stopsGroupsInDescendingPriority_andTheirProcessesInDescendingPriority() throws {
        let daemon = try startWebAndDb()
        kill(daemon.processIdentifier, SIGTERM)
        waitUntil("daemon exit", timeout: 20) { !daemon.isRunning }
        XCTAssertEqual(daemon.terminationStatus, 0)
        // web (a [group] without priority=: 999) before db (5); inside web,
        // supervisord's stop_all goes b (priority 2) before a (1).
        XCTAssertEqual(killOrder(), ["b", "a", "db"], sandbox.mainLog)
    }

    func test_ctlShutdown_stopsInDescendingPriority() throws {
        let daemon = try startWebAndDb()
        XCTAssertEqual(try sandbox.ctl("shutdown").status, 0)
        waitUntil("daemon exit", timeout: 20) { !daemon.isRunning }
        XCTAssertEqual(killOrder(), ["b", "a", "db"], sandbox.mainLog)
    }

    func test_reload_stopsInDescendingPriority_beforeStartingAgain() throws {
        let daemon = try startWebAndDb()
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("restarted", timeout: 20) { sandbox.logLines(containing: "supervisord started with pid").count == 2 }
        XCTAssertEqual(killOrder(), ["b", "a", "db"], sandbox.mainLog)
        waitUntil("all running again") { sandbox.logLines(containing: "entered RUNNING").count == 6 }
        for line in sandbox.logLines(containing: "spawned: '") {
            if let pid = line.split(separator: " ").last.flatMap({ Int32($0) }) { sandbox.track(pid: pid) }
        }
    }

    func test_stopGroup_andStopAll_stayAscending_likeSupervisorctl() throws {
        _ = try startWebAndDb()
        XCTAssertEqual(try sandbox.ctl("stop", "web:*").status, 0)
        XCTAssertEqual(killOrder(), ["a", "b"], sandbox.mainLog)
        XCTAssertEqual(try sandbox.ctl("start", "all").status, 0)
        XCTAssertEqual(try sandbox.ctl("stop", "all").status, 0)
        // stop all: groups ascending (db at 5, then web), processes ascending
        // (supervisord's _getAllProcesses; its issue #217).
        XCTAssertEqual(killOrder(), ["a", "b", "db", "a", "b"], sandbox.mainLog)
    }

    /// A script that greps the main log right after `start`/`stop` returns must
    /// find the line that reports it. Many rounds, each read at once.
    func test_replies_comeAfterTheirLogLines_readRightAway() throws {
        try sandbox.writeConfig("[program:w]\ncommand=/bin/sleep 1000\nstartsecs=0\nautostart=false\n")
        try sandbox.startDaemon()
        let c = try RawClient(sandbox.socketPath)
        for round in 1...40 {
            c.send("start w\n")
            XCTAssertEqual(c.reply()?.items.first?.hasPrefix("result "), true)
            XCTAssertEqual(sandbox.logLines(containing: "INFO success: w entered RUNNING state").count, round,
                           "round \(round): the start reply came before its log line")
            if let pid = sandbox.logLines(containing: "spawned: 'w' with pid").last?.split(separator: " ").last.flatMap({ Int32($0) }) {
                sandbox.track(pid: pid)
            }
            c.send("stop w\n")
            XCTAssertEqual(c.reply()?.items.first?.hasPrefix("result "), true)
            XCTAssertEqual(sandbox.logLines(containing: "WARN stopped: w (terminated by SIGTERM)").count, round,
                           "round \(round): the stop reply came before its log line")
        }
    }

    /// supervisorctl's update adds groups in the new config's (priority, name)
    /// order and removes them in the order the running daemon added them
    /// (supervisord's diff_to_active over its process_groups dict).
    func test_update_addsInPriorityOrder_andRemovesInTheOrderGroupsWereAdded() throws {
        let program = { (name: String, priority: Int) in
            "[program:\(name)]\ncommand=/bin/sleep 1000\nautostart=false\npriority=\(priority)\n"
        }
        try sandbox.writeConfig(program("zold", 1) + program("mold", 50))
        try sandbox.startDaemon()
        // Added at runtime after zold and mold: removed last.
        try sandbox.writeConfig(program("zold", 1) + program("mold", 50) + program("aold", 3))
        XCTAssertEqual(try sandbox.ctl("update").stdout, "aold: added process group\n")
        try sandbox.writeConfig(program("grp", 50) + program("new", 7) + program("b", 50))
        let out = try sandbox.ctl("update")
        XCTAssertEqual(out.stdout, """
        zold: stopped
        zold: removed process group
        mold: stopped
        mold: removed process group
        aold: stopped
        aold: removed process group
        new: added process group
        b: added process group
        grp: added process group

        """)
        // reread lists by name, whatever the order of the changes.
        try sandbox.writeConfig(program("new", 7) + program("c", 1))
        XCTAssertEqual(try sandbox.ctl("reread").stdout, "b: disappeared\nc: available\ngrp: disappeared\n")
    }
}
