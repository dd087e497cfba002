// Daemonizing (swiftvisord without -n, as the init script starts it) as a
// well-behaved daemon (daemon(7)): the launcher returns once the daemon is
// ready, and the daemon keeps none of the descriptors it inherited beyond
// 0-2, so a parent waiting for EOF on one of them is not held for the
// daemon's whole life.
import Foundation
import XCTest

final class OpsDaemonizeTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        if let pid = (try? OpsTools.read(sandbox.pidfilePath)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            terminateAndWait(pid, timeout: 10)
        }
        for pid in sandbox.spawnedPids() { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    /// Foundation's `Process` passes such a descriptor down to watch its
    /// child: while the daemon kept it, `Sandbox.run` of a daemonizing
    /// command never returned.
    func test_daemonize_closesInheritedDescriptors_soAParentWaitingForEOFReturns() throws {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        defer { close(fds[0]) }
        // The launcher gets the write end as fd 7 (inheritable), as from a shell or a supervisor of its own.
        let launcher = try OpsProcess([Binaries.swiftvisord, "-c", sandbox.configPath], passing: [(fds[1], 7)])
        close(fds[1])
        XCTAssertEqual(launcher.wait(timeout: 15), 0, "the launcher exits 0 once the daemon is ready: \(launcher.stderr.text)")
        let daemon = try XCTUnwrap((try? OpsTools.read(sandbox.pidfilePath)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        XCTAssertNotNil(processState(daemon), "daemon running")

        var pfd = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, 3000)
        var byte: UInt8 = 0
        let eof = ready == 1 && read(fds[0], &byte, 1) == 0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon)/fd")) ?? []
        let held: [Int32] = entries.compactMap { Int32($0) }.filter { $0 > 2 }
        XCTAssertTrue(eof, "the daemon (pid \(daemon)) still holds the inherited descriptor; its fds above 2: \(held.sorted())")
    }

    /// supervisord 4.3.0 opens its servers (and logs the CRIT about a socket
    /// without credentials) before it logs "daemonizing the supervisord process".
    /// Start a daemonizing swiftvisord on a one-sleeper config; returns the daemon's pid.
    private func launchDaemonized() throws -> Int32 {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let launcher = try OpsProcess([Binaries.swiftvisord, "-c", sandbox.configPath])
        XCTAssertEqual(launcher.wait(timeout: 15), 0, launcher.stderr.text)
        return try XCTUnwrap((try? OpsTools.read(sandbox.pidfilePath)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    func test_daemonize_logsTheStartUpLinesInSupervisordsOrder() throws {
        _ = try launchDaemonized()
        let messages = sandbox.mainLog.split(separator: "\n").compactMap { $0.split(separator: " ", maxSplits: 3).last.map(String.init) }
        let expected = ["Server 'unix_http_server' running without any HTTP authentication checking",
                        "daemonizing the supervisord process", "supervisord started with pid"]
        let order = messages.filter { m in expected.contains { m.hasPrefix($0) } }.map { m in expected.first { m.hasPrefix($0) }! }
        XCTAssertEqual(order, expected, sandbox.mainLog)
    }

    /// supervisord's daemon leads its process group, so scripts that signal the
    /// group named by the pidfile (`kill -- -PID`) reach it.
    func test_daemonize_theDaemonLeadsItsOwnProcessGroup() throws {
        let daemon = try launchDaemonized()
        XCTAssertEqual(getpgid(daemon), daemon)
        XCTAssertNotEqual(getsid(daemon), getsid(0), "detached from the launcher's session")
        XCTAssertEqual(kill(-daemon, SIGTERM), 0)
        // Gone, or a zombie until its parent (init here) reaps it.
        waitUntil("daemon exit", timeout: 15) { processState(daemon).map { $0 == "Z" } ?? true }
    }
}
