// config/logrotate.d/swiftvisor run by the real logrotate against a running
// daemon: files are renamed (no copytruncate), SIGUSR2 makes the daemon
// reopen them, and new output lands in the fresh files.
import Foundation
import XCTest

final class OpsLogrotateTests: XCTestCase {
    var sandbox: Sandbox!
    private var daemon: OpsProcess?

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        daemon?.terminate()
        for pid in sandbox.spawnedPids(in: (try? OpsTools.read(logs + "/swiftvisord.log.1")) ?? "") { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    private var logs: String { sandbox.dir + "/logs" }
    private func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1 }

    func test_logrotate_renamesTheLogs_andSIGUSR2MakesTheDaemonWriteFreshOnes() throws {
        guard let logrotate = OpsTools.which("logrotate") else {
            throw XCTSkip("logrotate is not installed: config/logrotate.d/swiftvisor not exercised (apt-get install logrotate)")
        }
        let shipped = try OpsTools.read(OpsTools.packageFile("config/logrotate.d/swiftvisor"))
        XCTAssertFalse(shipped.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "copytruncate" })
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let pidfile = sandbox.dir + "/swiftvisord.pid"
        let conf = try sandbox.write(shipped
            .replacingOccurrences(of: "/var/log/swiftvisor", with: logs)
            .replacingOccurrences(of: "/run/swiftvisor/swiftvisord.pid", with: pidfile), to: "logrotate.conf")
        // logrotate refuses a config that others can write.
        chmod(conf, 0o644)
        try sandbox.writeConfig("""
        [supervisord]
        logfile=\(logs)/swiftvisord.log
        logfile_maxbytes=0
        pidfile=\(pidfile)
        childlogdir=\(logs)
        [program:talker]
        command=/bin/sh -c "while :; do echo hello; sleep 0.05; done"
        stdout_logfile=\(logs)/talker.log
        stdout_logfile_maxbytes=0
        startsecs=0
        stopasgroup=true
        """, header: false)
        let d = try OpsProcess([Binaries.swiftvisord, "-n", "-c", sandbox.configPath])
        daemon = d
        waitUntil("talker writes") { size(logs + "/talker.log") > 0 }

        let r = try OpsProcess.run([logrotate, "-f", "-s", sandbox.dir + "/logrotate.state", conf])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertGreaterThan(size(logs + "/talker.log.1"), 0, "renamed, not copied")
        waitUntil("the daemon reopened its log") { ((try? OpsTools.read(logs + "/swiftvisord.log")) ?? "").contains("supervisord logreopen") }
        waitUntil("talker writes to the fresh file") { size(logs + "/talker.log") > 0 }
        // After the reopen nothing more goes to the rotated file.
        let rotated = size(logs + "/talker.log.1")
        let fresh = size(logs + "/talker.log")
        waitUntil("fresh file grows") { size(logs + "/talker.log") > fresh }
        XCTAssertEqual(size(logs + "/talker.log.1"), rotated, "the rotated file is no longer written")
        XCTAssertTrue(((try? OpsTools.read(logs + "/swiftvisord.log.1")) ?? "").contains("supervisord started with pid"))

        kill(d.pid, SIGTERM)
        XCTAssertEqual(d.wait(timeout: 20), 0)
    }
}
