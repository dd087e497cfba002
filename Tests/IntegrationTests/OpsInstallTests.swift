// scripts/install.sh into a scratch DESTDIR: one release build (static Swift
// stdlib) kept in .build-release so later runs only relink, then the
// installed binaries, init script and config are started for real.
import Foundation
import XCTest

final class OpsInstallTests: XCTestCase {
    var sandbox: Sandbox!
    private var started: [OpsProcess] = []
    private var daemonPids: [Int32] = []

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        for p in started where p.isRunning { kill(p.pid, SIGTERM); if p.wait(timeout: 10) == nil { p.killGroup() } }
        for pid in daemonPids { terminateAndWait(pid, timeout: 10) }
        for pid in sandbox.spawnedPids() { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    private var destdir: String { sandbox.dir + "/root" }

    private func swiftDriver() -> String {
        OpsTools.which("swift") ?? "/opt/swift/usr/bin/swift"
    }

    private func install(_ env: [String: String]) throws -> CommandResult {
        var environment = ["DESTDIR": destdir, "SWIFT": swiftDriver(),
                           "SCRATCH_PATH": Binaries.packageRoot + "/.build-release"]
        for (k, v) in env { environment[k] = v }
        // The first release build takes a minute or two on 2 cores; later runs only relink.
        return try OpsProcess.run(["/bin/sh", OpsTools.packageFile("scripts/install.sh")], environment: environment, timeout: 900)
    }

    func test_installScript_intoDestdir_installsEverything_andTheInstalledBinariesRun() throws {
        let r = try install([:])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let fm = FileManager.default
        for (path, mode) in [("/usr/local/bin/swiftvisord", 0o755), ("/usr/local/bin/swiftvisorctl", 0o755),
                             ("/etc/swiftvisor/swiftvisord.conf", 0o644), ("/etc/swiftvisor/conf.d/example.conf.disabled", 0o644),
                             ("/etc/init.d/swiftvisord", 0o755), ("/etc/default/swiftvisord", 0o644),
                             ("/etc/logrotate.d/swiftvisor", 0o644), ("/etc/systemd/system/swiftvisord.service", 0o644),
                             ("/usr/local/share/doc/swiftvisor/operations.md", 0o644)] {
            let attrs = try? fm.attributesOfItem(atPath: destdir + path)
            XCTAssertNotNil(attrs, "\(path) not installed:\n\(r.stdout)")
            XCTAssertEqual((attrs?[.posixPermissions] as? Int), mode, path)
        }
        let daemon = destdir + "/usr/local/bin/swiftvisord"

        // Static Swift stdlib: the binary needs no Swift runtime on the host,
        // unless install.sh said it fell back to the shared one.
        if let ldd = OpsTools.which("ldd"), !r.stdout.contains("static linking of the Swift standard library failed") {
            let libs = try OpsProcess.run([ldd, daemon])
            XCTAssertFalse(libs.stdout.contains("libswiftCore"), libs.stdout)
            XCTAssertFalse(libs.stdout.contains("libFoundation"), libs.stdout)
        }

        // The installed system config is valid once its directories exist (here: under the sandbox).
        let system = try OpsTools.read(destdir + "/etc/swiftvisor/swiftvisord.conf")
            .replacingOccurrences(of: "/run/swiftvisor", with: sandbox.dir + "/run")
            .replacingOccurrences(of: "/var/log/swiftvisor", with: sandbox.dir + "/log")
        try fm.createDirectory(atPath: sandbox.dir + "/run", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: sandbox.dir + "/log", withIntermediateDirectories: true)
        let systemConf = try sandbox.write(system, to: "system.conf")
        let check = try OpsProcess.run([daemon, "--check", "-c", systemConf])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)

        // The installed daemon runs programs (foreground) and stops them on SIGTERM.
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let d = try OpsProcess([daemon, "-n", "-c", sandbox.configPath])
        started.append(d)
        waitUntil("sleeper RUNNING under the installed daemon") { !sandbox.logLines(containing: "success: sleeper entered RUNNING").isEmpty }
        kill(d.pid, SIGTERM)
        XCTAssertEqual(d.wait(timeout: 20), 0)

        // The installed init script, pointed at the installed daemon.
        let defaults = try sandbox.write("""
        DAEMON=\(daemon)
        CONFIG=\(sandbox.configPath)
        PIDFILE=\(sandbox.dir)/run/init.pid
        RUNDIR=
        LOGDIR=

        """, to: "defaults")
        let script = destdir + "/etc/init.d/swiftvisord"
        let start = try OpsProcess.run([script, "start"], environment: ["SWIFTVISORD_DEFAULTS": defaults])
        XCTAssertEqual(start.status, 0, start.stdout + start.stderr)
        if let pid = (try? OpsTools.read(sandbox.dir + "/run/init.pid")).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            daemonPids.append(pid)
        }
        XCTAssertEqual(try OpsProcess.run([script, "status"], environment: ["SWIFTVISORD_DEFAULTS": defaults]).status, 0)
        XCTAssertEqual(try OpsProcess.run([script, "stop"], environment: ["SWIFTVISORD_DEFAULTS": defaults]).status, 0)
        XCTAssertEqual(try OpsProcess.run([script, "status"], environment: ["SWIFTVISORD_DEFAULTS": defaults]).status, 3)
    }

    func test_installScript_withPrefix_rewritesPaths_andKeepsAnExistingConfig() throws {
        // Reuses the release build of the test above (or builds it once).
        let first = try install(["PREFIX": "/opt/sv", "SYSCONFDIR": "/etc"])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let unit = try OpsTools.read(destdir + "/etc/systemd/system/swiftvisord.service")
        XCTAssertTrue(unit.contains("ExecStart=/opt/sv/bin/swiftvisord -n -c /etc/swiftvisor/swiftvisord.conf"), unit)
        XCTAssertFalse(unit.contains("/usr/local/"), unit)
        let initScript = try OpsTools.read(destdir + "/etc/init.d/swiftvisord")
        XCTAssertTrue(initScript.contains("DAEMON=/opt/sv/bin/swiftvisord\n"), initScript)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: destdir + "/opt/sv/bin/swiftvisorctl"))

        // An operator's config survives a re-install (an upgrade).
        let conf = destdir + "/etc/swiftvisor/swiftvisord.conf"
        try "; mine\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let again = try install(["PREFIX": "/opt/sv", "NO_BUILD": "1"])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertEqual(try OpsTools.read(conf), "; mine\n")
        XCTAssertTrue(again.stdout.contains("kept existing /etc/swiftvisor/swiftvisord.conf"), again.stdout)
    }
}
