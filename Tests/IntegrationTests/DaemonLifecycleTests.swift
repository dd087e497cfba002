// End-to-end tests of swiftvisord alone: the real binary on generated configs,
// real children, observed through the main log, child logs, /proc and signals.
import Foundation
import XCTest

final class DaemonLifecycleTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func spawnedPids(_ name: String) -> [Int32] {
        sandbox.logLines(containing: "spawned: '\(name)' with pid ").compactMap { line in
            line.split(separator: " ").last.flatMap { Int32($0) }
        }
    }

    private func logTime(_ line: String) -> Double {
        // "2026-11-22 10:00:00,123 INFO ..." → seconds within the day, enough for gaps.
        let parts = line.split(separator: " ")
        let clock = parts[1].replacingOccurrences(of: ",", with: ".").split(separator: ":")
        return Double(clock[0])! * 3600 + Double(clock[1])! * 60 + Double(clock[2])!
    }

    func test_spawn_whenStartsecsElapse_entersRunningInItsOwnProcessGroup() throws {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=1
        """)
        try sandbox.startDaemon()
        waitUntil("RUNNING") { !sandbox.logLines(containing: "success: sleeper entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)").isEmpty }
        let pid = try XCTUnwrap(spawnedPids("sleeper").first)
        sandbox.track(pid: pid)
        XCTAssertEqual(getpgid(pid), pid, "each child leads its own process group")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertNil(processState(pid), "child is gone after shutdown")
    }

    func test_supervisordUser_logsSetUidSucceeded_atStartAndAfterAReload_likeSupervisord() throws {
        let me = try XCTUnwrap(getpwuid(geteuid())).pointee
        let name = String(cString: me.pw_name)
        let config = try sandbox.writeConfig("""
        [program:a]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "[supervisord]\n", with: "[supervisord]\nuser=\(name)\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: a entered RUNNING").isEmpty }
        sandbox.track(pid: try XCTUnwrap(spawnedPids("a").first))
        // supervisord 4.3.0: "Set uid to user <uid> succeeded" (the number), and no "running as root".
        XCTAssertEqual(sandbox.logLines(containing: "INFO Set uid to user \(me.pw_uid) succeeded").count, 1, sandbox.mainLog)
        XCTAssertTrue(sandbox.logLines(containing: "Supervisor is running as root").isEmpty, sandbox.mainLog)
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("restarted") { spawnedPids("a").count == 2 }
        sandbox.track(pid: spawnedPids("a")[1])
        XCTAssertEqual(sandbox.logLines(containing: "INFO Set uid to user \(me.pw_uid) succeeded").count, 2, sandbox.mainLog)
    }

    func test_crashLoop_withStartretries3_spawnsExactlyFourTimesOnTheBackoffSchedule_thenFatal() throws {
        try sandbox.writeConfig("""
        [program:quick]
        command=/bin/sh -c "echo quick-out; exit 1"
        startsecs=1
        startretries=3
        """)
        try sandbox.startDaemon()
        waitUntil("FATAL", timeout: 20) { !sandbox.logLines(containing: "gave up: quick entered FATAL state, too many start retries too quickly").isEmpty }
        let spawns = sandbox.logLines(containing: "spawned: 'quick' with pid")
        XCTAssertEqual(spawns.count, 4, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "exited: quick (exit status 1; not expected)").count, 4)
        // Backoff delays 1, 2, 3 s after each failure (no 1 s tick on top).
        let times = spawns.map(logTime)
        for (i, expected) in [1.0, 2.0, 3.0].enumerated() {
            let gap = times[i + 1] - times[i]
            XCTAssertGreaterThanOrEqual(gap, expected - 0.01, "gap \(i + 1)")
            XCTAssertLessThan(gap, expected + 0.5, "gap \(i + 1)")
        }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_crashLoop_withStartretries0_isFatalAfterTheFirstFailure() throws {
        try sandbox.writeConfig("""
        [program:noretry]
        command=/bin/sh -c "exit 1"
        startretries=0
        """)
        try sandbox.startDaemon()
        waitUntil("FATAL") { !sandbox.logLines(containing: "gave up: noretry entered FATAL state").isEmpty }
        XCTAssertEqual(sandbox.logLines(containing: "spawned: 'noretry'").count, 1)
    }

    func test_autorestartUnexpected_restartsOnlyWhenTheExitCodeIsNotExpected() throws {
        try sandbox.writeConfig("""
        [program:expected]
        command=/bin/sh -c "sleep 0.3; exit 3"
        startsecs=0
        exitcodes=0,3
        autorestart=unexpected
        [program:unexpected]
        command=/bin/sh -c "sleep 0.3; exit 4"
        startsecs=0
        exitcodes=0,3
        autorestart=unexpected
        """)
        try sandbox.startDaemon()
        waitUntil("unexpected restarted twice") { sandbox.logLines(containing: "spawned: 'unexpected'").count >= 3 }
        XCTAssertEqual(sandbox.logLines(containing: "exited: expected (exit status 3; expected)").count, 1)
        XCTAssertEqual(sandbox.logLines(containing: "spawned: 'expected'").count, 1, "an expected exit is not restarted")
        XCTAssertFalse(sandbox.logLines(containing: "exited: unexpected (exit status 4; not expected)").isEmpty)
    }

    /// A queue worker that exits after each job (startsecs=0) is respawned as
    /// soon as it is reaped, not one second after its start; a command failing
    /// at once still restarts only once a second (docs/state-machine.md).
    func test_workerExitingAfterAShortJob_isRespawnedWithinMilliseconds_whileAFailingCommandStaysBounded() throws {
        try sandbox.writeConfig("""
        [program:worker]
        command=/bin/sh -c "sleep 0.2; exit 0"
        startsecs=0
        autorestart=true
        [program:failing]
        command=/bin/sh -c "exit 1"
        startsecs=0
        autorestart=true
        """)
        try sandbox.startDaemon()
        waitUntil("worker respawned 6 times, failing 3", timeout: 20) {
            sandbox.logLines(containing: "spawned: 'worker'").count >= 7 && sandbox.logLines(containing: "spawned: 'failing'").count >= 3
        }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        // Each expected exit, then the next spawn: the gap is the respawn latency.
        var gaps: [Double] = []
        var exitedAt: Double?
        for line in sandbox.mainLog.split(separator: "\n").map(String.init) {
            if line.contains("exited: worker (exit status 0; expected)") { exitedAt = logTime(line) }
            if line.contains("spawned: 'worker' with pid"), let e = exitedAt { gaps.append(logTime(line) - e); exitedAt = nil }
        }
        XCTAssertGreaterThanOrEqual(gaps.count, 6, sandbox.mainLog)
        let median = gaps.sorted()[gaps.count / 2]
        XCTAssertLessThan(median, 0.05, "respawn latencies \(gaps)")
        XCTAssertLessThan(gaps.max() ?? 0, 0.5, "no respawn waits for a tick: \(gaps)")
        let starts = sandbox.logLines(containing: "spawned: 'worker'").map(logTime)
        for (a, b) in zip(starts, starts.dropFirst()) {
            XCTAssertLessThan(b - a, 0.7, "a 0.2 s job is started again well before 1 s: \(starts)")
        }
        let failing = sandbox.logLines(containing: "spawned: 'failing'").map(logTime)
        for (a, b) in zip(failing, failing.dropFirst()) {
            XCTAssertGreaterThanOrEqual(b - a, 0.99, "a command failing at once restarts at most once a second: \(failing)")
        }
    }

    func test_shutdown_whenChildIgnoresSIGTERM_killsItAfterStopwaitsecs() throws {
        try sandbox.writeConfig("""
        [program:ignoreterm]
        command=/bin/sh -c "trap '' TERM; echo ready; while :; do sleep 0.1; done"
        startsecs=0
        stopwaitsecs=1
        """)
        try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: ignoreterm entered RUNNING").isEmpty }
        let pid = try XCTUnwrap(spawnedPids("ignoreterm").first)
        sandbox.track(pid: pid)
        // RUNNING comes before sh has run its trap (startsecs=0).
        waitUntil("ignoreterm ignores SIGTERM") { OSTest.ignores(SIGTERM, pid) }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertEqual(sandbox.logLines(containing: "received SIGTERM indicating exit request").count, 1)
        XCTAssertEqual(sandbox.logLines(containing: "killing 'ignoreterm' (\(pid)) with SIGKILL").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "stopped: ignoreterm (terminated by SIGKILL)").count, 1)
        XCTAssertNil(processState(pid))
    }

    func test_stopasgroup_whenStopping_reachesTheGrandchildren() throws {
        try sandbox.writeConfig("""
        [program:tree]
        command=/bin/sh -c "sleep 1001 & sleep 1002 & wait"
        startsecs=0
        stopasgroup=true
        """)
        try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: tree entered RUNNING").isEmpty }
        let pid = try XCTUnwrap(spawnedPids("tree").first)
        var grandchildren: [Int32] = []
        waitUntil("two grandchildren") { grandchildren = childPids(of: pid); return grandchildren.count == 2 }
        grandchildren.forEach(sandbox.track)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        for g in grandchildren { XCTAssertNil(processState(g), "grandchild \(g) survived") }
    }

    func test_subreaper_reapsADoubleForkedGrandchild_andShutdownLeavesNothingBehind() throws {
        try sandbox.writeConfig("""
        [program:dfork]
        command=/bin/sh -c "(sleep 0.5 &) && (sleep 1000 &) && exec sleep 1003"
        startsecs=0
        """)
        let daemon = try sandbox.startDaemon()
        waitUntil("the short orphan reaped by the daemon") { !sandbox.logLines(containing: "reaped unknown pid").isEmpty }
        XCTAssertEqual(sandbox.logLines(containing: "reaped unknown pid").first?.hasSuffix("(exit status 0)"), true, sandbox.mainLog)
        let adopted = childPids(of: daemon.processIdentifier)
        adopted.forEach(sandbox.track)
        XCTAssertGreaterThanOrEqual(adopted.count, 2, "the program and the adopted sleep 1000")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        for pid in adopted { XCTAssertNil(processState(pid), "pid \(pid) left behind") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.pidfilePath), "pidfile removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.socketPath), "socket removed")
    }

    func test_spawnError_missingCommand_isReportedAndFatal_andTheDaemonKeepsRunning() throws {
        try sandbox.writeConfig("""
        [program:ghost]
        command=not-a-command-xyz
        startretries=1
        [program:fine]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let daemon = try sandbox.startDaemon()
        waitUntil("FATAL") { !sandbox.logLines(containing: "gave up: ghost entered FATAL state").isEmpty }
        XCTAssertEqual(sandbox.logLines(containing: "spawnerr: can't find command 'not-a-command-xyz'").count, 2)
        XCTAssertTrue(daemon.isRunning)
        XCTAssertFalse(sandbox.logLines(containing: "success: fine entered RUNNING").isEmpty)
    }

    func test_childEnvironment_carriesSupervisorVariablesAndConfiguredEnvironment() throws {
        try sandbox.writeConfig("""
        [supervisord]
        environment=GLOBAL="g",SHARED="from-global"
        [program:env]
        command=/usr/bin/env
        environment=SHARED="from-program",PCT="50%%",QUOTED="a,b"
        stdout_logfile=\(sandbox.dir)/env.log
        startsecs=0
        autorestart=false
        """)
        try sandbox.startDaemon()
        waitUntil("exited") { !sandbox.logLines(containing: "exited: env (exit status 0; expected)").isEmpty }
        let env = Set(try String(contentsOfFile: sandbox.dir + "/env.log", encoding: .utf8).split(separator: "\n").map(String.init))
        for line in ["SUPERVISOR_ENABLED=1", "SUPERVISOR_PROCESS_NAME=env", "SUPERVISOR_GROUP_NAME=env",
                     "SUPERVISOR_SERVER_URL=unix://\(sandbox.socketPath)", "GLOBAL=g", "SHARED=from-program",
                     "PCT=50%", "QUOTED=a,b"] {
            XCTAssertTrue(env.contains(line), "missing \(line) in \(env.sorted())")
        }
    }

    func test_rotation_keepsEveryByteInOrderAcrossBackups() throws {
        let count = 20000
        try sandbox.writeConfig("""
        [program:spew]
        command=/usr/bin/seq 1 \(count)
        stdout_logfile=\(sandbox.dir)/spew.log
        stdout_logfile_maxbytes=10KB
        stdout_logfile_backups=30
        startsecs=0
        autorestart=false
        """)
        try sandbox.startDaemon()
        waitUntil("exited") { !sandbox.logLines(containing: "exited: spew (exit status 0; expected)").isEmpty }
        sandbox.stopDaemon()
        var text = ""
        for i in stride(from: 30, through: 1, by: -1) {
            if let part = try? String(contentsOfFile: sandbox.dir + "/spew.log.\(i)", encoding: .utf8) { text += part }
        }
        text += try String(contentsOfFile: sandbox.dir + "/spew.log", encoding: .utf8)
        let expected = (1...count).map(String.init).joined(separator: "\n") + "\n"
        XCTAssertEqual(text.count, expected.count)
        XCTAssertTrue(text == expected, "rotated files do not hold the output in order")
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.dir + "/spew.log.2"))
    }

    /// `[program:NAME]` sleeping under a started daemon, RUNNING; its pid is tracked.
    @discardableResult
    private func startDaemonWithSleeper(_ name: String = "a") throws -> (daemon: Process, pid: Int32) {
        try sandbox.writeConfig("""
        [program:\(name)]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let daemon = try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: \(name) entered RUNNING").isEmpty }
        let pid = try XCTUnwrap(spawnedPids(name).first)
        sandbox.track(pid: pid)
        return (daemon, pid)
    }

    func test_sighup_withABrokenConfig_isRefusedAndTheRunningProcessesAreUntouched() throws {
        let (daemon, pid) = try startDaemonWithSleeper("keep")
        try sandbox.writeConfig("""
        [program:keep]
        command=/bin/sleep 1000
        startsecs=five
        """)
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("refusal logged") { !sandbox.logLines(containing: "reload refused").isEmpty }
        XCTAssertEqual(sandbox.logLines(containing: "reload refused").first?.contains("startsecs"), true, sandbox.mainLog)
        XCTAssertEqual(processState(pid).map { $0 != "Z" }, true, "the old process still runs")
        XCTAssertEqual(spawnedPids("keep"), [pid], "nothing was restarted")
        XCTAssertTrue(daemon.isRunning)
    }

    func test_sighup_withAValidConfig_restartsOnTheNewConfig() throws {
        let (daemon, oldPid) = try startDaemonWithSleeper("old")
        try sandbox.writeConfig("""
        [program:new]
        command=/bin/sleep 1000
        startsecs=0
        """)
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("new running") { !sandbox.logLines(containing: "success: new entered RUNNING").isEmpty }
        XCTAssertNil(processState(oldPid), "the old program was stopped")
        XCTAssertEqual(sandbox.logLines(containing: "received SIGHUP indicating restart request").count, 1)
        XCTAssertTrue(daemon.isRunning)
    }


    func test_sighup_logsTheOldProcessStopped_beforeStartingAgain_likeSupervisord() throws {
        let daemon = try startDaemonWithSleeper().daemon
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("spawned again") { spawnedPids("a").count == 2 }
        sandbox.track(pid: spawnedPids("a")[1])
        let order = sandbox.mainLog.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) ?? "" }
            .filter { $0.hasPrefix("stopped: a") || $0.hasPrefix("supervisord started") || $0.hasPrefix("spawned: 'a'") }
            .map { String($0.prefix(12)) }
        // supervisord 4.3.0: the stop line, then the restart.
        XCTAssertEqual(order, ["supervisord ", "spawned: 'a'", "stopped: a (", "supervisord ", "spawned: 'a'"], sandbox.mainLog)
    }

    func test_sighup_withAMovedLogfilePidfileAndSocket_usesTheNewPaths_andLeavesNoOldFileBehind() throws {
        let daemon = try startDaemonWithSleeper().daemon
        let moved = try String(contentsOfFile: sandbox.configPath, encoding: .utf8)
            .replacingOccurrences(of: sandbox.mainLogPath, with: sandbox.dir + "/moved.log")
            .replacingOccurrences(of: sandbox.pidfilePath, with: sandbox.dir + "/moved.pid")
            .replacingOccurrences(of: sandbox.socketPath, with: sandbox.dir + "/moved.sock")
        try moved.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)
        let newLog = sandbox.dir + "/moved.log"
        func newLogText() -> String { (try? String(contentsOfFile: newLog, encoding: .utf8)) ?? "" }
        waitUntil("restarted, logging to the new file") { newLogText().contains("success: a entered RUNNING") }
        for pid in newLogText().split(separator: "\n").filter({ $0.contains("spawned: 'a'") }).compactMap({ $0.split(separator: " ").last.flatMap { Int32($0) } }) {
            sandbox.track(pid: pid)
        }
        // supervisord 4.3.0 recreates its logger, pidfile and servers on reload.
        XCTAssertTrue(newLogText().contains("supervisord started with pid \(daemon.processIdentifier)"), newLogText())
        XCTAssertTrue(newLogText().contains("CRIT Server 'unix_http_server' running without any HTTP authentication checking"), newLogText())
        if geteuid() == 0 { XCTAssertTrue(newLogText().contains("CRIT Supervisor is running as root."), newLogText()) }
        XCTAssertEqual(try String(contentsOfFile: sandbox.dir + "/moved.pid", encoding: .utf8), "\(daemon.processIdentifier)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.pidfilePath), "the old pidfile is removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.socketPath), "the old socket is removed")
        let status = try sandbox.ctl("status")  // the config's serverurl names the new socket
        XCTAssertTrue(status.stdout.contains("RUNNING"), status.stdout + status.stderr)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.dir + "/moved.pid"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.dir + "/moved.sock"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.pidfilePath), "no stale pidfile after shutdown")
    }

    /// A program that ignores SIGTERM, with a stopwaitsecs far beyond any test:
    /// the stop lasts until the test SIGKILLs it, so signals sent meanwhile
    /// always arrive while it is being stopped, however loaded the machine.
    /// Returns the daemon and the program's (tracked) pid once it is RUNNING.
    private func startDaemonWithStubborn() throws -> (daemon: Process, stubborn: Int32) {
        try sandbox.writeConfig("""
        [program:stubborn]
        command=/bin/sh -c "trap '' TERM; while :; do sleep 0.1; done"
        stopwaitsecs=300
        startsecs=0
        """)
        let daemon = try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: stubborn entered RUNNING").isEmpty }
        let stubborn = try XCTUnwrap(spawnedPids("stubborn").first)
        sandbox.track(pid: stubborn)
        // RUNNING comes at once (startsecs=0), before sh has run its trap: a
        // SIGTERM then would end it at the first stop.
        waitUntil("stubborn ignores SIGTERM") { OSTest.ignores(SIGTERM, stubborn) }
        return (daemon, stubborn)
    }


    func test_signalsDuringShutdown_areLoggedLikeSupervisord_exitRequestEveryTime_restartIgnored() throws {
        let (daemon, stubborn) = try startDaemonWithStubborn()
        kill(daemon.processIdentifier, SIGTERM)
        waitUntil("stopping") { !sandbox.logLines(containing: "waiting for stubborn to die").isEmpty }
        kill(daemon.processIdentifier, SIGINT)
        waitUntil("second exit request logged") { !sandbox.logLines(containing: "received SIGINT indicating exit request").isEmpty }
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("SIGHUP logged") { !sandbox.logLines(containing: "SIGHUP indicating restart request").isEmpty }
        kill(stubborn, SIGKILL)
        waitUntil("daemon exit", timeout: 15) { !daemon.isRunning }
        XCTAssertEqual(daemon.terminationStatus, 0)
        XCTAssertEqual(sandbox.logLines(containing: "received SIGTERM indicating exit request").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "ignored SIGHUP indicating restart request (shutdown in progress)").count, 1, sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "supervisord started with pid").count, 1, "no restart")
    }

    func test_sighupDuringAReload_isReceivedNotIgnored_andTheReloadCompletes() throws {
        let (daemon, stubborn) = try startDaemonWithStubborn()
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("stopping") { !sandbox.logLines(containing: "waiting for stubborn to die").isEmpty }
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("second SIGHUP logged") { sandbox.logLines(containing: "SIGHUP indicating restart request").count == 2 }
        kill(stubborn, SIGKILL)
        waitUntil("restarted", timeout: 15) { spawnedPids("stubborn").count == 2 }
        sandbox.track(pid: spawnedPids("stubborn")[1])
        // supervisord 4.3.0 logs "received", and stays restarting.
        XCTAssertEqual(sandbox.logLines(containing: "received SIGHUP indicating restart request").count, 2, sandbox.mainLog)
        XCTAssertTrue(sandbox.logLines(containing: "ignored SIGHUP").isEmpty, sandbox.mainLog)
        XCTAssertTrue(daemon.isRunning)
    }

    func test_sigusr2_reopensLogs_recreatingADeletedChildLog() throws {
        try sandbox.writeConfig("""
        [program:talker]
        command=/bin/sh -c "while :; do echo hello; sleep 0.05; done"
        stdout_logfile=\(sandbox.dir)/talker.log
        startsecs=0
        """)
        let daemon = try sandbox.startDaemon()
        let path = sandbox.dir + "/talker.log"
        waitUntil("log written") { ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0 }
        try FileManager.default.removeItem(atPath: path)
        kill(daemon.processIdentifier, SIGUSR2)
        waitUntil("log recreated and written") { ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0 }
        XCTAssertEqual(sandbox.logLines(containing: "received SIGUSR2 indicating log reopen request").count, 1)
        XCTAssertEqual(sandbox.logLines(containing: "supervisord logreopen").count, 1)
    }

    func test_manyReloadCycles_leaveNoDescriptorOrZombieBehind() throws {
        var body = ""
        for i in 0..<20 {
            body += "[program:s\(i)]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
        }
        for i in 0..<5 {
            body += "[program:missing\(i)]\ncommand=/nonexistent/cmd\nstartretries=0\n"
        }
        try sandbox.writeConfig(body)
        let daemon = try sandbox.startDaemon()
        let pid = daemon.processIdentifier
        func settled(_ generation: Int) -> Bool {
            sandbox.logLines(containing: "entered RUNNING state").count == 20 * generation
                && sandbox.logLines(containing: "gave up: missing").count == 5 * generation
        }
        waitUntil("first start") { settled(1) }
        let baseline = openFDCount(pid)
        for generation in 2...11 {
            kill(pid, SIGHUP)
            waitUntil("reload \(generation)", timeout: 20) { settled(generation) }
        }
        waitUntil("descriptor count back to baseline \(baseline)") { openFDCount(pid) == baseline }
        let zombies = childPids(of: pid).filter { processState($0) == "Z" }
        XCTAssertEqual(zombies, [], "zombie children")
        XCTAssertEqual(childPids(of: pid).count, 20)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }
}

