// readiness=tcp and readiness=http end to end (docs/dependencies.md): a
// database stand-in that listens only after 2 s, a web app whose /healthz
// answers 503 before it answers 200; dependents spawned only once ready,
// proved by the children's own time stamps.
import Foundation
import Glibc
import XCTest

final class ReadinessProbeTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// A free loopback port (bound then released; the stand-in binds it again).
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: sin.sin_port))
    }

    func test_tcp_databaseListeningAfter2s_webSpawnedOnlyAfterItListens() throws {
        guard let python = python3 else { throw XCTSkip("python3 is not installed: the database stand-in needs it") }
        let port = try freePort()
        let db = try sandbox.write("""
        import socket, sys, time
        time.sleep(2)
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(port))); s.listen(16)
        with open(sys.argv[1], "w") as f: f.write("%.6f" % time.time())
        while True:
            c, _ = s.accept(); c.close()
        """, to: "db.py")
        try sandbox.writeConfig("""
        [program:db]
        command=\(python) \(db) \(sandbox.dir)/db.listening
        readiness=tcp
        readiness_tcp=127.0.0.1:\(port)
        readiness_interval=1
        [program:web]
        command=/bin/sh -c 'date +%%s.%%N > \(sandbox.dir)/web.start; exec sleep 1000'
        startsecs=0
        depends_on=db:ready

        """)
        try sandbox.startDaemon()
        waitUntil("db starting") { (try? self.sandbox.ctl("status", "db").stdout)?.contains("STARTING") == true }
        waitUntil("web running", timeout: 15) { self.sandbox.isRunning("web") }
        sandbox.trackSpawned()
        waitUntil("web's stamp") { self.sandbox.stamp("web.start") != nil }
        let listening = try XCTUnwrap(sandbox.stamp("db.listening")), web = try XCTUnwrap(sandbox.stamp("web.start"))
        XCTAssertGreaterThan(web, listening, "web spawned after the database listened")
        XCTAssertTrue(sandbox.mainLog.contains("success: db entered RUNNING state, ready (tcp 127.0.0.1:\(port) accepted a connection)"), sandbox.mainLog)
    }

    func test_http_503ThenOK_becomesRunningOnlyOn2xx() throws {
        guard let python = python3 else { throw XCTSkip("python3 is not installed: the web stand-in needs it") }
        let port = try freePort()
        let web = try sandbox.write("""
        import http.server, sys, time
        start = time.time()
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ok = time.time() - start > 1.5
                if ok:
                    with open(sys.argv[1], "w") as f: f.write("%.6f" % time.time())
                self.send_response(200 if ok else 503); self.end_headers(); self.wfile.write(b"x")
            def log_message(self, *a): pass
        http.server.HTTPServer(("127.0.0.1", \(port)), H).serve_forever()
        """, to: "web.py")
        try sandbox.writeConfig("""
        [program:web]
        command=\(python) \(web) \(sandbox.dir)/web.ok
        readiness=http
        readiness_url=http://127.0.0.1:\(port)/healthz
        [program:worker]
        command=/bin/sh -c 'date +%%s.%%N > \(sandbox.dir)/worker.start; exec sleep 1000'
        startsecs=0
        depends_on=web

        """, loglevel: "debug")
        try sandbox.startDaemon()
        waitUntil("worker running", timeout: 15) { self.sandbox.isRunning("worker") }
        sandbox.trackSpawned()
        waitUntil("worker's stamp") { self.sandbox.stamp("worker.start") != nil }
        XCTAssertGreaterThan(try XCTUnwrap(sandbox.stamp("worker.start")), try XCTUnwrap(sandbox.stamp("web.ok")))
        XCTAssertTrue(sandbox.mainLog.contains("readiness check (http http://127.0.0.1:\(port)/healthz) failed: answered 503"), sandbox.mainLog)
        XCTAssertTrue(sandbox.mainLog.contains("ready (http http://127.0.0.1:\(port)/healthz answered 200)"), sandbox.mainLog)
    }

    func test_tcp_neverListening_isAFailedStart_namingTheCheck() throws {
        let port = try freePort()
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sleep 1000
        readiness=tcp
        readiness_tcp=127.0.0.1:\(port)
        readiness_start_period=1
        startretries=1

        """)
        try sandbox.startDaemon()
        waitUntil("db fatal", timeout: 15) { (try? self.sandbox.ctl("status", "db").stdout)?.contains("FATAL") == true }
        sandbox.trackSpawned()
        XCTAssertEqual(try sandbox.ctl("status", "db").stdout,
                       "db                               FATAL     readiness check (tcp 127.0.0.1:\(port)) did not pass within 1 seconds (readiness_start_period)\n")
        XCTAssertEqual(sandbox.logLines(containing: "spawned: 'db'").count, 2, "1 + startretries attempts")
    }
}

final class ReadinessExecTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_exec_readyWhenTheCommandExitsZero_andAHungCheckIsKilled() throws {
        // The check passes once the program has created its marker file; a
        // second program's check hangs and must be killed at its timeout.
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sh -c 'sleep 1.2; touch \(sandbox.dir)/up; exec sleep 1000'
        readiness=exec
        readiness_command=/bin/test -e \(sandbox.dir)/up
        readiness_interval=1
        [program:hung]
        command=/bin/sleep 1000
        readiness=exec
        readiness_command=/bin/sleep 1000
        readiness_timeout=1
        readiness_start_period=3
        startretries=0

        """, loglevel: "debug")
        try sandbox.startDaemon()
        waitUntil("db running", timeout: 15) { self.sandbox.isRunning("db") }
        XCTAssertTrue(sandbox.mainLog.contains("success: db entered RUNNING state, ready (exec /bin/test -e \(sandbox.dir)/up exited 0)"), sandbox.mainLog)
        XCTAssertTrue(sandbox.mainLog.contains("readiness check (exec /bin/test -e \(sandbox.dir)/up) failed: exit status 1"), sandbox.mainLog)
        waitUntil("hung fatal", timeout: 15) { (try? self.sandbox.ctl("status", "hung").stdout)?.contains("FATAL") == true }
        XCTAssertTrue(sandbox.mainLog.contains("failed: still running after 1s (killed)"), sandbox.mainLog)
        XCTAssertTrue(sandbox.logLines(containing: "reaped unknown pid").isEmpty, "every check process is reaped as a check")
        sandbox.trackSpawned()
        // No check process is left behind (they are the daemon's children).
        let daemon = try XCTUnwrap(sandbox.daemon)
        waitUntil("no check left") { childPids(of: daemon.processIdentifier).allSatisfy { pid in
            !((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").hasPrefix("/bin/sleep\u{0}1000\u{0}") || pid == self.pid(of: "db") } }
    }

    private func pid(of name: String) -> Int32 {
        sandbox.logLines(containing: "spawned: '\(name)'").last?.split(separator: " ").last.flatMap { Int32($0) } ?? -1
    }
}

final class LivenessTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_liveness_restartsAHungProgram_asAnUnexpectedExit() throws {
        // "Hung": alive, but its health file is gone after the first second.
        try sandbox.writeConfig("""
        [program:hung]
        command=/bin/sh -c 'touch \(sandbox.dir)/alive; sleep 1; rm -f \(sandbox.dir)/alive; exec sleep 1000'
        startsecs=0
        liveness=exec
        liveness_command=/bin/test -e \(sandbox.dir)/alive
        liveness_interval=1
        liveness_failures=2

        """)
        try sandbox.startDaemon()
        waitUntil("restarted after liveness failed", timeout: 20) { self.sandbox.logLines(containing: "spawned: 'hung'").count >= 2 }
        sandbox.trackSpawned()
        let log = sandbox.mainLog
        XCTAssertTrue(log.contains("hung: liveness check (exec /bin/test -e \(sandbox.dir)/alive) failed (1 of 2): exit status 1"), log)
        XCTAssertTrue(log.contains("hung: liveness check (exec /bin/test -e \(sandbox.dir)/alive) failed 2 times in a row (last: exit status 1); stopping it"), log)
        XCTAssertTrue(log.contains("exited: hung (terminated by SIGTERM; not expected: liveness)"), log)
    }
}

final class HealthCommandTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_health_andStatusJson_showReadinessAndWhatAProcessWaitsFor() throws {
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sleep 1000
        readiness=tcp
        readiness_tcp=127.0.0.1:9
        [program:web]
        command=/bin/sleep 1000
        depends_on=db:ready
        [program:plain]
        command=/bin/sleep 1000
        startsecs=0

        """)
        try sandbox.startDaemon()
        waitUntil("a failed check") {
            (try? self.sandbox.ctl("health").stdout)?.contains("last check: connect:") == true
        }
        let health = try sandbox.ctl("health")
        XCTAssertEqual(health.status, 3, health.stdout)
        let lines = health.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, health.stdout)
        XCTAssertTrue(lines[0].hasPrefix("db                               STARTING  readiness tcp 127.0.0.1:9: pending (last check: connect: Connection refused)"), lines[0])
        XCTAssertEqual(lines[1], "web                              STOPPED   waiting for db:ready (now STARTING)")
        XCTAssertEqual(try sandbox.ctl("health", "plain").stdout, "plain                            RUNNING   no dependencies or checks\n")
        let json = try sandbox.ctl("status", "--json").stdout
        XCTAssertTrue(json.contains("\"readiness\": \"tcp 127.0.0.1:9\"") || json.contains("\"readiness\":\"tcp 127.0.0.1:9\""), json)
        XCTAssertTrue(json.contains("waiting_for"), json)
        let plainLine = try sandbox.ctl("status", "plain").stdout
        XCTAssertTrue(plainLine.hasPrefix("plain                            RUNNING   pid "), plainLine)
        sandbox.trackSpawned()
    }

    func test_health_showsTheLastExecCheckOutput_itsLast4KiB() throws {
        // The readiness check fails, writing 5000 bytes then a marker on
        // stderr; the liveness check passes, saying one line.
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sleep 1000
        readiness=exec
        readiness_command=/bin/sh -c 'head -c 5000 /dev/zero | tr "\\0" x; echo; echo "not yet: pg down" >&2; exit 1'
        [program:api]
        command=/bin/sleep 1000
        startsecs=0
        liveness=exec
        liveness_command=/bin/sh -c 'echo api ok'
        liveness_interval=1

        """)
        try sandbox.startDaemon()
        waitUntil("both checks ran", timeout: 15) {
            let out = (try? self.sandbox.ctl("health").stdout) ?? ""
            return out.contains("pg down\")") && out.contains("(output: \"api ok\")")
        }
        sandbox.trackSpawned()
        let lines = try sandbox.ctl("health").stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        let api = try XCTUnwrap(lines.first { $0.hasPrefix("api ") })
        XCTAssertTrue(api.hasSuffix("liveness exec /bin/sh -c 'echo api ok': ok (output: \"api ok\")"), api)
        let db = try XCTUnwrap(lines.first { $0.hasPrefix("db ") })
        XCTAssertTrue(db.contains("pending (last check: exit status 1) (output: \""), db)
        XCTAssertTrue(db.hasSuffix("x\\nnot yet: pg down\")"), db)
        // The last 4 KiB: 4096 bytes of which 17 are "\nnot yet: pg down" and its newline.
        let output = try XCTUnwrap(db.range(of: "(output: \"")).upperBound
        let xs = db[output...].prefix { $0 == "x" }.count
        XCTAssertEqual(xs, 4096 - "\nnot yet: pg down\n".utf8.count, db)
    }
}
