// readiness=log end to end (docs/dependencies.md): the process stays STARTING
// until a line of its output matches readiness_log, even one written in two
// pieces; its dependent spawns only then (spawn stamps); the log file keeps
// every byte in order across the switch from scanned copy back to splice; no
// such line within readiness_start_period is a failed start naming the check.
import Foundation
import XCTest

final class ReadinessLogTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_log_staysStartingUntilTheLine_releasesItsDependent_andLogsEveryByte() throws {
        // Boot chatter (a near miss on stderr), 1.5 s of silence, the stamp,
        // the line in two writes 0.3 s apart, then output after RUNNING.
        let script = try sandbox.write("""
        #!/bin/sh
        seq 1 300 | sed 's/^/boot /'
        echo 'listening on port' >&2
        sleep 1.5
        date +%s.%N > "$1/db.ready"
        printf 'listen'
        sleep 0.3
        printf 'ing on 8080\\n'
        seq 1 3000 | sed 's/^/after /'
        echo done > "$1/db.done"
        exec sleep 1000
        """, to: "db.sh", executable: true)
        try sandbox.writeConfig("""
        [program:db]
        command=\(script) \(sandbox.dir)
        startsecs=0
        readiness=log
        readiness_log=listening on \\d+
        readiness_start_period=20
        stdout_logfile=\(sandbox.dir)/db.out
        stderr_logfile=\(sandbox.dir)/db.err
        [program:web]
        command=/bin/sh -c 'date +%%s.%%N > \(sandbox.dir)/web.start; exec sleep 1000'
        startsecs=0
        depends_on=db:ready

        """)
        try sandbox.startDaemon()
        waitUntil("db's boot lines logged") {
            ((try? String(contentsOfFile: "\(self.sandbox.dir)/db.out", encoding: .utf8)) ?? "").contains("boot 300\n")
        }
        XCTAssertTrue(try sandbox.ctl("status", "db").stdout.contains("STARTING"), "no matching line yet")
        XCTAssertTrue(sandbox.logLines(containing: "spawned: 'web'").isEmpty, "web must wait for the line")
        waitUntil("web running", timeout: 15) { self.sandbox.isRunning("web") }
        sandbox.trackSpawned()
        XCTAssertTrue(try sandbox.ctl("status", "db").stdout.contains("RUNNING   pid"))
        XCTAssertTrue(sandbox.mainLog.contains("success: db entered RUNNING state, ready (log: a line on stdout matched log /listening on \\d+/)"),
                      sandbox.mainLog)
        waitUntil("web's stamp") { self.sandbox.stamp("web.start") != nil }
        let ready = try XCTUnwrap(sandbox.stamp("db.ready")), web = try XCTUnwrap(sandbox.stamp("web.start"))
        XCTAssertGreaterThan(web, ready + 0.3, "web was spawned after the second half of the line")
        waitUntil("db wrote everything") { FileManager.default.fileExists(atPath: "\(self.sandbox.dir)/db.done") }
        let expected = (1...300).map { "boot \($0)\n" }.joined() + "listening on 8080\n" + (1...3000).map { "after \($0)\n" }.joined()
        waitUntil("db.out complete") { (try? String(contentsOfFile: "\(self.sandbox.dir)/db.out", encoding: .utf8)) == expected }
        XCTAssertEqual(try String(contentsOfFile: "\(sandbox.dir)/db.out", encoding: .utf8), expected)
        XCTAssertEqual(try String(contentsOfFile: "\(sandbox.dir)/db.err", encoding: .utf8), "listening on port\n")
    }

    func test_log_noMatchingLineWithinTheStartPeriod_isAFailedStartNamingTheCheck() throws {
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sh -c 'echo starting up; exec sleep 1000'
        readiness=log
        readiness_log=^ready$
        readiness_start_period=2
        startretries=0

        """)
        try sandbox.startDaemon()
        waitUntil("db spawned") { !self.sandbox.logLines(containing: "spawned: 'db'").isEmpty }
        sandbox.trackSpawned()
        waitUntil("db fatal", timeout: 10) { (try? self.sandbox.ctl("status", "db").stdout)?.contains("FATAL") == true }
        XCTAssertEqual(try sandbox.ctl("status", "db").stdout,
                       "db                               FATAL     readiness check (log /^ready$/) did not pass within 2 seconds (readiness_start_period)\n")
    }
}
