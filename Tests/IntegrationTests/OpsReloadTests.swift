// What an operator watching the main log sees across a reload (SIGHUP,
// `systemctl reload`, the init script's reload), compared with supervisord.
import Foundation
import XCTest

final class OpsReloadTests: XCTestCase {
    var sandbox: Sandbox!
    private var daemon: OpsProcess?
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        daemon?.terminate()
        for pid in sandbox.spawnedPids() { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    /// supervisord runs its whole start-up again on a reload and
    /// logs `supervisord started with pid N` each time (options.py
    /// write_pidfile, called from Supervisor.run on every restart); log
    /// watchers and scripts that wait for that line after `reload` rely on it.
    func test_sighup_logsSupervisordStartedWithPidAgain_likeSupervisord() throws {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let d = try OpsProcess([Binaries.swiftvisord, "-n", "-c", sandbox.configPath])
        daemon = d
        waitUntil("running") { sandbox.logLines(containing: "success: sleeper entered RUNNING").count == 1 }
        kill(d.pid, SIGHUP)
        waitUntil("running again") { sandbox.logLines(containing: "success: sleeper entered RUNNING").count == 2 }
        XCTAssertEqual(sandbox.logLines(containing: "supervisord started with pid \(d.pid)").count, 2, sandbox.mainLog)
    }
}
