// /metrics end to end: the real daemon and its HTTP worker, the figures read
// back over HTTP, checked by Prometheus' own promtool, and scraped by a real
// Prometheus server on loopback (Debian's `prometheus` package: .ci/run
// installs it; these tests skip with a message where it is missing).
import Foundation
import Glibc
import XCTest

final class MetricsEndpointTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func start(auth: String = "") throws -> Int {
        let port = try freeLoopbackPort()
        try sandbox.writeConfig("""
        [inet_http_server]
        port=127.0.0.1:\(port)
        \(auth)
        [program:sleeper]
        command=sleep 1000
        [program:crasher]
        command=sh -c 'echo out; exit 3'
        startsecs=1
        startretries=1
        """)
        try sandbox.startDaemon()
        return port
    }

    private func metrics(_ port: Int) throws -> String {
        let answer = try XCTUnwrap(httpExchange(port: port, "/metrics"))
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        return answer.text
    }

    /// The value of the sample line starting with `series` (name and labels exactly).
    private func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    private static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func test_metrics_reportStatesCountersAndProcFigures_ofTheRealProcesses() throws {
        let port = try start()
        var text = ""
        waitUntil("crasher FATAL after its retries", timeout: 20) {
            text = (try? metrics(port)) ?? ""
            return value(text, #"swiftvisor_process_state{group="crasher",name="crasher",state="FATAL"}"#) == 1
                && value(text, #"swiftvisor_process_state{group="sleeper",name="sleeper",state="RUNNING"}"#) == 1
        }
        let sleeperPid = try XCTUnwrap(value(text, #"swiftvisor_process_pid{group="sleeper",name="sleeper"}"#))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/proc/\(Int(sleeperPid))"), "the pid reported is a live process")
        XCTAssertEqual(value(text, #"swiftvisor_process_up{group="sleeper",name="sleeper"}"#), 1)
        XCTAssertEqual(value(text, #"swiftvisor_process_up{group="crasher",name="crasher"}"#), 0)
        // startretries=1: the first spawn and one retry, each exiting 3; the
        // retry is the daemon's own doing.
        XCTAssertEqual(value(text, #"swiftvisor_process_starts_total{group="crasher",name="crasher"}"#), 2)
        XCTAssertEqual(value(text, #"swiftvisor_process_restarts_total{group="crasher",name="crasher"}"#), 1)
        XCTAssertEqual(value(text, #"swiftvisor_process_exits_total{group="crasher",name="crasher",status="3"}"#), 2)
        XCTAssertEqual(value(text, #"swiftvisor_process_starts_total{group="sleeper",name="sleeper"}"#), 1)
        XCTAssertEqual(value(text, #"swiftvisor_process_restarts_total{group="sleeper",name="sleeper"}"#), 0)
        XCTAssertEqual(value(text, #"swiftvisor_log_written_bytes_total{group="crasher",name="crasher",channel="stdout"}"#), 8)
        XCTAssertEqual(value(text, #"swiftvisor_log_lost_bytes_total{group="crasher",name="crasher",channel="stdout"}"#), 0)
        let rss = try XCTUnwrap(value(text, #"swiftvisor_process_resident_memory_bytes{group="sleeper",name="sleeper"}"#))
        XCTAssertGreaterThan(rss, 100_000, "sleep's resident memory, from /proc")
        XCTAssertEqual(value(text, #"swiftvisor_process_open_fds{group="sleeper",name="sleeper"}"#), 3, "sleep holds stdin, stdout, stderr")
        XCTAssertNotNil(value(text, #"swiftvisor_process_cpu_seconds_total{group="sleeper",name="sleeper"}"#))
        XCTAssertNil(value(text, #"swiftvisor_process_cpu_seconds_total{group="crasher",name="crasher"}"#), "no pid, no /proc figures")
        XCTAssertGreaterThan(try XCTUnwrap(value(text, "swiftvisor_daemon_resident_memory_bytes")), 1_000_000)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(value(text, "swiftvisor_daemon_connections")), 1, "the scrape's own session")
        XCTAssertEqual(value(text, "swiftvisor_processes"), 2)

        // HEAD: the same head, no body.
        let head = try XCTUnwrap(httpExchange(port: port, "/metrics", method: "HEAD"))
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
        XCTAssertGreaterThan(Int(head.headers["content-length"] ?? "") ?? 0, 1000)
    }

    func test_metrics_needTheHTTPInterfacesCredentials() throws {
        let port = try start(auth: "username=user\npassword=pw")
        XCTAssertEqual(httpExchange(port: port, "/metrics")?.status, 401)
        let ok = try XCTUnwrap(httpExchange(port: port, "/metrics", headers: ["Authorization": "Basic " + Data("user:pw".utf8).base64EncodedString()]))
        XCTAssertEqual(ok.status, 200)
        XCTAssertTrue(ok.text.contains("swiftvisor_process_up{group=\"sleeper\",name=\"sleeper\"}"))
    }

    func test_promtoolCheckMetrics_acceptsTheOutput() throws {
        guard let promtool = Self.tool("promtool") else {
            throw XCTSkip("promtool not installed (Debian package prometheus; .ci/run installs it): /metrics not checked by promtool")
        }
        let port = try start()
        waitUntil("sleeper RUNNING") { ((try? metrics(port)) ?? "").contains(#"swiftvisor_process_up{group="sleeper",name="sleeper"} 1"#) }
        let file = try sandbox.write(try metrics(port), to: "metrics.txt")
        let r = try sandbox.run("/bin/sh", ["-c", "\(promtool) check metrics < \(file)"])
        XCTAssertEqual(r.status, 0, "promtool: \(r.stdout)\(r.stderr)")
        XCTAssertEqual(r.stdout + r.stderr, "", "promtool has no complaint, not even a lint warning")
    }

    func test_realPrometheus_scrapesTheDaemon_andAnswersAQueryWithItsValue() throws {
        guard let prometheus = Self.tool("prometheus") else {
            throw XCTSkip("prometheus not installed (Debian package prometheus; .ci/run installs it): no real scrape tested")
        }
        let port = try start()
        let promPort = try freeLoopbackPort()
        try sandbox.write("""
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: swiftvisor
            static_configs:
              - targets: ['127.0.0.1:\(port)']
        """, to: "prometheus.yml")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: prometheus)
        p.arguments = ["--config.file=\(sandbox.dir)/prometheus.yml", "--storage.tsdb.path=\(sandbox.dir)/tsdb",
                       "--web.listen-address=127.0.0.1:\(promPort)"]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: sandbox.write("", to: "prometheus.log")))
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        defer {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let query = "swiftvisor_process_up%7Bname%3D%22sleeper%22%7D"
        var last = ""
        let seen = waitUntil("Prometheus has scraped sleeper's up=1", timeout: 60, interval: 0.5) {
            guard let a = httpExchange(port: promPort, "/api/v1/query?query=\(query)") else { return false }
            last = a.text
            return a.status == 200 && a.text.contains(#""job":"swiftvisor""#) && a.text.contains(#","1"]"#)
        }
        if !seen {
            let log = (try? String(contentsOfFile: sandbox.dir + "/prometheus.log", encoding: .utf8)) ?? ""
            XCTFail("last answer: \(last)\nprometheus log tail: \(log.suffix(2000))")
        }
    }
}
