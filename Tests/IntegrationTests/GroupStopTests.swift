// A stop is done when the process group is empty (issue 10): with stopasgroup
// and killasgroup, swiftvisord reports STOPPED only after the last member of
// the program's process group is gone, also members that ignore the stop
// signal and keep forking; supervisord 4.3.0 reports STOPPED at the leader's
// exit and leaves them running.
import Foundation
import XCTest

final class GroupStopTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// A bounded fork bomb: two members that ignore SIGTERM and fork a
    /// `sleep` every 20 ms, 60 each; the leader itself dies on SIGTERM unless
    /// `leaderIgnoresTerm`.
    private func writeBomb(leaderIgnoresTerm: Bool = false) throws -> String {
        try sandbox.write("""
        #!/bin/sh
        \(leaderIgnoresTerm ? "trap '' TERM" : "")
        member() {
          trap '' TERM
          i=0
          while [ $i -lt 60 ]; do
            sleep 1000 &
            i=$((i+1))
            sleep 0.02
          done
          wait
        }
        member &
        member &
        while :; do sleep 1; done
        """, to: "bomb.sh", executable: true)
    }

    /// Wait until the bomb's group has at least `count` members, so the stop
    /// meets a group that is still forking.
    private func waitForMembers(_ pgid: Int32, atLeast count: Int) {
        waitUntil("\(count) members in group \(pgid)", timeout: 15) { processGroupMembers(pgid).count >= count }
    }

    /// A daemon running the bomb as `[program:bomb]` with `options`; returns
    /// its process group once it has 10 members.
    private func startBomb(_ options: String, leaderIgnoresTerm: Bool = false, loglevel: String = "info") throws -> Int32 {
        let bomb = try writeBomb(leaderIgnoresTerm: leaderIgnoresTerm)
        try sandbox.writeConfig("[program:bomb]\ncommand=\(bomb)\nstartsecs=0\n" + options, loglevel: loglevel)
        try sandbox.startDaemon()
        let pgid = try sandbox.spawnedPid("bomb")
        sandbox.track(pid: pgid)
        waitForMembers(pgid, atLeast: 10)
        return pgid
    }

    func test_stop_stopasgroup_forkBombIgnoringTERM_isStoppedOnlyWhenTheGroupIsEmpty() throws {
        let pgid = try startBomb("stopasgroup=true\nstopwaitsecs=2\n", loglevel: "debug")

        let began = Date()
        let stop = try sandbox.ctl("stop", "bomb")
        let took = Date().timeIntervalSince(began)
        XCTAssertEqual(stop.stdout, "bomb: stopped\n", stop.stderr)
        XCTAssertEqual(processGroupMembers(pgid).sorted(), [], "no member of the group survives the reply to stop")
        XCTAssertGreaterThanOrEqual(took, 1.5, "the members ignore SIGTERM: only the SIGKILL at stopwaitsecs ends them")
        XCTAssertEqual(sandbox.logLines(containing: "killing 'bomb' (\(pgid)) with SIGKILL").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "stopped: bomb (terminated by SIGTERM)").count, 1, sandbox.mainLog)
        XCTAssertFalse(sandbox.logLines(containing: "waiting for its process group to end").isEmpty, sandbox.mainLog)
        XCTAssertTrue(try sandbox.ctl("status", "bomb").stdout.contains("STOPPED"))
        // Nothing re-forks later: the group stays empty.
        assertStays("the process group stays empty", for: 0.3) { processGroupMembers(pgid).isEmpty }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_stop_killasgroupOnly_leaderIgnoringTERM_sigkillsTheGroupAtStopwaitsecs() throws {
        let pgid = try startBomb("killasgroup=true\nstopwaitsecs=1\n", leaderIgnoresTerm: true)
        let stop = try sandbox.ctl("stop", "bomb")
        XCTAssertEqual(stop.stdout, "bomb: stopped\n", stop.stderr)
        XCTAssertEqual(processGroupMembers(pgid).sorted(), [], "SIGKILL went to the whole group")
        XCTAssertEqual(sandbox.logLines(containing: "killing 'bomb' (\(pgid)) with SIGKILL").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "stopped: bomb (terminated by SIGKILL)").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_shutdown_stopasgroup_forkBomb_daemonExitsOnlyAfterTheGroupIsGone() throws {
        let pgid = try startBomb("stopasgroup=true\nstopwaitsecs=1\n")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertEqual(processGroupMembers(pgid).sorted(), [], "the daemon exited while members of a stopasgroup program lived")
        XCTAssertEqual(sandbox.logLines(containing: "killing 'bomb' (\(pgid)) with SIGKILL").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "stopped: bomb (terminated by SIGTERM)").count, 1, sandbox.mainLog)
    }

    func test_stop_stopasgroup_membersThatDieWithTheLeader_stopsAtOnceWithoutTheSIGKILL() throws {
        try sandbox.writeConfig("""
        [program:tree]
        command=/bin/sh -c "sleep 1001 & sleep 1002 & wait"
        startsecs=0
        stopasgroup=true
        stopwaitsecs=30
        """)
        try sandbox.startDaemon()
        let pgid = try sandbox.spawnedPid("tree")
        sandbox.track(pid: pgid)
        waitForMembers(pgid, atLeast: 3)
        let began = Date()
        XCTAssertEqual(try sandbox.ctl("stop", "tree").stdout, "tree: stopped\n")
        XCTAssertLessThan(Date().timeIntervalSince(began), 5, "no wait for stopwaitsecs when the group dies with the leader")
        XCTAssertEqual(processGroupMembers(pgid).sorted(), [])
        XCTAssertTrue(sandbox.logLines(containing: "with SIGKILL").isEmpty, sandbox.mainLog)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }
}

extension Sandbox {
    /// The pid of the latest `spawned: 'NAME' with pid N` line, waiting for one.
    func spawnedPid(_ name: String) throws -> Int32 {
        var pid: Int32?
        waitUntil("\(name) spawned") {
            pid = logLines(containing: "spawned: '\(name)' with pid ").last.flatMap { $0.split(separator: " ").last.flatMap { Int32($0) } }
            return pid != nil
        }
        return try XCTUnwrap(pid)
    }
}
