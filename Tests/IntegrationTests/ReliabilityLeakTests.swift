// Descriptor and zombie leaks: thousands of spawn/exit cycles (quick mode
// ~500), including spawn errors and user= switches (the fork path), must leave
// the daemon with exactly the descriptors it had after one cycle, and no zombie.
import Foundation
import XCTest

final class ReliabilityLeakTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// Run a daemon whose programs each exit `cycles` times (exit 1 = restart,
    /// the last exit 0 = expected, stays EXITED); return its descriptor count
    /// once everything settled.
    private func settledDescriptorCount(programs: Int, cycles: Int, userSwitchEvery: Int) throws -> Int {
        let dir = sandbox.dir
        let counts = dir + "/counts-\(cycles)"
        try FileManager.default.createDirectory(atPath: counts, withIntermediateDirectories: true)
        chmod(counts, 0o777)  // user=nobody counts its cycles here too
        _ = try sandbox.write("""
        f=\(counts)/$1
        n=$(cat "$f" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$f"
        echo "cycle $n of $1"
        [ $n -ge $2 ] && exit 0
        exit 1

        """, to: "cycle.sh")
        _ = try sandbox.write("#!/bin/sh\nexit 0\n", to: "noexec.sh")  // mode 644: a spawn error every time
        var body = ""
        for i in 0..<programs {
            body += """
            [program:c\(i)]
            command=/bin/sh \(dir)/cycle.sh c\(i) \(cycles)
            startsecs=0
            autorestart=unexpected
            exitcodes=0
            startretries=1000
            \(userSwitchEvery > 0 && i % userSwitchEvery == 0 ? "user=nobody\n" : "")
            """
        }
        body += """
        [program:missing]
        command=/nonexistent/program
        startretries=2
        [program:noexec]
        command=\(dir)/noexec.sh
        startretries=2

        """
        try sandbox.writeConfig(body)
        try sandbox.startDaemon()
        let pid = try XCTUnwrap(sandbox.daemonPid)
        let timeout = Double(cycles) * 1.5 + 20
        waitUntil("every program done", timeout: timeout) {
            sandbox.logLines(containing: "; expected)").count == programs
                && sandbox.logLines(containing: "entered FATAL state").count == 2
        }
        waitUntil("no child left", timeout: 10) { childPids(of: pid).isEmpty }
        XCTAssertTrue(zombieChildren(of: pid).isEmpty)
        for i in stride(from: 0, to: programs, by: max(1, programs / 10)) {
            XCTAssertEqual(sandbox.logLines(containing: "spawned: 'c\(i)' with pid").count, cycles, "c\(i)")
            XCTAssertEqual(sandbox.lastLoggedState("c\(i)"), "EXITED", "c\(i)")
        }
        let fds = openFDCount(pid)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        sandbox.auditAfterShutdown()
        try FileManager.default.removeItem(atPath: sandbox.mainLogPath)
        return fds
    }

    func test_spawnExitCycles_withSpawnErrorsAndUserSwitches_leaveNoDescriptorOrZombie() throws {
        let programs = Reliability.scaled(quick: 100, long: 200)
        let cycles = Reliability.scaled(quick: 5, long: 50)
        let every = getuid() == 0 ? 5 : 0  // user= needs root
        let baseline = try settledDescriptorCount(programs: programs, cycles: 1, userSwitchEvery: every)
        let after = try settledDescriptorCount(programs: programs, cycles: cycles, userSwitchEvery: every)
        XCTAssertEqual(after, baseline, "descriptors after \(programs * cycles) cycles vs after \(programs)")
    }
}
