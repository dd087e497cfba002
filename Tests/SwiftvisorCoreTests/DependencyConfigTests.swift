import XCTest
@testable import SwiftvisorCore

/// `depends_on` and the health options as the config reader sees them:
/// parsed, resolved to processes, and refused with file:line when wrong.
final class DependencyConfigTests: XCTestCase {
    private func processes(_ c: Configuration) -> [String: ProcessConfig] {
        Dictionary(uniqueKeysWithValues: c.groups.flatMap(\.processes).map { ($0.namespec, $0) })
    }

    func test_dependsOn_resolvesNamesConditionsAndGroups() throws {
        let c = try load(mainConfig("""
            [program:db]
            command=/bin/db
            [program:migrate]
            command=/bin/migrate
            [program:cache]
            command=/bin/cache
            numprocs=2
            process_name=%(program_name)s_%(process_num)d
            [group:back]
            programs=q1,q2
            [program:q1]
            command=/bin/q
            [program:q2]
            command=/bin/q
            [program:web]
            command=/bin/web
            depends_on = db:ready, migrate:exited_ok, cache, back:*:started, back:q2
            depends_on_timeout = 30

            """))
        let web = try XCTUnwrap(processes(c)["web"])
        XCTAssertEqual(web.dependencies.map { "\($0.namespec):\($0.condition.word)" },
                       ["db:ready", "migrate:exited_ok", "cache:cache_0:running", "cache:cache_1:running",
                        "back:q1:started", "back:q2:started", "back:q2:running"])
        XCTAssertEqual(web.dependsOnTimeout, 30)
        XCTAssertEqual(web.dependsOnLocation?.line, 20)
        XCTAssertTrue(processes(c)["db"]!.dependencies.isEmpty)
        let summary = c.summary()
        XCTAssertTrue(summary.contains("\ndepends: web -> db:ready, migrate:exited_ok, cache:cache_0:running"), summary)
        XCTAssertTrue(summary.contains("extension: /etc/sv.conf:18: [program:web] depends_on=db:ready, migrate:exited_ok, cache, back:*:started, back:q2: swiftvisord only"), summary)
        XCTAssertFalse(summary.contains("unknown option"), summary)
    }

    func test_dumpConfig_showsTheResolvedGraph_andNothingForConfigsWithoutIt() throws {
        let plain = try load(mainConfig("[program:a]\ncommand=/bin/a\n"))
        XCTAssertFalse(plain.dump().serialized().contains("depends_on"))
        XCTAssertFalse(plain.dump().serialized().contains("dependency_graph"))
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\ndepends_on=a:exited\n"))
        let text = c.dump().serialized()
        XCTAssertTrue(text.contains("\"dependency_graph\""), text)
        XCTAssertTrue(text.contains("\"b\": [\"a:exited\"]") || text.contains("\"b\":[\"a:exited\"]"), text)
    }

    func test_unknownName_isAConfigErrorWithFileLineSectionAndOption() {
        XCTAssertEqual(rejection(mainConfig("[program:web]\ncommand=/bin/web\ndepends_on=db\n")),
                       "/etc/sv.conf:6: [program:web] depends_on: \"db\" names no program, group or process (name a [program:x] (all its processes), GROUP:NAME or GROUP:*)")
    }

    func test_selfDependency_isRefused() {
        let e = rejection(mainConfig("[program:web]\ncommand=/bin/web\ndepends_on=web:running\n"))
        XCTAssertEqual(e, "/etc/sv.conf:6: [program:web] depends_on: \"web\" is the program itself: a program cannot wait for itself (remove web from depends_on)")
    }

    func test_cycle_isRefused_showingTheCycle() {
        let e = rejection(mainConfig("""
            [program:a]
            command=/bin/a
            depends_on=b
            [program:b]
            command=/bin/b
            depends_on=c:started
            [program:c]
            command=/bin/c
            depends_on=a:exited

            """)) ?? ""
        XCTAssertTrue(e.hasPrefix("/etc/sv.conf:6: [program:a] depends_on: depends_on forms a cycle: a -> b -> c -> a"), e)
    }

    func test_badCondition_isRefused_withTheConditionsListed() {
        let e = rejection(mainConfig("[program:db]\ncommand=/bin/db\n[program:web]\ncommand=/bin/web\ndepends_on=db:healthy\n")) ?? ""
        XCTAssertTrue(e.hasPrefix("/etc/sv.conf:8: [program:web] depends_on: \"healthy\" in \"db:healthy\" is not a condition"), e)
        XCTAssertTrue(e.contains("started, running, ready, exited, exited_ok"), e)
        let three = rejection(mainConfig("[group:g]\nprograms=db\n[program:db]\ncommand=/bin/db\n[program:web]\ncommand=/bin/web\ndepends_on=g:db:up\n")) ?? ""
        XCTAssertTrue(three.contains("\"up\" in \"g:db:up\" is not a condition"), three)
    }