final class DaemonLogSharingTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_processesSharingOneLogFile_appendInsteadOfOverwriting() throws {
        // numprocs workers pointed at one file: a common real-world config.
        try sandbox.writeConfig("""
        [program:w]
        command=/bin/sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do echo w$SUPERVISOR_PROCESS_NAME-$i; sleep 0.01; done"
        process_name=%(program_name)s_%(process_num)d
        numprocs=4
        stdout_logfile=\(sandbox.dir)/shared.log
        startsecs=0
        autorestart=false
        """)
        try sandbox.startDaemon()
        waitUntil("all exited") { sandbox.logLines(containing: "(exit status 0; expected)").count == 4 }
        let lines = try String(contentsOfFile: sandbox.dir + "/shared.log", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 40, lines.joined(separator: "\n"))
        for n in 0..<4 {
            XCTAssertEqual(lines.filter { $0.hasPrefix("ww_\(n)-") }.count, 10, "lines of w_\(n)")
        }
    }

    func test_externalTruncation_copytruncate_doesNotLeaveAHole() throws {
        try sandbox.writeConfig("""
        [program:talker]
        command=/bin/sh -c "while :; do echo 0123456789; sleep 0.01; done"
        stdout_logfile=\(sandbox.dir)/t.log
        startsecs=0
        """)
        try sandbox.startDaemon()
        let path = sandbox.dir + "/t.log"
        func size() -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        waitUntil("some output") { size() > 2000 }
        truncate(path, 0)  // what logrotate's copytruncate does
        waitUntil("writing resumed") { size() > 0 }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertFalse(data.prefix(100).contains(0), "the file starts with a hole of zero bytes after truncation")
    }
}

