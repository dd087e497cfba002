// depends_on end to end (docs/dependencies.md): real daemons, real children.
// Each program writes its own start time (CLOCK_REALTIME with nanoseconds)
// into a file before exec'ing its real work, so the order is proved from the
// children's own spawn timestamps, never from sleeps in the test.
import Foundation
import Glibc
import XCTest

final class DependencyStartTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// A command that records its spawn time in `<name>.start`, then runs `then`.
    private func stamped(_ name: String, _ then: String) -> String {
        "/bin/sh -c 'date +%%s.%%N > \(sandbox.dir)/\(name).start; \(then)'"
    }

    private func startTime(_ name: String) -> Double? { sandbox.stamp("\(name).start") }

    private func status(_ name: String) throws -> String {
        try sandbox.ctl("status", name).stdout
    }

    func test_web_isNotSpawned_beforeTheDatabaseIsRunning() throws {
        // The database counts as up after startsecs=2; web (priority 1, so
        // supervisord would fork it first) must wait for it.
        try sandbox.writeConfig("""
        [program:db]
        command=\(stamped("db", "exec sleep 1000"))
        startsecs=2
        [program:web]
        command=\(stamped("web", "exec sleep 1000"))
        priority=1
        startsecs=0
        depends_on=db

        """)
        try sandbox.startDaemon()
        waitUntil("web running", timeout: 15) { self.sandbox.isRunning("web") }
        sandbox.trackSpawned()
        waitUntil("web's stamp") { startTime("web") != nil }
        let db = try XCTUnwrap(startTime("db")), web = try XCTUnwrap(startTime("web"))
        // startsecs counts from the daemon's spawn call, before db's shell
        // wrote its stamp (late by the shell's start-up, long on a loaded
        // machine): allow for that, not for a missed wait. The log order
        // below is the exact proof.
        XCTAssertGreaterThanOrEqual(web - db, 1.5, sandbox.mainLog)
        let log = sandbox.mainLog
        let running = try XCTUnwrap(log.range(of: "success: db entered RUNNING"))
        let spawned = try XCTUnwrap(log.range(of: "spawned: 'web'"))
        XCTAssertLessThan(running.lowerBound, spawned.lowerBound, log)
        XCTAssertTrue(log.contains("web is waiting for db:running (now STARTING)"), log)
    }

    func test_migration_mustExitZero_beforeTheApiStarts() throws {
        try sandbox.writeConfig("""
        [program:migrate]
        command=\(stamped("migrate", "sleep 0.5; exit 0"))
        startsecs=0
        autorestart=false
        [program:api]
        command=\(stamped("api", "exec sleep 1000"))
        startsecs=0
        depends_on=migrate:exited_ok

        """)
        try sandbox.startDaemon()
        waitUntil("api running", timeout: 15) { self.sandbox.isRunning("api") }
        sandbox.trackSpawned()
        let log = sandbox.mainLog
        let exited = try XCTUnwrap(log.range(of: "exited: migrate (exit status 0; expected)"))
        let spawned = try XCTUnwrap(log.range(of: "spawned: 'api'"))
        XCTAssertLessThan(exited.lowerBound, spawned.lowerBound, log)
        // RUNNING (startsecs=0) can be reported before api's shell wrote its stamp.
        waitUntil("api's stamp") { startTime("api") != nil }
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(startTime("api")) - XCTUnwrap(startTime("migrate")), 0.5)
    }

    func test_failingMigration_leavesTheApiUnstarted_withADescriptionNamingIt() throws {
        try sandbox.writeConfig("""
        [program:migrate]
        command=/bin/sh -c 'sleep 0.2; exit 3'
        startsecs=0
        autorestart=false
        [program:api]
        command=\(stamped("api", "exec sleep 1000"))
        startsecs=0
        depends_on=migrate:exited_ok

        """)
        try sandbox.startDaemon()
        waitUntil("api fatal", timeout: 15) { (try? self.status("api"))?.contains("FATAL") == true }
        let line = try status("api")
        XCTAssertEqual(line, "api                              FATAL     dependency migrate exited with status 3 (not expected)\n")
        XCTAssertNil(startTime("api"), "api must never have been spawned")
        XCTAssertTrue(sandbox.mainLog.contains("gave up: api entered FATAL state, dependency migrate exited with status 3 (not expected)"), sandbox.mainLog)
        sandbox.trackSpawned()
    }

    func test_dependsOnTimeout_makesTheWaiterFatal() throws {
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sleep 1000
        startsecs=30
        [program:web]
        command=/bin/sleep 1000
        depends_on=db
        depends_on_timeout=1

        """)
        try sandbox.startDaemon()
        waitUntil("web fatal", timeout: 10) { (try? self.status("web"))?.contains("FATAL") == true }
        XCTAssertTrue(try status("web").contains("dependency db:running (now STARTING) not met after 1s (depends_on_timeout)"))
        XCTAssertTrue(sandbox.logLines(containing: "spawned: 'web'").isEmpty)
        sandbox.trackSpawned()
    }

    func test_manualStart_pullsInTheDependency_andNoDepsStartsOnlyTheProgram() throws {
        try sandbox.writeConfig("""
        [program:db]
        command=\(stamped("db", "exec sleep 1000"))
        autostart=false
        startsecs=1
        [program:web]
        command=\(stamped("web", "exec sleep 1000"))
        autostart=false
        startsecs=0
        depends_on=db
        [program:solo]
        command=/bin/sleep 1000
        autostart=false
        startsecs=0
        depends_on=db

        """)
        try sandbox.startDaemon()
        let r = try sandbox.ctl("start", "web")
        XCTAssertEqual(r.stdout, "web: started\n")
        XCTAssertTrue(try status("db").contains("RUNNING   pid"), "the reply came once the dependency was up")
        waitUntil("web's stamp") { startTime("web") != nil }
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(startTime("web")) - XCTUnwrap(startTime("db")), 0.5)
        XCTAssertTrue(sandbox.mainLog.contains("starting db: web depends on it"), sandbox.mainLog)
        XCTAssertEqual(try sandbox.ctl("stop", "db").stdout, "db: stopped\n")
        XCTAssertEqual(try sandbox.ctl("start", "--no-deps", "solo").stdout, "solo: started\n")
        XCTAssertTrue(try status("db").contains("STOPPED"), "--no-deps does not start the dependency")
        sandbox.trackSpawned()
    }

    func test_startAll_reportsAPulledInDependency_andWaitsForIt() throws {
        // web sorts first (priority 1) and pulls db in before `start all`
        // reaches db: db is still reported, and web only once db is RUNNING.
        try sandbox.writeConfig("""
        [program:web]
        command=/bin/sleep 1000
        priority=1
        autostart=false
        startsecs=0
        depends_on=db
        [program:db]
        command=/bin/sleep 1000
        priority=2
        autostart=false
        startsecs=1

        """)
        try sandbox.startDaemon()
        let r = try sandbox.ctl("start", "all")
        sandbox.trackSpawned()
        XCTAssertEqual(Set(r.stdout.split(separator: "\n")), ["web: started", "db: started"], r.stdout)
        XCTAssertTrue(sandbox.isRunning("web") && sandbox.isRunning("db"))
        let log = sandbox.mainLog
        XCTAssertLessThan(try XCTUnwrap(log.range(of: "success: db entered RUNNING")).lowerBound,
                          try XCTUnwrap(log.range(of: "spawned: 'web'")).lowerBound, log)
    }

    func test_stopAll_andShutdown_stopDependentsFirst() throws {
        // db is stopped before web by supervisord's order (priority 1 < 2 for
        // stop all; at shutdown db, priority 3, would go first): web depends on it.
        try sandbox.writeConfig("""
        [program:db]
        command=/bin/sleep 1000
        priority=1
        startsecs=0
        [program:web]
        command=/bin/sleep 1000
        priority=2
        startsecs=0
        depends_on=db
        [program:other]
        command=/bin/sleep 1000
        priority=3
        startsecs=0

        """, loglevel: "debug")
        let daemon = try sandbox.startDaemon()
        waitUntil("all running") { sandbox.logLines(containing: "entered RUNNING").count == 3 }
        sandbox.trackSpawned()
        func killOrder() -> [String] {
            sandbox.logLines(containing: "DEBG killing ").compactMap { $0.components(separatedBy: "DEBG killing ").last?.split(separator: " ").first.map(String.init) }
        }
        XCTAssertEqual(Set(try sandbox.ctl("stop", "all").stdout.split(separator: "\n")), ["web: stopped", "db: stopped", "other: stopped"])
        XCTAssertEqual(killOrder().first, "web", sandbox.mainLog)
        XCTAssertEqual(Array(killOrder().filter { $0 != "other" }), ["web", "db"], sandbox.mainLog)
        XCTAssertEqual(try sandbox.ctl("start", "all").status, 0)
        sandbox.trackSpawned()
        kill(daemon.processIdentifier, SIGTERM)
        waitUntil("daemon exit", timeout: 20) { !daemon.isRunning }
        XCTAssertEqual(Array(killOrder().dropFirst(3)), ["other", "web", "db"], sandbox.mainLog)
    }

    func test_cycle_isRefusedAtReload_andByCheck() throws {
        try sandbox.writeConfig("""
        [program:a]
        command=/bin/sleep 1000
        startsecs=0

        """)
        let daemon = try sandbox.startDaemon()
        waitUntil("a running") { !sandbox.logLines(containing: "success: a entered RUNNING").isEmpty }
        sandbox.trackSpawned()
        try sandbox.writeConfig("""
        [program:a]
        command=/bin/sleep 1000
        depends_on=b
        [program:b]
        command=/bin/sleep 1000
        depends_on=a

        """)
        let r = try sandbox.ctl("reload")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue((r.stdout + r.stderr).contains("depends_on forms a cycle: a -> b -> a"), r.stdout + r.stderr)
        XCTAssertTrue(daemon.isRunning)
        let check = try sandbox.run(Binaries.swiftvisord, ["--check", "-c", sandbox.configPath])
        XCTAssertEqual(check.status, 2)
        XCTAssertTrue(check.stderr.contains("swiftvisord.conf:14: [program:a] depends_on: depends_on forms a cycle: a -> b -> a"), check.stderr)
    }

    /// Corridor's install docs run `bash -c "corridor-api db upgrade &&
    /// corridor-api run"`; rewritten, the migration is a one-shot program and
    /// the API and its workers wait for it (docs/dependencies.md, "Recipes").
    func test_corridorConfig_rewrittenWithAMigrationProgram() throws {
        let api = try sandbox.write("""
        #!/bin/sh
        # corridor-api stand-in: `db upgrade` migrates, `run` refuses an unmigrated database.
        date +%s.%N >> \(sandbox.dir)/$1.start
        case "$1" in
          db) sleep 0.5; touch \(sandbox.dir)/migrated; exit 0 ;;
          run|worker) test -e \(sandbox.dir)/migrated || exit 1; exec sleep 1000 ;;
        esac
        exit 2
        """, to: "corridor-api", executable: true)
        try sandbox.writeConfig("""
        [program:corridor-migrate]
        command=\(api) db upgrade
        startsecs=0
        autorestart=false
        redirect_stderr=true

        [program:corridor-api]
        command=\(api) run
        depends_on=corridor-migrate:exited_ok
        redirect_stderr=true

        [program:corridor-worker-api]
        command=\(api) worker --queue api
        environment=C_FORCE_ROOT=1
        depends_on=corridor-api
        redirect_stderr=true

        [program:corridor-worker-spark]
        command=\(api) worker --queue spark --queue quick_spark
        environment=C_FORCE_ROOT=1
        depends_on=corridor-api
        redirect_stderr=true

        """)
        let check = try sandbox.run(Binaries.swiftvisord, ["--check", "-c", sandbox.configPath])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("depends: corridor-api -> corridor-migrate:exited_ok"), check.stdout)
        XCTAssertTrue(check.stdout.contains("depends: corridor-worker-api -> corridor-api:running"), check.stdout)
        try sandbox.startDaemon()
        for name in ["corridor-api", "corridor-worker-api", "corridor-worker-spark"] {
            waitUntil("\(name) running", timeout: 15) { self.sandbox.isRunning(name) }
        }
        sandbox.trackSpawned()
        XCTAssertTrue(try status("corridor-migrate").contains("EXITED"))
        waitUntil("stamps") { startTime("run") != nil && ((try? String(contentsOfFile: "\(sandbox.dir)/worker.start", encoding: .utf8))?.split(separator: "\n").count ?? 0) == 2 }
        let migrated = try XCTUnwrap(startTime("db")), run = try XCTUnwrap(startTime("run"))
        XCTAssertGreaterThanOrEqual(run - migrated, 0.5, "the API started after the migration finished")
        let workers = try XCTUnwrap(String(contentsOfFile: "\(sandbox.dir)/worker.start", encoding: .utf8))
            .split(separator: "\n").compactMap { Double($0) }
        XCTAssertEqual(workers.count, 2)
        XCTAssertTrue(workers.allSatisfy { $0 > run }, "workers spawned after the API")
        // And only once the API was RUNNING (its shell's own stamp can lag its
        // spawn under load, so the order is read from the main log).
        let log = sandbox.mainLog
        let apiRunning = try XCTUnwrap(log.range(of: "success: corridor-api entered RUNNING"))
        for worker in ["corridor-worker-api", "corridor-worker-spark"] {
            let spawned = try XCTUnwrap(log.range(of: "spawned: '\(worker)'"))
            XCTAssertLessThan(apiRunning.lowerBound, spawned.lowerBound, log)
        }
        XCTAssertEqual(sandbox.logLines(containing: "spawned: 'corridor-api'").count, 1, "no failed start of the API")
    }

    func test_programsWithoutTheOptions_keepByteIdenticalStatus() throws {
        try sandbox.writeConfig("""
        [program:plain]
        command=/bin/sleep 1000
        autostart=false

        """)
        try sandbox.startDaemon()
        XCTAssertEqual(try status("plain"), "plain                            STOPPED   Not started\n")
    }
}