    func test_badValues_areRefused() {
        for (line, expected) in [
            ("depends_on_timeout=-1", "depends_on_timeout: \"-1\" is below the minimum of 0"),
            ("readiness=magic", "readiness: \"magic\" is not a readiness kind"),
            ("readiness=tcp", "readiness_tcp: readiness=tcp needs readiness_tcp"),
            ("readiness=tcp\nreadiness_tcp=localhost", "readiness_tcp: \"localhost\" is not HOST:PORT"),
            ("readiness=tcp\nreadiness_tcp=127.0.0.1:70000", "readiness_tcp: port 70000 in \"127.0.0.1:70000\" is out of range"),
            ("readiness=http\nreadiness_url=https://x/", "readiness_url: \"https://x/\" is not an http:// URL"),
            ("readiness=fd\nreadiness_fd=1", "readiness_fd: \"1\" is below the minimum of 3"),
            ("readiness=log\nreadiness_log=(unclosed", "readiness_log: \"(unclosed\" is not a supported regular expression (at position 1: missing ), unterminated subpattern)"),
            ("readiness=log\nreadiness_log=up{3}", "readiness_log: \"up{3}\" is not a supported regular expression (at position 3: counted repetition {m,n} is not supported)"),
            ("readiness=exec\nreadiness_command='x", "readiness_command: \"'x\" cannot be split into a command line"),
            ("readiness=tcp\nreadiness_notify=true\nreadiness_tcp=h:1", "readiness_notify: readiness_notify=true contradicts readiness=tcp"),
            ("readiness=tcp\nreadiness_tcp=h:1\nreadiness_interval=0", "readiness_interval: \"0\" is below the minimum of 1"),
            ("liveness=ping", "liveness: \"ping\" is not a liveness kind"),
            ("liveness=http", "liveness_url: liveness=http needs liveness_url"),
            ("liveness=exec\nliveness_command=/bin/true\nliveness_failures=0", "liveness_failures: \"0\" is below the minimum of 1"),
            ("watchdog_sec=5", "watchdog_sec: watchdog_sec needs readiness=notify"),
        ] {
            let e = rejection(mainConfig("[program:web]\ncommand=/bin/web\n\(line)\n")) ?? "(accepted)"
            XCTAssertTrue(e.hasPrefix("/etc/sv.conf:") && e.contains("[program:web] \(expected)"), "\(line): \(e)")
        }
    }

    func test_healthOptions_areRead() throws {
        let c = try load(mainConfig("""
            [program:web]
            command=/bin/web
            readiness=http
            readiness_url=http://127.0.0.1:8080/healthz
            readiness_interval=2
            readiness_timeout=3
            readiness_start_period=20
            liveness=tcp
            liveness_tcp=[::1]:8080
            liveness_failures=5
            [program:n]
            command=/bin/n
            readiness_notify=true
            watchdog_sec=10
            [program:f]
            command=/bin/f
            readiness=fd
            readiness_fd=3
            [program:l]
            command=/bin/l
            readiness=log
            readiness_log=ready to accept

            """))
        let p = processes(c)
        XCTAssertEqual(p["web"]?.readiness.probe, .http(HTTPCheckURL(endpoint: TCPEndpoint(host: "127.0.0.1", port: 8080), path: "/healthz")))
        XCTAssertEqual(p["web"]?.readiness.interval, 2)
        XCTAssertEqual(p["web"]?.readiness.timeout, 3)
        XCTAssertEqual(p["web"]?.readiness.startPeriod, 20)
        XCTAssertEqual(p["web"]?.liveness?.probe, .tcp(TCPEndpoint(host: "::1", port: 8080)))
        XCTAssertEqual(p["web"]?.liveness?.failures, 5)
        XCTAssertEqual(p["web"]?.liveness?.interval, 10)
        XCTAssertEqual(p["n"]?.readiness.kind, .notify)
        XCTAssertEqual(p["n"]?.watchdogSec, 10)
        XCTAssertEqual(p["f"]?.readiness.fd, 3)
        XCTAssertEqual(p["l"]?.readiness.logPattern, "ready to accept")
    }

    func test_dependentStartup_isReadAsDependsOn() throws {
        let c = try load(mainConfig("""
            [program:db]
            command=/bin/db
            [program:init]
            command=/bin/init
            [program:web]
            command=/bin/web
            autostart=false
            dependent_startup=true
            dependent_startup_wait_for=db:running init:exited,fatal

            """))
        let web = try XCTUnwrap(processes(c)["web"])
        XCTAssertTrue(web.dependentStartup)
        XCTAssertTrue(web.startsAtLaunch)
        XCTAssertFalse(web.autostart)
        XCTAssertEqual(web.dependencies.map(\.condition), [.anyState([.running]), .anyState([.exited, .fatal])])
        let e = rejection(mainConfig("[program:db]\ncommand=/bin/db\n[program:web]\ncommand=/bin/web\ndependent_startup=true\ndependent_startup_wait_for=db:up\n")) ?? ""
        XCTAssertTrue(e.contains("[program:web] dependent_startup_wait_for: \"up\" in \"db:up\" is not a process state"), e)
    }

    func test_withoutTheOptions_processConfigIsUnchanged() throws {
        let c = try load(mainConfig("[program:a]\ncommand=/bin/a\n"))
        let a = c.groups[0].processes[0]
        XCTAssertTrue(a.dependencies.isEmpty)
        XCTAssertEqual(a.readiness, ReadinessConfig())
        XCTAssertNil(a.liveness)
        XCTAssertTrue(c.extensions.isEmpty)
    }
}
