// swiftvisord as a container's PID 1 (`swiftvisord -n` in a new PID
// namespace): it reaps orphans re-parented to it, turns SIGTERM into an
// orderly stop and exit 0, and logs to a non-seekable stdout.
import Foundation
import XCTest

final class OpsContainerTests: XCTestCase {
    var sandbox: Sandbox!
    private var started: [OpsProcess] = []
    private var tracked: [Int32] = []

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        for p in started where p.isRunning { kill(p.pid, SIGTERM); if p.wait(timeout: 10) == nil { p.killGroup() } }
        for pid in tracked { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    private func containerConfig(maxbytes: String?) throws {
        try sandbox.writeConfig("""
        [supervisord]
        logfile=/dev/stdout
        \(maxbytes.map { "logfile_maxbytes=\($0)" } ?? "; logfile_maxbytes left at its default (50MB)")
        pidfile=\(sandbox.pidfilePath)
        childlogdir=\(sandbox.dir)
        [program:dfork]
        command=/bin/sh -c "(sleep 0.3 &) && (sleep 1000 &) && exec sleep 1003"
        startsecs=0
        """, header: false)
    }

    /// The pid namespace view of a host pid (last field of NSpid).
    private func namespacePid(_ hostPid: Int32) -> Int32? {
        guard let status = try? String(contentsOfFile: "/proc/\(hostPid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return nil }
        return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last.flatMap { Int32($0) }
    }

    private func cmdline(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    func test_pid1_inANewPidNamespace_reapsOrphans_andSIGTERMStopsEverythingWithExit0() throws {
        guard let unshare = OpsTools.which("unshare") else { throw XCTSkip("unshare (util-linux) is not installed: PID 1 behaviour not tested") }
        let probe = try OpsProcess.run([unshare, "--pid", "--fork", "--mount-proc", "/bin/true"])
        guard probe.status == 0 else {
            throw XCTSkip("this machine does not allow a new PID namespace (unshare --pid --fork --mount-proc: \(probe.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): PID 1 behaviour not tested")
        }
        try containerConfig(maxbytes: nil)
        let container = try OpsProcess([unshare, "--pid", "--fork", "--mount-proc", Binaries.swiftvisord, "-n", "-c", sandbox.configPath])
        started.append(container)

        waitUntil("the short orphan reaped by PID 1") { container.stdout.text.contains("reaped unknown pid") }
        let out = { container.stdout.text }
        XCTAssertTrue(out().contains("supervisord started with pid 1\n"), out())
        var daemonHostPid: Int32 = 0
        waitUntil("the daemon process") { daemonHostPid = childPids(of: container.pid).first ?? 0; return daemonHostPid != 0 }
        tracked.append(daemonHostPid)
        var adopted: Int32 = 0
        waitUntil("the adopted sleep 1000 under PID 1") {
            adopted = childPids(of: daemonHostPid).first { cmdline($0) == "sleep 1000" } ?? 0
            return adopted != 0
        }
        tracked.append(adopted)
        let program = childPids(of: daemonHostPid).filter { $0 != adopted }
        tracked.append(contentsOf: program)
        let adoptedInside = try XCTUnwrap(namespacePid(adopted))

        kill(daemonHostPid, SIGTERM)
        XCTAssertEqual(container.wait(timeout: 20), 0, "PID 1 exits 0 after SIGTERM:\n\(out())")
        XCTAssertTrue(out().contains("received SIGTERM indicating exit request"), out())
        XCTAssertTrue(out().contains("stopped: dfork (terminated by SIGTERM)"), out())
        // The daemon stopped the orphan itself (SIGTERM), before the kernel
        // would have killed what is left in the namespace (SIGKILL).
        XCTAssertTrue(out().contains("reaped unknown pid \(adoptedInside) (terminated by SIGTERM)"), out())
        for pid in [daemonHostPid, adopted] + program { XCTAssertNil(processState(pid), "pid \(pid) left behind") }
        // Each line once: logfile=/dev/stdout is not echoed a second time.
        XCTAssertEqual(out().components(separatedBy: "supervisord started with pid").count, 2, out())
    }

    func test_logfileDevStdout_withDefaultMaxbytes_logsToAPipeWithoutSeeking() throws {
        try stdoutLog(maxbytes: nil)
    }

    func test_logfileDevStdout_withMaxbytes0_logsToAPipe() throws {
        try stdoutLog(maxbytes: "0")
    }

    private func stdoutLog(maxbytes: String?, file: StaticString = #filePath, line: UInt = #line) throws {
        try containerConfig(maxbytes: maxbytes)
        let d = try OpsProcess([Binaries.swiftvisord, "-n", "-c", sandbox.configPath])
        started.append(d)
        waitUntil("started", file: file, line: line) { d.stdout.text.contains("success: dfork entered RUNNING") }
        // SIGUSR2 reopens /dev/stdout (the pipe again) and logging goes on.
        kill(d.pid, SIGUSR2)
        waitUntil("logreopen", file: file, line: line) { d.stdout.text.contains("supervisord logreopen") }
        kill(d.pid, SIGHUP)
        waitUntil("reloaded", file: file, line: line) { d.stdout.text.components(separatedBy: "success: dfork entered RUNNING").count == 3 }
        let pids = sandbox.spawnedPids(in: d.stdout.text)
        tracked.append(contentsOf: pids)
        kill(d.pid, SIGTERM)
        XCTAssertEqual(d.wait(timeout: 20), 0, d.stderr.text, file: file, line: line)
        _ = d.stdout.waitForEOF(timeout: 5)
        let out = d.stdout.text
        XCTAssertTrue(out.contains("received SIGTERM indicating exit request"), out, file: file, line: line)
        XCTAssertFalse(out.contains("Illegal seek") || d.stderr.text.contains("Illegal seek"), out, file: file, line: line)
        // Each line once: logfile=/dev/stdout is not echoed a second time by -n.
        for once in ["supervisord logreopen", "received SIGHUP indicating restart request"] {
            XCTAssertEqual(out.components(separatedBy: once).count, 2, "\(once) once:\n\(out)", file: file, line: line)
        }
        XCTAssertEqual(d.stderr.text.filter { !$0.isWhitespace }, "", file: file, line: line)
    }
}
