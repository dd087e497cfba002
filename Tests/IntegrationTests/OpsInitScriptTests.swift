// The LSB init script (config/init.d/swiftvisord) run for real under sh,
// dash and busybox sh against a scratch config: LSB exit codes, idempotent
// start/stop, stop waiting for the programs, reload refusing a broken config.
import Foundation
import XCTest

final class OpsInitScriptTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        // Daemons started by the script are not our children: stop them by pid.
        if let pid = daemonPid() { terminateAndWait(pid, timeout: 10) }
        for pid in startedDaemons { sandbox.killIfAlive(pid) }
        for pid in sandbox.spawnedPids() { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    private var startedDaemons: [Int32] = []
    private var pidfile: String { sandbox.dir + "/run/swiftvisord.pid" }
    private var script: String { OpsTools.packageFile("config/init.d/swiftvisord") }

    private func daemonPid() -> Int32? {
        (try? String(contentsOfFile: pidfile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Write the scratch defaults file the script reads through SWIFTVISORD_DEFAULTS.
    private func writeDefaults(stopTimeout: Int = 20) throws -> String {
        try sandbox.write("""
        DAEMON=\(Binaries.swiftvisord)
        CONFIG=\(sandbox.configPath)
        PIDFILE=\(pidfile)
        RUNDIR=\(sandbox.dir)/run
        LOGDIR=\(sandbox.dir)/logs
        STOP_TIMEOUT=\(stopTimeout)

        """, to: "defaults")
    }

    /// Run `<shell> init.d/swiftvisord <action>`.
    private func action(_ shell: [String], _ verb: String, defaults: String) throws -> CommandResult {
        let r = try OpsProcess.run(shell + [script, verb], environment: ["SWIFTVISORD_DEFAULTS": defaults])
        if let pid = daemonPid(), !startedDaemons.contains(pid) { startedDaemons.append(pid) }
        return r
    }

    private func shell(_ name: String) throws -> [String] {
        switch name {
        case "sh": return ["/bin/sh"]
        case "busybox":
            guard let bb = OpsTools.which("busybox") else { throw XCTSkip("busybox is not installed: init script not tested under busybox sh (apt-get install busybox)") }
            return [bb, "sh"]
        default:
            guard let path = OpsTools.which(name) else { throw XCTSkip("\(name) is not installed: init script not tested under \(name) (apt-get install \(name))") }
            return [path]
        }
    }

    func test_initScript_underSh_followsLSBExitCodes() throws { try lifecycle(shell("sh")) }
    func test_initScript_underDash_followsLSBExitCodes() throws { try lifecycle(shell("dash")) }
    func test_initScript_underBusyboxSh_followsLSBExitCodes() throws { try lifecycle(shell("busybox")) }

    private func lifecycle(_ sh: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let defaults = try writeDefaults()

        // Stopped: status 3, stop succeeds anyway.
        XCTAssertEqual(try action(sh, "status", defaults: defaults).status, 3, file: file, line: line)
        XCTAssertEqual(try action(sh, "stop", defaults: defaults).status, 0, "stop when stopped", file: file, line: line)

        let start = try action(sh, "start", defaults: defaults)
        XCTAssertEqual(start.status, 0, "start: \(start.stdout)\(start.stderr)\n\(sandbox.mainLog)", file: file, line: line)
        let pid = try XCTUnwrap(daemonPid(), "the script's PIDFILE (given with -j) is written", file: file, line: line)
        XCTAssertTrue(start.stdout.contains("started (pid \(pid))"), start.stdout, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.pidfilePath), "-j overrides the config's pidfile", file: file, line: line)
        waitUntil("sleeper running") { !sandbox.logLines(containing: "success: sleeper entered RUNNING").isEmpty }
        let child = try XCTUnwrap(sandbox.spawnedPids().first, file: file, line: line)

        let status = try action(sh, "status", defaults: defaults)
        XCTAssertEqual(status.status, 0, file: file, line: line)
        XCTAssertEqual(status.stdout, "swiftvisord is running (pid \(pid))\n", file: file, line: line)

        let again = try action(sh, "start", defaults: defaults)
        XCTAssertEqual(again.status, 0, "start when running succeeds", file: file, line: line)
        XCTAssertTrue(again.stdout.contains("already running (pid \(pid))"), again.stdout, file: file, line: line)
        XCTAssertEqual(daemonPid(), pid, file: file, line: line)
        XCTAssertEqual(sandbox.logLines(containing: "supervisord started with pid").count, 1, "no second daemon", file: file, line: line)

        let stop = try action(sh, "stop", defaults: defaults)
        XCTAssertEqual(stop.status, 0, stop.stdout + stop.stderr, file: file, line: line)
        // stop returns only once the daemon has stopped its programs and exited.
        XCTAssertNotEqual(processState(pid).map { $0 != "Z" }, true, "daemon gone when stop returns", file: file, line: line)
        XCTAssertNil(processState(child), "program stopped before stop returned", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidfile), file: file, line: line)
        XCTAssertEqual(try action(sh, "status", defaults: defaults).status, 3, file: file, line: line)
        XCTAssertEqual(try action(sh, "stop", defaults: defaults).status, 0, "stop again", file: file, line: line)

        // A daemon that died leaves its pidfile: status 1, then stop clears it.
        XCTAssertEqual(try action(sh, "start", defaults: defaults).status, 0, file: file, line: line)
        let second = try XCTUnwrap(daemonPid(), file: file, line: line)
        XCTAssertNotEqual(second, pid, file: file, line: line)
        waitUntil("second sleeper") { sandbox.spawnedPids().count == 2 }
        kill(second, SIGKILL)
        waitUntil("daemon killed") { processState(second).map { $0 == "Z" } ?? true }
        for p in sandbox.spawnedPids() { sandbox.killIfAlive(p) }
        let dead = try action(sh, "status", defaults: defaults)
        XCTAssertEqual(dead.status, 1, dead.stdout, file: file, line: line)
        XCTAssertTrue(dead.stdout.contains("dead but its pidfile"), dead.stdout, file: file, line: line)
        XCTAssertEqual(try action(sh, "stop", defaults: defaults).status, 0, file: file, line: line)
        XCTAssertEqual(try action(sh, "status", defaults: defaults).status, 3, file: file, line: line)
    }

    func test_initScript_restart_replacesTheDaemon_andReloadSendsSIGHUP() throws {
        let sh = try shell("sh")
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let defaults = try writeDefaults()
        XCTAssertEqual(try action(sh, "reload", defaults: defaults).status, 7, "reload when not running: LSB 7")
        XCTAssertEqual(try action(sh, "start", defaults: defaults).status, 0)
        let first = try XCTUnwrap(daemonPid())

        XCTAssertEqual(try action(sh, "reload", defaults: defaults).status, 0)
        waitUntil("SIGHUP received") { !sandbox.logLines(containing: "received SIGHUP indicating restart request").isEmpty }
        XCTAssertEqual(try action(sh, "force-reload", defaults: defaults).status, 0)
        waitUntil("second SIGHUP") { sandbox.logLines(containing: "received SIGHUP indicating restart request").count == 2 }

        let restart = try action(sh, "restart", defaults: defaults)
        XCTAssertEqual(restart.status, 0, restart.stdout + restart.stderr)
        let second = try XCTUnwrap(daemonPid())
        XCTAssertNotEqual(second, first)
        XCTAssertNotEqual(processState(first).map { $0 != "Z" }, true, "old daemon gone")
        XCTAssertEqual(try action(sh, "status", defaults: defaults).status, 0)
        XCTAssertEqual(try action(sh, "stop", defaults: defaults).status, 0)
    }

    func test_initScript_reload_withABrokenConfig_failsAndLeavesTheDaemonAlone() throws {
        let sh = try shell("sh")
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let defaults = try writeDefaults()
        XCTAssertEqual(try action(sh, "start", defaults: defaults).status, 0)
        let pid = try XCTUnwrap(daemonPid())
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=soon
        """)
        let reload = try action(sh, "reload", defaults: defaults)
        XCTAssertEqual(reload.status, 1)
        XCTAssertTrue(reload.stderr.contains("swiftvisord.conf:"), "the file:line error reaches the operator: \(reload.stderr)")
        XCTAssertTrue(reload.stderr.contains("not reloading"), reload.stderr)
        XCTAssertEqual(sandbox.logLines(containing: "received SIGHUP").count, 0, "no signal sent")
        XCTAssertEqual(daemonPid(), pid)
        XCTAssertEqual(try action(sh, "status", defaults: defaults).status, 0)
    }

    func test_initScript_stop_waitsForSlowPrograms_andFailsAfterItsTimeout() throws {
        let sh = try shell("sh")
        try sandbox.writeConfig("""
        [program:stubborn]
        command=/bin/sh -c "trap '' TERM; while :; do sleep 0.1; done"
        startsecs=0
        stopwaitsecs=4
        """)
        XCTAssertEqual(try action(sh, "start", defaults: try writeDefaults()).status, 0)
        let pid = try XCTUnwrap(daemonPid())
        waitUntil("running") { !sandbox.logLines(containing: "success: stubborn entered RUNNING").isEmpty }
        let child = try XCTUnwrap(sandbox.spawnedPids().first)
        // RUNNING comes before sh has run its trap (startsecs=0).
        waitUntil("stubborn ignores SIGTERM") { OSTest.ignores(SIGTERM, child) }

        let started = Date()
        let impatient = try action(sh, "stop", defaults: try writeDefaults(stopTimeout: 1))
        XCTAssertEqual(impatient.status, 1, "stop gives up after STOP_TIMEOUT: \(impatient.stdout)")
        XCTAssertTrue(impatient.stderr.contains("still stopping its programs after 1s"), impatient.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.9, "gave up after about STOP_TIMEOUT, not after the program stopped")
        XCTAssertEqual(processState(pid).map { $0 != "Z" }, true, "daemon still stopping the program")

        let patient = try action(sh, "stop", defaults: try writeDefaults(stopTimeout: 20))
        XCTAssertEqual(patient.status, 0, patient.stdout + patient.stderr)
        XCTAssertNil(processState(child), "killed after stopwaitsecs, before stop returned")
        XCTAssertEqual(sandbox.logLines(containing: "killing 'stubborn' (\(child)) with SIGKILL").count, 1, sandbox.mainLog)
    }

    func test_shellScripts_passShellcheckAsPOSIXSh() throws {
        guard let shellcheck = OpsTools.which("shellcheck") else {
            throw XCTSkip("shellcheck is not installed: init script and install.sh not linted (apt-get install shellcheck)")
        }
        let files = ["config/init.d/swiftvisord", "scripts/install.sh", "config/default/swiftvisord"].map(OpsTools.packageFile)
        let r = try OpsProcess.run([shellcheck, "-s", "sh"] + files)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    func test_initScript_start_withABrokenConfig_failsWithTheDaemonsError() throws {
        let sh = try shell("sh")
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startretries=many
        """)
        let start = try action(sh, "start", defaults: try writeDefaults())
        XCTAssertEqual(start.status, 1, start.stdout)
        XCTAssertTrue(start.stderr.contains("swiftvisord.conf:"), "the file:line error reaches the terminal: \(start.stderr)")
        XCTAssertTrue(start.stderr.contains("failed to start"), start.stderr)
        XCTAssertEqual(try action(sh, "status", defaults: try writeDefaults()).status, 3)
    }
}
