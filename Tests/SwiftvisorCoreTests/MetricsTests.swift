@testable import SwiftvisorCore
import XCTest

final class MetricsTests: XCTestCase {
    private func sample() -> MetricsSample {
        MetricsSample(
            daemon: DaemonMetrics(pid: 7, start: 1000, now: 1100, residentBytes: 4096, cpuSeconds: 1.5, openFDs: 9,
                                  connections: 2, eventsDelivered: 5, eventsDropped: 1),
            processes: [
                ProcessMetrics(group: "web", name: "web_0", state: 20, statename: "RUNNING", pid: 42, start: 1040,
                               starts: 3, restarts: 2, exits: [ExitCount("1", 2), ExitCount("SIGKILL", 1)],
                               cpuSeconds: 0.25, residentBytes: 8192, openFDs: 4,
                               logs: [LogCounters(.stdout, written: 100, lost: 7)]),
                ProcessMetrics(group: "we\"b", name: "a\\b\nc", state: 200, statename: "FATAL"),
            ])
    }

    private func lines(_ s: MetricsSample) -> [String] {
        String(decoding: MetricsRenderer.render(s), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func test_render_runningProcess_everyFamilyWithUnitsAndTotals() {
        let out = lines(sample())
        for expected in [
            #"swiftvisor_process_state{group="web",name="web_0",state="RUNNING"} 1"#,
            #"swiftvisor_process_state{group="web",name="web_0",state="FATAL"} 0"#,
            #"swiftvisor_process_up{group="web",name="web_0"} 1"#,
            #"swiftvisor_process_pid{group="web",name="web_0"} 42"#,
            #"swiftvisor_process_start_time_seconds{group="web",name="web_0"} 1040"#,
            #"swiftvisor_process_uptime_seconds{group="web",name="web_0"} 60"#,
            #"swiftvisor_process_starts_total{group="web",name="web_0"} 3"#,
            #"swiftvisor_process_restarts_total{group="web",name="web_0"} 2"#,
            #"swiftvisor_process_exits_total{group="web",name="web_0",status="1"} 2"#,
            #"swiftvisor_process_exits_total{group="web",name="web_0",status="SIGKILL"} 1"#,
            #"swiftvisor_process_cpu_seconds_total{group="web",name="web_0"} 0.25"#,
            #"swiftvisor_process_resident_memory_bytes{group="web",name="web_0"} 8192"#,
            #"swiftvisor_process_open_fds{group="web",name="web_0"} 4"#,
            #"swiftvisor_log_written_bytes_total{group="web",name="web_0",channel="stdout"} 100"#,
            #"swiftvisor_log_lost_bytes_total{group="web",name="web_0",channel="stdout"} 7"#,
            "swiftvisor_processes 2",
            "swiftvisor_daemon_start_time_seconds 1000",
            "swiftvisor_daemon_cpu_seconds_total 1.5",
            "swiftvisor_daemon_resident_memory_bytes 4096",
            "swiftvisor_daemon_open_fds 9",
            "swiftvisor_daemon_connections 2",
            "swiftvisor_events_delivered_total 5",
            "swiftvisor_events_dropped_total 1",
            "# TYPE swiftvisor_process_restarts_total counter",
            "# TYPE swiftvisor_process_up gauge",
        ] {
            XCTAssertTrue(out.contains(expected), "missing: \(expected)")
        }
    }

    func test_render_stoppedProcess_hasNoProcFiguresAndZeroUptime() {
        let out = lines(sample())
        let fatal = out.filter { $0.contains(#"group="we\"b""#) }
        XCTAssertTrue(fatal.contains(#"swiftvisor_process_uptime_seconds{group="we\"b",name="a\\b\nc"} 0"#), "\(fatal)")
        XCTAssertTrue(fatal.contains(#"swiftvisor_process_state{group="we\"b",name="a\\b\nc",state="FATAL"} 1"#))
        XCTAssertFalse(fatal.contains { $0.hasPrefix("swiftvisor_process_cpu_seconds_total") || $0.hasPrefix("swiftvisor_process_exits_total") })
    }

    func test_render_familiesAreNeverInterleaved_andEachHasOneTypeLine() {
        let out = lines(sample())
        var seen: [String] = []
        for line in out where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            if seen.last != name {
                XCTAssertFalse(seen.contains(name), "\(name) interleaved")
                seen.append(name)
            }
        }
        for name in seen {
            XCTAssertEqual(out.filter { $0 == "# TYPE \(name) counter" || $0 == "# TYPE \(name) gauge" }.count, 1, name)
            if out.contains("# TYPE \(name) counter") { XCTAssertTrue(name.hasSuffix("_total"), name) }
            XCTAssertTrue(name.hasPrefix("swiftvisor_"), name)
        }
    }

    func test_wireForm_roundTripsThroughReplyLines() throws {
        let s = sample()
        let bytes = ControlResponse.ok(s.items).encoded()
        var items: [ControlItem] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")).dropFirst() {
            if case .item(let item) = try ReplyLine.decodeBody(line) { items.append(item) }
        }
        XCTAssertEqual(MetricsSample(items: items), s)
    }

    func test_decode_refusesAReplyWithoutTheDaemonItem_andSkipsBadExitPairs() {
        XCTAssertNil(MetricsSample(items: [.other(type: "pmetric", fields: [ControlField("group", "g"), ControlField("name", "n"), ControlField("state", "0")])]))
        XCTAssertEqual(MetricsSample.decodeExits("0:3,:2,x:-1,y:z,SIGTERM:1"), [ExitCount("0", 3), ExitCount("SIGTERM", 1)])
    }

    func test_metricsRequest_roundTrips_andTakesNoArguments() {
        XCTAssertEqual(ControlRequest.decode(ControlRequest.metrics.encoded().dropLast()), .success(.metrics))
        guard case .failure(let f)? = ControlRequest.decode(Array("metrics x".utf8)) else { return XCTFail() }
        XCTAssertEqual(f.code, .badArguments)
    }

    func test_route_metrics_getAndHeadOnly() throws {
        func route(_ raw: String) throws -> HTTPRoute {
            var p = HTTPRequestParser()
            p.received(Array(raw.utf8))
            guard case .request(let r) = p.next() else { throw XCTSkip("unparsed") }
            return HTTPRoute.resolve(r)
        }
        XCTAssertEqual(try route("GET /metrics HTTP/1.0\r\n\r\n"), .metrics(head: false))
        XCTAssertEqual(try route("HEAD /metrics HTTP/1.0\r\n\r\n"), .metrics(head: true))
        XCTAssertEqual(try route("DELETE /metrics HTTP/1.0\r\n\r\n"), .error(.badRequest))
        XCTAssertEqual(try route("GET /metricsx HTTP/1.0\r\n\r\n"), .error(.notFound))
    }

    func test_eventPool_countsDeliveredAndDropped() {
        var pool = EventPool(name: "p", events: ["EVENT"], bufferSize: 1, handler: .standard, listenerNames: ["l"])
        pool.listenerSpawned("l")
        pool.listenerRunning("l", true)
        _ = pool.received("l", Array("READY\n".utf8))
        _ = pool.accept(.remoteCommunication(type: "t", data: "0"), serial: 0)
        _ = pool.accept(.remoteCommunication(type: "t", data: "1"), serial: 1)
        XCTAssertEqual(pool.dropped, 1)
        _ = pool.dispatch(identifier: "supervisor") { _, _ in .written }
        XCTAssertEqual(pool.delivered, 0)
        _ = pool.received("l", Array("RESULT 2\nOKREADY\n".utf8))
        XCTAssertEqual(pool.delivered, 1)
        _ = pool.received("l", Array("RESULT 2\nOKREADY\n".utf8))
        XCTAssertEqual(pool.delivered, 1, "an answer with no event held delivers nothing")
    }
}