final class DaemonOutputFilterTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_stripAnsi_andDebugLevel_echoChildOutputIntoTheMainLog() throws {
        try sandbox.writeConfig("""
        [supervisord]
        strip_ansi=true
        [program:colour]
        command=/usr/bin/printf '\\033[31mred\\033[0m text\\n'
        stdout_logfile=\(sandbox.dir)/colour.log
        startsecs=0
        autorestart=false
        """, loglevel: "debug")
        try sandbox.startDaemon()
        waitUntil("exited") { !sandbox.logLines(containing: "exited: colour (exit status 0; expected)").isEmpty }
        XCTAssertEqual(try String(contentsOfFile: sandbox.dir + "/colour.log", encoding: .utf8), "red text\n")
        XCTAssertTrue(sandbox.mainLog.contains("DEBG 'colour' stdout output:\nred text\n"), sandbox.mainLog)
    }

    /// Where the child's fds 1 and 2 point, as it reports them in a file.
    private func childOutputTargets(loglevel: String) throws -> [String] {
        let report = sandbox.dir + "/fds.txt"
        try sandbox.writeConfig("""
        [program:quiet]
        command=/bin/sh -c 'a=$(readlink /proc/$$/fd/1); b=$(readlink /proc/$$/fd/2); echo "$a $b" > \(report); echo said'
        stdout_logfile=NONE
        redirect_stderr=true
        startsecs=0
        autorestart=false
        """, loglevel: loglevel)
        try sandbox.startDaemon()
        waitUntil("exited") { !sandbox.logLines(containing: "exited: quiet (exit status 0; expected)").isEmpty }
        return try String(contentsOfFile: report, encoding: .utf8).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    func test_outputWithNoLogFile_goesStraightToDevNull() throws {
        let targets = try childOutputTargets(loglevel: "info")
        XCTAssertEqual(targets, ["/dev/null", "/dev/null"], "no pipe for output nobody reads")
    }

    func test_outputWithNoLogFile_atDebugLevel_isStillEchoedIntoTheMainLog() throws {
        let targets = try childOutputTargets(loglevel: "debug")
        XCTAssertEqual(targets.count, 2)
        XCTAssertTrue(targets.allSatisfy { $0.hasPrefix("pipe:") }, "\(targets)")
        XCTAssertEqual(Set(targets).count, 1, "stderr shares stdout's pipe")
        XCTAssertTrue(sandbox.mainLog.contains("DEBG 'quiet' stdout output:\nsaid\n"), sandbox.mainLog)
    }
}

