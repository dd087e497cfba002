// readiness=notify end to end (docs/dependencies.md): the child gets its own
// NOTIFY_SOCKET, stays STARTING (with its STATUS= text) until READY=1, and a
// program depending on it is spawned only then, proved by spawn stamps.
import Foundation
import Glibc
import XCTest

final class ReadinessNotifyTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// A daemon stand-in that says STATUS=, waits `delay`, stamps the time, says READY=1.
    private func notifier(delay: Double) throws -> String {
        try sandbox.write("""
        import os, socket, sys, time
        addr = os.environ["NOTIFY_SOCKET"]
        if addr.startswith("@"): addr = "\\0" + addr[1:]
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"STATUS=warming up", addr)
        time.sleep(\(delay))
        with open(sys.argv[1], "w") as f: f.write("%.6f" % time.time())
        s.sendto(b"READY=1", addr)
        time.sleep(1000)
        """, to: "notifier.py")
    }

    func test_notify_staysStartingUntilReady_andReleasesItsDependent() throws {
        guard let python = python3 else { throw XCTSkip("python3 is not installed: the notify stand-in needs it") }
        let script = try notifier(delay: 1.5)
        try sandbox.writeConfig("""
        [program:db]
        command=\(python) \(script) \(sandbox.dir)/db.ready
        readiness=notify
        readiness_start_period=20
        [program:web]
        command=/bin/sh -c 'date +%%s.%%N > \(sandbox.dir)/web.start; exec sleep 1000'
        startsecs=0
        depends_on=db:ready

        """)
        try sandbox.startDaemon()
        waitUntil("db says STATUS") { (try? self.sandbox.ctl("status", "db").stdout)?.contains("STARTING  warming up") == true }
        XCTAssertTrue(sandbox.logLines(containing: "spawned: 'web'").isEmpty, "web must wait for READY=1")
        waitUntil("web running", timeout: 15) { self.sandbox.isRunning("web") }
        sandbox.trackSpawned()
        XCTAssertTrue(try sandbox.ctl("status", "db").stdout.contains("RUNNING   pid"))
        XCTAssertTrue(sandbox.mainLog.contains("success: db entered RUNNING state, ready (notify: READY=1)"), sandbox.mainLog)
        waitUntil("web's stamp") { self.sandbox.stamp("web.start") != nil }
        let ready = try XCTUnwrap(sandbox.stamp("db.ready")), web = try XCTUnwrap(sandbox.stamp("web.start"))
        XCTAssertGreaterThan(web, ready, "web was spawned after db's READY=1")
    }

    func test_notify_fromAStranger_isIgnored_andTheStartPeriodFailsTheStart() throws {
        guard let python = python3 else { throw XCTSkip("python3 is not installed: the notify stand-in needs it") }
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sleep 1000
        readiness=notify
        readiness_start_period=2
        startretries=0

        """)
        try sandbox.startDaemon()
        waitUntil("db spawned") { !sandbox.logLines(containing: "spawned: 'db'").isEmpty }
        let pid = try XCTUnwrap(sandbox.logLines(containing: "spawned: 'db'").first?.split(separator: " ").last.flatMap { Int32($0) })
        sandbox.track(pid: pid)
        // The spawn returns when the kernel has let go of the daemon's memory,
        // a moment before the new program's environment is in place
        // (/proc/PID/environ is empty until then): wait for it.
        var notify: Substring?
        waitUntil("db's environment readable") {
            let environ = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data(), as: UTF8.self)
            notify = environ.split(separator: "\0").first { $0.hasPrefix("NOTIFY_SOCKET=@") }
            return notify != nil
        }
        let socket = try XCTUnwrap(notify).dropFirst("NOTIFY_SOCKET=@".count)
        let r = try sandbox.run(python, ["-c", "import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'READY=1', '\\0\(socket)')"])
        XCTAssertEqual(r.status, 0, r.stderr)
        waitUntil("db fatal", timeout: 10) { (try? self.sandbox.ctl("status", "db").stdout)?.contains("FATAL") == true }
        XCTAssertEqual(try sandbox.ctl("status", "db").stdout,
                       "db                               FATAL     readiness check (notify) did not pass within 2 seconds (readiness_start_period)\n")
        XCTAssertFalse(sandbox.logLines(containing: "ignored a NOTIFY_SOCKET message from pid").isEmpty, sandbox.mainLog)
    }
}

final class WatchdogTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_watchdog_missedPings_restartTheProgram() throws {
        guard let python = python3 else {
            throw XCTSkip("python3 is not installed: the notify stand-in needs it")
        }
        // Ready, pings for 1.5 s (WATCHDOG_USEC says 1 s), then hangs.
        let script = try sandbox.write("""
        import os, socket, sys, time
        addr = os.environ["NOTIFY_SOCKET"]
        if addr.startswith("@"): addr = "\\0" + addr[1:]
        with open(sys.argv[1], "a") as f: f.write(os.environ.get("WATCHDOG_USEC", "-") + "\\n")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"READY=1", addr)
        for _ in range(5):
            time.sleep(0.3); s.sendto(b"WATCHDOG=1", addr)
        time.sleep(1000)
        """, to: "pinger.py")
        try sandbox.writeConfig("""
        [program:svc]
        command=\(python) \(script) \(sandbox.dir)/usec
        readiness=notify
        watchdog_sec=1

        """)
        try sandbox.startDaemon()
        waitUntil("restarted by the watchdog", timeout: 20) { self.sandbox.logLines(containing: "spawned: 'svc'").count >= 2 }
        sandbox.trackSpawned()
        let log = sandbox.mainLog
        XCTAssertTrue(log.contains("svc: watchdog: no WATCHDOG=1 within 1 seconds (watchdog_sec); stopping it"), log)
        XCTAssertTrue(log.contains("exited: svc (terminated by SIGTERM; not expected: liveness)"), log)
        // The pings kept it alive past 1 s: the first run lasted at least 2 s
        // (1.5 s of pings, then 1 s without).
        let spawns = sandbox.logLines(containing: "spawned: 'svc'").map { line -> Double in
            let clock = line.split(separator: " ")[1].replacingOccurrences(of: ",", with: ".").split(separator: ":").compactMap { Double($0) }
            return clock[0] * 3600 + clock[1] * 60 + clock[2]
        }
        XCTAssertGreaterThanOrEqual(spawns[1] - spawns[0], 2.0, log)
        XCTAssertTrue(try String(contentsOfFile: "\(sandbox.dir)/usec", encoding: .utf8).hasPrefix("1000000\n"))
    }
}

final class ReadinessFDTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_fd_aLineOnTheDescriptorMeansReady_andOnlyThatDescriptorIsInherited() throws {
        // s6 style: the program writes a line on fd 5 once up. It also lists
        // its open descriptors first: 0, 1, 2 and 5, nothing else.
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sh -c 'ls /proc/self/fd > \(sandbox.dir)/fds; sleep 1; date +%%s.%%N > \(sandbox.dir)/db.ready; echo up >&5; exec sleep 1000'
        readiness=fd
        readiness_fd=5
        [program:web]
        command=/bin/sh -c 'date +%%s.%%N > \(sandbox.dir)/web.start; exec sleep 1000'
        startsecs=0
        depends_on=db:ready

        """)
        try sandbox.startDaemon()
        waitUntil("web running", timeout: 15) { self.sandbox.isRunning("web") }
        sandbox.trackSpawned()
        XCTAssertTrue(sandbox.mainLog.contains("success: db entered RUNNING state, ready (fd 5: a line written)"), sandbox.mainLog)
        waitUntil("web's stamp") { self.sandbox.stamp("web.start") != nil }
        XCTAssertGreaterThan(try XCTUnwrap(sandbox.stamp("web.start")), try XCTUnwrap(sandbox.stamp("db.ready")))
        // ls itself opens one descriptor for the directory it lists (3).
        let fds = try String(contentsOfFile: "\(sandbox.dir)/fds", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(fds.filter { $0 != "3" }, ["0", "1", "2", "5"], "\(fds)")
    }
}
