// The systemd unit (config/swiftvisord.service): systemd-analyze accepts it,
// and its ExecStart, run with NOTIFY_SOCKET as systemd would, reports
// READY=1 / RELOADING=1 / STOPPING=1 on a datagram socket.
import Foundation
import XCTest

final class OpsSystemdTests: XCTestCase {
    var sandbox: Sandbox!
    private var daemon: OpsProcess?

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        daemon?.terminate()
        for pid in sandbox.spawnedPids() { sandbox.killIfAlive(pid) }
        sandbox.cleanup()
    }

    private var unitText: String { (try? OpsTools.read(OpsTools.packageFile("config/swiftvisord.service"))) ?? "" }

    /// The values of `key=` lines in the unit, in order.
    private func unitValues(_ key: String) -> [String] {
        unitText.split(separator: "\n").filter { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// The unit's command line with the installed paths replaced by the built
    /// binary and the sandbox config.
    private func localCommand(_ line: String) -> [String] {
        line.split(separator: " ").map(String.init).map { word in
            switch word {
            case "/usr/local/bin/swiftvisord": return Binaries.swiftvisord
            case "/etc/swiftvisor/swiftvisord.conf": return sandbox.configPath
            default: return word
            }
        }
    }

    func test_unit_isNotifyTypeForegroundWithReloadBySIGHUP() {
        XCTAssertEqual(unitValues("Type"), ["notify"])
        let start = unitValues("ExecStart")
        XCTAssertEqual(start.count, 1)
        XCTAssertTrue(start.first?.split(separator: " ").contains("-n") == true, "ExecStart runs in the foreground: \(start)")
        XCTAssertEqual(unitValues("ExecReload").last, "/bin/kill -HUP $MAINPID")
        XCTAssertEqual(unitValues("KillMode"), ["mixed"], "SIGTERM to the daemon only; it stops the programs in order")
        XCTAssertTrue(unitText.contains("Type=simple"), "the Type=simple alternative is documented in the unit")
    }

    func test_unit_passesSystemdAnalyzeVerify() throws {
        guard let analyze = OpsTools.which("systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed: the unit file was not verified")
        }
        // verify checks that the commands exist: point them at the built binary.
        let text = unitText.replacingOccurrences(of: "/usr/local/bin/swiftvisord", with: Binaries.swiftvisord)
        let unit = try sandbox.write(text, to: "swiftvisord.service")
        let r = try OpsProcess.run([analyze, "verify", unit], environment: ["SYSTEMD_LOG_LEVEL": "notice"])
        if r.stderr.contains("Failed to") && r.stderr.contains("bus") {
            throw XCTSkip("systemd-analyze cannot run here: \(r.stderr)")
        }
        XCTAssertEqual(r.status, 0, r.stderr)
        // Unknown keys and bad values are only warnings: none may mention our unit.
        let complaints = r.stderr.split(separator: "\n").filter { $0.contains("swiftvisord.service") }
        XCTAssertEqual(complaints, [], r.stderr)
    }

    /// A config with one sleeper, and the socket the daemon's NOTIFY_SOCKET names.
    private func sleeperConfigAndNotifyListener() throws -> NotifyListener {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        startsecs=0
        """)
        return try NotifyListener(path: sandbox.dir + "/notify.sock")
    }

    func test_unitExecStart_withNotifySocket_sendsReadyReloadingAndStopping() throws {
        let listener = try sleeperConfigAndNotifyListener()
        defer { listener.close() }
        let command = localCommand(try XCTUnwrap(unitValues("ExecStart").first))
        let d = try OpsProcess(command, environment: ["NOTIFY_SOCKET": listener.path])
        daemon = d

        let ready = listener.receive(timeout: 15)
        XCTAssertEqual(ready, "READY=1\nMAINPID=\(d.pid)", "the main pid is the process systemd started (-n)")
        XCTAssertFalse(sandbox.logLines(containing: "spawned: 'sleeper'").isEmpty, "READY=1 comes after autostart")

        // ExecReload: the --check, then kill -HUP $MAINPID.
        let check = localCommand(try XCTUnwrap(unitValues("ExecReload").first))
        XCTAssertEqual(try OpsProcess.run(check).status, 0)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let before = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        kill(d.pid, SIGHUP)
        let reloading = listener.receive(timeout: 15) ?? ""
        // RELOADING=1 carries MONOTONIC_USEC (CLOCK_MONOTONIC in µs), which systemd >= 253 requires.
        let fields = reloading.split(separator: "\n").map(String.init)
        XCTAssertEqual(fields.first, "RELOADING=1", reloading)
        let usec = fields.first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) }
        XCTAssertNotNil(usec, reloading)
        if let usec { XCTAssertTrue(usec >= before && usec < before + 10_000_000, "\(usec) not the monotonic time of the reload (\(before))") }
        XCTAssertEqual(listener.receive(timeout: 15), "READY=1")

        kill(d.pid, SIGTERM)
        XCTAssertEqual(listener.receive(timeout: 15), "STOPPING=1")
        XCTAssertEqual(d.wait(timeout: 20), 0)
    }

    /// NOTIFY_SOCKET naming a socket nobody reads (a leftover variable, a
    /// stopped manager): the kernel queues a few datagrams
    /// (net.unix.max_dgram_qlen, 10 by default), then a blocking send waited
    /// for a reader forever and the whole daemon hung in the next reload's
    /// RELOADING=1. A notification is never worth a stall: it is dropped.
    func test_notifySocketNobodyReads_reloadsNeverHangTheDaemon() throws {
        let listener = try sleeperConfigAndNotifyListener()
        defer { listener.close() }
        let d = try OpsProcess([Binaries.swiftvisord, "-n", "-c", sandbox.configPath], environment: ["NOTIFY_SOCKET": listener.path])
        daemon = d
        waitUntil("daemon serving", timeout: 15) { sandbox.controlClient() != nil }
        // READY=1, then RELOADING=1 and READY=1 per reload: past any queue length.
        for round in 0..<20 {
            guard let c = sandbox.controlClient() else { return XCTFail("round \(round): cannot connect") }
            XCTAssertEqual(c.request("reload", timeout: 5), .ok([]), "round \(round)")
            guard waitUntil("round \(round): served after the reload", timeout: 10, { sandbox.controlClient() != nil }) else { return }
        }
    }

    func test_unitExecReloadCheck_withABrokenConfig_failsWithFileAndLine() throws {
        try sandbox.writeConfig("""
        [program:sleeper]
        command=/bin/sleep 1000
        autostart=perhaps
        """)
        let check = localCommand(try XCTUnwrap(unitValues("ExecReload").first))
        let r = try OpsProcess.run(check)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("swiftvisord.conf:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("autostart"), r.stderr)
    }
}

/// A unix datagram socket standing in for systemd's notify socket.
final class NotifyListener {
    let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("cannot create a unix datagram socket (errno \(errno))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw XCTSkip("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw NSError(domain: "NotifyListener", code: Int(errno)) }
    }

    /// The next datagram, or nil after `timeout`.
    func receive(timeout: TimeInterval) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let ms = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            let n = Glibc.poll(&pfd, 1, ms)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0 { if errno == EINTR { continue }; return nil }
            return String(decoding: buffer[0..<got], as: UTF8.self)
        }
        return nil
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
        unlink(path)
    }
}
