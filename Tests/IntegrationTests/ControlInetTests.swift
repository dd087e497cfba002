// `[inet_http_server]`: swiftvisord serves its line protocol on the TCP port
// too, so configs that only have `port=127.0.0.1:9001` (as supervisord's web
// UI setups do) stay controllable with swiftvisorctl. Loopback only.
import Foundation
import Glibc
import XCTest

final class ControlInetTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// A config with only an inet server (no [unix_http_server]).
    private func writeInetConfig(port: Int, auth: String = "", serverurl: String? = nil, programs: String) throws {
        try sandbox.writeConfig("""
        [supervisord]
        logfile=\(sandbox.mainLogPath)
        pidfile=\(sandbox.pidfilePath)
        childlogdir=\(sandbox.dir)
        [inet_http_server]
        port=127.0.0.1:\(port)
        \(auth)
        [supervisorctl]
        serverurl=\(serverurl ?? "http://127.0.0.1:\(port)")
        \(programs)
        """, header: false)
    }

    private func startAndWaitForPort(_ port: Int) throws {
        try sandbox.startDaemon()
        waitUntil("daemon listening on \(port)", timeout: 15) {
            (try? sandbox.ctl("pid").status) == 0 || !(sandbox.daemon?.isRunning ?? false)
        }
    }

    func test_inetOnlyConfig_isControlledOverLoopbackTCP_andRequestsAreAuditedWithThePeerAddress() throws {
        let port = try freeLoopbackPort()
        try writeInetConfig(port: port, programs: "[program:web]\ncommand=/bin/sleep 1000\nstartsecs=0\n")
        try startAndWaitForPort(port)
        waitUntil("web RUNNING") { !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty }
        if let pid = sandbox.logLines(containing: "spawned: 'web' with pid").last?.split(separator: " ").last.flatMap({ Int32($0) }) {
            sandbox.track(pid: pid)
        }
        let status = try sandbox.ctl("status")
        XCTAssertTrue(status.stdout.hasPrefix("web                              RUNNING   pid "), status.stdout + status.stderr)
        XCTAssertEqual(status.status, 0)
        let stop = try sandbox.ctl("stop", "web")
        XCTAssertEqual(stop.stdout, "web: stopped\n")
        XCTAssertEqual(stop.status, 0)
        let audit = sandbox.logLines(containing: "stop web requested by 127.0.0.1:")
        XCTAssertEqual(audit.count, 1, sandbox.mainLog)
        XCTAssertTrue(sandbox.mainLog.contains("CRIT Server 'inet_http_server' running without any HTTP authentication checking"), sandbox.mainLog)
        // supervisorctl (XML-RPC over HTTP) on the same port is served too.
        let c = try TCPClient(port: port)
        let body = "<?xml version='1.0'?><methodCall><methodName>supervisor.getAPIVersion</methodName></methodCall>"
        c.send("POST /RPC2 HTTP/1.0\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        XCTAssertEqual(c.firstLine(), "HTTP/1.0 200 OK\r")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_inetCredentials_areRequiredOverTCP() throws {
        let port = try freeLoopbackPort()
        try writeInetConfig(port: port, auth: "username=admin\npassword=s3cret",
                            programs: "[program:idle]\ncommand=/bin/sleep 1000\nautostart=false\n")
        try sandbox.startDaemon()
        waitUntil("daemon listening on \(port)", timeout: 15) {
            (try? sandbox.ctl("-u", "admin", "-p", "s3cret", "pid").status) == 0 || !(sandbox.daemon?.isRunning ?? false)
        }
        let anonymous = try sandbox.ctl("status")
        XCTAssertNotEqual(anonymous.status, 0, "no credentials: refused")
        XCTAssertFalse(anonymous.stdout.contains("idle "), anonymous.stdout)
        let good = try sandbox.ctl("-u", "admin", "-p", "s3cret", "status")
        XCTAssertEqual(good.stdout, "idle                             STOPPED   Not started\n")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_portInUse_isSupervisordsAlreadyListeningError_andNothingStarts() throws {
        let port = try freeLoopbackPort()
        // Hold the port the way another program would.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &sin) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        try XCTSkipUnless(bound && listen(holder, 1) == 0, "could not hold port \(port)")
        try writeInetConfig(port: port, programs: "[program:web]\ncommand=/bin/sleep 1000\n")
        let daemon = try sandbox.startDaemon(extraArgs: [], waitForSocket: false)
        waitUntil("daemon exits", timeout: 15) { !daemon.isRunning }
        XCTAssertEqual(daemon.terminationStatus, 2)
        XCTAssertTrue(sandbox.daemonStderr.contains("Another program is already listening on a port that one of our HTTP servers is configured to use."), sandbox.daemonStderr)
        XCTAssertTrue(sandbox.logLines(containing: "spawned:").isEmpty, "nothing was started")
    }

    func test_reloadWithANewPort_servesTheNewPort_andClosesTheOld() throws {
        let first = try freeLoopbackPort()
        var second = try freeLoopbackPort()
        while second == first { second = try freeLoopbackPort() }  // the kernel may hand the same port out again
        try writeInetConfig(port: first, programs: "")
        try startAndWaitForPort(first)
        try writeInetConfig(port: second, programs: "")
        kill(sandbox.daemon!.processIdentifier, SIGHUP)
        waitUntil("new port served", timeout: 15) { (try? sandbox.ctl("pid").status) == 0 }
        XCTAssertEqual(try sandbox.ctl("-s", "http://127.0.0.1:\(first)", "pid").stdout,
                       "http://127.0.0.1:\(first) refused connection\n", "the old port is closed")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_ctlToAPortWithNothingListening_saysRefusedConnection() throws {
        let port = try freeLoopbackPort()
        try writeInetConfig(port: port, programs: "")
        let r = try sandbox.ctl("status")
        XCTAssertEqual(r.stdout, "http://127.0.0.1:\(port) refused connection\n")
        XCTAssertEqual(r.status, 4)
    }
}

/// A blocking loopback TCP client with a receive deadline.
private final class TCPClient {
    let fd: Int32
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let r = withUnsafePointer(to: &sin) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { close(fd); throw XCTSkip("cannot connect to 127.0.0.1:\(port) (errno \(errno))") }
    }
    deinit { close(fd) }
    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
    /// The first line (with its `\r`), or nil at EOF / timeout.
    func firstLine() -> String? {
        var bytes: [UInt8] = []
        var b: UInt8 = 0
        while recv(fd, &b, 1, 0) == 1 {
            if b == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
        }
        return nil
    }
}