final class DaemonBlockedOutputTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// The container idiom `stdout_logfile=/dev/stdout` with a log reader that
    /// stops: the flooding child waits, the daemon and every other program go on.
    func test_aStdoutNobodyReads_blocksOnlyTheChildWritingToIt() throws {
        try sandbox.writeConfig("""
        [program:flood]
        command=/usr/bin/yes flood
        stdout_logfile=/dev/stdout
        stdout_logfile_maxbytes=0
        startsecs=0
        [program:ticker]
        command=/bin/sh -c "while :; do echo tick; sleep 0.02; done"
        stdout_logfile=\(sandbox.dir)/ticker.log
        startsecs=0
        """)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: Binaries.swiftvisord)
        daemon.arguments = ["-n", "-c", sandbox.configPath]
        let stdout = Pipe()  // never read until the end of the test
        daemon.standardOutput = stdout
        daemon.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try daemon.run()
        sandbox.track(pid: daemon.processIdentifier)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        waitUntil("socket") { FileManager.default.fileExists(atPath: sandbox.socketPath) }
        let tickerLog = sandbox.dir + "/ticker.log"
        func size() -> Int { (try? FileManager.default.attributesOfItem(atPath: tickerLog)[.size] as? Int) ?? 0 }
        // The stdout pipe (64 KiB) is full within milliseconds; supervision must go on.
        let before = size()
        waitUntil("ticker keeps logging while stdout is full") { size() > before + 200 }
        let status = try sandbox.ctl("status")
        XCTAssertTrue(status.stdout.contains("flood"), status.stdout + status.stderr)
        XCTAssertTrue(status.stdout.contains("ticker"), status.stdout)
        // Draining the pipe lets the flood through again.
        let reader = stdout.fileHandleForReading
        var drained = 0
        waitUntil("flood output flows again") {
            drained += reader.availableData.count
            return drained > 1_000_000
        }
        kill(daemon.processIdentifier, SIGTERM)
        DispatchQueue.global().async { _ = reader.readDataToEndOfFile() }
        waitUntil("daemon exit") { !daemon.isRunning }
        XCTAssertEqual(daemon.terminationStatus, 0)
    }
}

