// Bad configs at reload: a broken file, a broken included file, a new program
// without a command, and the configs that used to trap the reader (empty
// section names, huge % widths, backups, numprocs, a negative minfds),
// applied with SIGHUP (and `update` once swiftvisorctl
// talks to the daemon): refused, reported with file:line, nothing that runs is
// touched.
import Foundation
import XCTest

final class ReliabilityBadConfigTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private let good = """
    [program:keep]
    command=/bin/sleep 1000
    startsecs=0

    """

    private func badConfigs() -> [(what: String, body: String, file: String, line: Int)] {
        let inc = sandbox.dir + "/inc.conf"
        return [
            ("broken line", good + "this line is broken\n", sandbox.configPath, 15),
            ("broken include", good + "[include]\nfiles=\(inc)\n", inc, 2),
            ("new program without command", good + "[program:new]\ndirectory=/tmp\n", sandbox.configPath, 15),
            // Configs that trapped the reader, killing the daemon and orphaning its children (issue 10).
            ("empty program name", good + "[program:]\ncommand=/bin/cat\n", sandbox.configPath, 15),
            ("empty event listener name", good + "[eventlistener:]\ncommand=/bin/cat\nevents=TICK_5\n", sandbox.configPath, 15),
            ("huge % width", good + "[program:w]\ncommand=/bin/echo %(here)99999999999999999999s\n", sandbox.configPath, 16),
            ("% width of 2000000000", good + "[program:w]\ncommand=/bin/echo %(here)2000000000s\n", sandbox.configPath, 16),
            ("huge backups", good + "[program:w]\ncommand=/bin/cat\nstdout_logfile_backups=9223372036854775807\n", sandbox.configPath, 17),
            ("huge numprocs", good + "[program:w]\ncommand=/bin/cat\nprocess_name=%(process_num)d\nnumprocs=99999999\n", sandbox.configPath, 18),
            ("negative minfds", good + "[supervisord]\nminfds=-1\n", sandbox.configPath, 16),
        ]
    }

    func test_reload_withBadConfigs_isRefusedWithFileAndLine_andTheRunningProgramIsUntouched() throws {
        try sandbox.writeConfig(good)
        _ = try sandbox.write("[program:inc]\nnot a key value line\n", to: "inc.conf")
        let daemon = try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: keep entered RUNNING").isEmpty }
        let pid = try XCTUnwrap(sandbox.logLines(containing: "spawned: 'keep' with pid").first?.split(separator: " ").last.flatMap { Int32($0) })
        sandbox.track(pid: pid)
        let fds = settledFDCount(daemon.processIdentifier)
        for (i, bad) in badConfigs().enumerated() {
            try sandbox.writeConfig(bad.body)
            kill(daemon.processIdentifier, SIGHUP)
            waitUntil("refusal \(i + 1): \(bad.what)") { sandbox.logLines(containing: "reload refused").count == i + 1 }
            let line = sandbox.logLines(containing: "reload refused")[i]
            XCTAssertTrue(line.contains("\((bad.file as NSString).lastPathComponent):\(bad.line):"), "\(bad.what): \(line)")
            // `update` starts with the daemon's reread: refused, with file:line.
            if let c = sandbox.controlClient() {
                let outcome = c.request("reread", timeout: 10)
                guard case .error(let status) = outcome else {
                    XCTFail("reread of \(bad.what) was not refused: \(outcome)")
                    continue
                }
                XCTAssertTrue(status.hasPrefix("SWV1 ERR 92 "), status)
                XCTAssertTrue(status.contains("\((bad.file as NSString).lastPathComponent):\(bad.line):"), "\(bad.what): \(status)")
            }
            if sandbox.controlWorks() {
                let r = try sandbox.ctl("update")
                XCTAssertNotEqual(r.status, 0, "update with \(bad.what) must fail")
                XCTAssertTrue((r.stdout + r.stderr).contains(":"), "update names the file: \(r.stdout)\(r.stderr)")
            }
        }
        XCTAssertTrue(daemon.isRunning)
        XCTAssertFalse(isGone(pid), "the running program was not touched")
        XCTAssertEqual(sandbox.logLines(containing: "spawned: 'keep'").count, 1)
        // The last control connections close on the daemon's side a moment
        // after the client's: wait for that, then insist on the baseline.
        waitUntil("descriptor count back to \(fds)") { openFDCount(daemon.processIdentifier) == fds }
        XCTAssertEqual(openFDCount(daemon.processIdentifier), fds, "no descriptor leaked by refused reloads")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        sandbox.auditAfterShutdown()
    }

    func test_reload_withAnIncludeMatchingNothing_warnsWithFileAndLine_likeSupervisord() throws {
        // supervisord 4.3.0 treats files= as globs: one that matches nothing is a
        // warning, not an error, so the reload goes ahead.
        try sandbox.writeConfig(good)
        let daemon = try sandbox.startDaemon()
        waitUntil("running") { !sandbox.logLines(containing: "success: keep entered RUNNING").isEmpty }
        try sandbox.writeConfig(good + "[include]\nfiles=\(sandbox.dir)/missing/*.conf\n")
        kill(daemon.processIdentifier, SIGHUP)
        waitUntil("warning") { !sandbox.logLines(containing: "No file matches via include").isEmpty }
        XCTAssertTrue(sandbox.logLines(containing: "No file matches via include").first?.contains("swiftvisord.conf:16: No file matches") ?? false, sandbox.mainLog)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        sandbox.auditAfterShutdown()
    }
}
