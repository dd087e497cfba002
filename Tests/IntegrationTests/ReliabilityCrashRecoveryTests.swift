// Daemon crash: swiftvisord is SIGKILLed with children running (one ignores
// SIGTERM and has grandchildren that ignore it too). The next daemon must find
// what the old one left (the state file next to the pidfile: pids with their
// start times), stop it, and only then start its own: no program ever runs
// twice. supervisord starts duplicates here (Supervisor issue #1101).
import Foundation
import XCTest

final class ReliabilityCrashRecoveryTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func spawnedPids(_ name: String) -> [Int32] {
        sandbox.logLines(containing: "spawned: '\(name)' with pid ").compactMap { line in
            line.split(separator: " ").last.flatMap { Int32($0) }
        }
    }

    func test_daemonSIGKILLed_nextDaemonStopsTheLeftoverGroupsBeforeStartingItsOwn_noProgramRunsTwice() throws {
        let dir = sandbox.dir
        _ = try sandbox.write("while :; do sleep 0.2; done\n", to: "plain.sh")
        _ = try sandbox.write("trap '' TERM; while :; do sleep 0.2; done\n", to: "grand.sh")
        _ = try sandbox.write("""
        trap '' TERM
        /bin/sh \(dir)/grand.sh &
        /bin/sh \(dir)/grand.sh &
        while :; do sleep 0.2; done

        """, to: "stubborn.sh")
        try sandbox.writeConfig("""
        [program:plain]
        command=/bin/sh \(dir)/plain.sh
        startsecs=0
        [program:stubborn]
        command=/bin/sh \(dir)/stubborn.sh
        startsecs=0
        stopwaitsecs=1
        """)
        let first = try sandbox.startDaemon()
        waitUntil("both running") {
            !sandbox.logLines(containing: "success: plain entered RUNNING").isEmpty
                && !sandbox.logLines(containing: "success: stubborn entered RUNNING").isEmpty
        }
        let plain = try XCTUnwrap(spawnedPids("plain").first)
        let stubborn = try XCTUnwrap(spawnedPids("stubborn").first)
        waitUntil("stubborn's grandchildren") { processesMentioning("\(dir)/grand.sh").count == 2 }
        let statePath = sandbox.pidfilePath + ".children"
        waitUntil("state file records both children") {
            let text = (try? String(contentsOfFile: statePath, encoding: .utf8)) ?? ""
            return text.contains("\n\(plain) ") && text.contains("\n\(stubborn) ")
        }

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let leftovers = processGroupMembers(plain) + processGroupMembers(stubborn)
        for pid in leftovers { sandbox.track(pid: pid) }
        XCTAssertGreaterThanOrEqual(leftovers.count, 4, "the premise: the old children outlive the daemon")
        XCTAssertEqual(processesMentioning("\(dir)/stubborn.sh").count, 1)

        try FileManager.default.removeItem(atPath: sandbox.pidfilePath)  // so startDaemon waits for the new one
        let second = try sandbox.startDaemon()
        waitUntil("both running again", timeout: 20) { spawnedPids("plain").count == 2 && spawnedPids("stubborn").count == 2 }
        for pid in leftovers { XCTAssertTrue(isGone(pid), "leftover \(pid) still runs") }

        // Stopped before its replacement was spawned, the TERM-ignoring group by SIGKILL after stopwaitsecs.
        let log = sandbox.mainLog
        let stoppedAt = try XCTUnwrap(log.range(of: "stopped leftover stubborn (pid \(stubborn))"), log)
        let respawnAt = try XCTUnwrap(log.range(of: "spawned: 'stubborn' with pid \(spawnedPids("stubborn")[1])"))
        XCTAssertLessThan(stoppedAt.lowerBound, respawnAt.lowerBound, "stopped before the new one started")
        XCTAssertEqual(sandbox.logLines(containing: "killing leftover stubborn (pid \(stubborn)) with SIGKILL").count, 1, log)
        XCTAssertEqual(sandbox.logLines(containing: "stopped leftover plain (pid \(plain))").count, 1, log)
        XCTAssertTrue(sandbox.logLines(containing: "killing leftover plain").isEmpty, "plain obeys SIGTERM")

        // Exactly one of each program runs.
        waitUntil("new grandchildren") { processesMentioning("\(dir)/grand.sh").count == 2 }
        XCTAssertEqual(processesMentioning("\(dir)/plain.sh").count, 1)
        XCTAssertEqual(processesMentioning("\(dir)/stubborn.sh").count, 1)

        // A clean shutdown removes the state file and leaves nothing.
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: statePath))
        _ = second
        sandbox.auditAfterShutdown()
    }

    func test_stateFile_whoseRecordedPidWasReused_doesNotKillTheStranger() throws {
        // A stranger holding a recorded pid, but with another start time.
        let stranger = Process()
        stranger.executableURL = URL(fileURLWithPath: "/bin/sleep")
        stranger.arguments = ["30"]
        try stranger.run()
        let pid = stranger.processIdentifier
        sandbox.track(pid: pid)
        try sandbox.writeConfig("""
        [program:plain]
        command=/bin/sleep 1000
        startsecs=0
        """)
        try "swiftvisord-children 2\ndaemon 999999 1 \(String(repeating: "ab", count: 16))\n\(pid) 1 1 \(String(repeating: "ab", count: 16)) plain\n".write(
            toFile: sandbox.pidfilePath + ".children", atomically: true, encoding: .utf8)
        try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: plain entered RUNNING").isEmpty }
        XCTAssertFalse(isGone(pid), "a process with a reused pid is not a leftover")
        XCTAssertTrue(sandbox.logLines(containing: "leftover").isEmpty, sandbox.mainLog)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        stranger.terminate()
        stranger.waitUntilExit()
    }
}