final class DaemonSpawnErrorTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// supervisord sometimes shows `success: ... RUNNING` for a child that could
    /// not chdir (supervisord.py `Supervisor.runforever` at 4.3.0 promotes it
    /// before reaping it); we report a spawn error and go BACKOFF → FATAL.
    func test_missingDirectory_isASpawnErrorEndingFatal_neverRunning() throws {
        try sandbox.writeConfig("""
        [program:nodir]
        command=/bin/true
        directory=/nonexistent-swv
        startretries=1
        stderr_logfile=\(sandbox.dir)/nodir.err
        """)
        try sandbox.startDaemon()
        waitUntil("FATAL") { !sandbox.logLines(containing: "gave up: nodir entered FATAL state").isEmpty }
        XCTAssertEqual(sandbox.logLines(containing: "spawnerr: couldn't chdir to /nonexistent-swv: ENOENT").count, 2, sandbox.mainLog)
        XCTAssertTrue(sandbox.logLines(containing: "success: nodir").isEmpty, "never promoted to RUNNING")
        let err = try String(contentsOfFile: sandbox.dir + "/nodir.err", encoding: .utf8)
        XCTAssertTrue(err.contains("supervisor: couldn't chdir to /nonexistent-swv: ENOENT\nsupervisor: child process was not spawned\n"), err)
        let status = try sandbox.ctl("status", "nodir")
        XCTAssertEqual(status.stdout, "nodir                            FATAL     couldn't chdir to /nonexistent-swv: ENOENT\n")
        XCTAssertEqual(status.status, 3)
    }
}
