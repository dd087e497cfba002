import XCTest
@testable import SwiftvisorCore

/// Readiness in the pure state machine, on a fake clock: STARTING until
/// `.ready`, a failed start when the child exits first or the start period
/// runs out (BACKOFF, startretries, FATAL), and the notify message parser.
final class ReadinessMachineTests: XCTestCase {
    private func t(_ s: Double) -> Moment { Moment(monotonic: 1000 + s, wall: 1_700_000_000 + s) }
    private let term = SignalSpec(number: 15, name: "TERM")

    private func machine(retries: Int = 3, period: Int = 10) -> ProcessStateMachine {
        var c = ProcessConfig(name: "db", programName: "db", groupName: "db", command: "/bin/db")
        c.readiness.kind = .notify
        c.readiness.startPeriod = period
        c.startretries = retries
        c.startsecs = 1
        var sm = ProcessStateMachine(config: c)
        _ = sm.handle(.start, now: t(0))
        return sm
    }

    func test_spawned_staysStarting_pastStartsecs_withTheStartPeriodArmed() {
        var sm = machine()
        XCTAssertEqual(sm.handle(.spawned(pid: 42), now: t(0)), [.log(.info, "spawned: 'db' with pid 42"), .setTimer(at: 1010)])
        XCTAssertEqual(sm.state, .starting)
    }

    func test_ready_entersRunning_namingTheCheck() {
        var sm = machine()
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        XCTAssertEqual(sm.handle(.ready(how: "notify: READY=1"), now: t(3)), [
            .cancelTimer, .stateChanged(from: .starting, to: .running),
            .log(.info, "success: db entered RUNNING state, ready (notify: READY=1)"),
        ])
        XCTAssertEqual(sm.handle(.ready(how: "again"), now: t(4)), [], "a second READY=1 changes nothing")
    }

    func test_ready_beforeSpawned_orWithoutReadiness_isIgnored() {
        var sm = machine()
        XCTAssertEqual(sm.handle(.ready(how: "x"), now: t(0)), [])
        var plain = ProcessStateMachine(config: ProcessConfig(name: "p", programName: "p", groupName: "p", command: "/bin/p"))
        _ = plain.handle(.start, now: t(0))
        _ = plain.handle(.spawned(pid: 7), now: t(0))
        XCTAssertEqual(plain.handle(.ready(how: "x"), now: t(0.5)), [])
    }

    func test_exitBeforeReady_isAFailedStart_evenAfterStartsecs() {
        var sm = machine()
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        let out = sm.handle(.exited(ExitStatus.exited(code: 0)), now: t(5))
        XCTAssertEqual(sm.state, .backoff)
        XCTAssertEqual(sm.spawnerr, "Exited before it was ready (readiness=notify)")
        XCTAssertTrue(out.contains(.setTimer(at: 1006)), "\(out)")
    }

    func test_notReadyWithinTheStartPeriod_isKilled_thenBackoff_thenFatal() {
        var sm = machine(retries: 0, period: 10)
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        let out = sm.handle(.timer, now: t(10))
        XCTAssertEqual(out.first, .log(.warn, "db: readiness check (notify) did not pass within 10 seconds (readiness_start_period)"))
        XCTAssertTrue(out.contains(.signal(term, toGroup: false)))
        XCTAssertEqual(sm.state, .stopping)
        let exit = sm.handle(.exited(ExitStatus.signaled(signal: 15, coreDumped: false)), now: t(10.1))
        XCTAssertEqual(sm.state, .fatal, "\(exit)")
        XCTAssertEqual(sm.spawnerr, "readiness check (notify) did not pass within 10 seconds (readiness_start_period)")
        XCTAssertTrue(exit.contains(.log(.info, "gave up: db entered FATAL state, too many start retries too quickly")))
    }

    func test_stopDuringTheReadinessKill_isAnOrdinaryStop() {
        var sm = machine()
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        _ = sm.handle(.timer, now: t(10))
        _ = sm.handle(.stop, now: t(10.05))
        _ = sm.handle(.exited(ExitStatus.signaled(signal: 15, coreDumped: false)), now: t(10.1))
        XCTAssertEqual(sm.state, .stopped)
    }

    func test_notifyMessage_parsesReadyStatusWatchdog() {
        let m = NotifyMessage.parse(Array("STATUS=warming up\u{1}\nREADY=1\nWATCHDOG=1\nMAINPID=5\n".utf8))
        XCTAssertTrue(m.ready)
        XCTAssertTrue(m.watchdog)
        XCTAssertEqual(m.status, "warming up")
        XCTAssertFalse(NotifyMessage.parse(Array("READY=0".utf8)).ready)
        XCTAssertFalse(NotifyMessage.parse([0xff, 0x3d, 0x31]).ready)
        XCTAssertEqual(NotifyMessage.parse(Array(("STATUS=" + String(repeating: "x", count: 500)).utf8)).status?.count, 200)
    }
}

final class HTTPCheckTests: XCTestCase {
    func test_statusLine_parsedOnlyOnceComplete() {
        XCTAssertNil(HTTPCheck.statusCode(Array("HTTP/1.1 20".utf8)))
        XCTAssertEqual(HTTPCheck.statusCode(Array("HTTP/1.1 204 No Content\r\n".utf8)), 204)
        XCTAssertEqual(HTTPCheck.statusCode(Array("HTTP/1.0 503\r\n".utf8)), 503)
        XCTAssertEqual(HTTPCheck.statusCode(Array("SSH-2.0-OpenSSH\r\n".utf8)), -1)
        XCTAssertEqual(HTTPCheck.statusCode(Array("HTTP/1.1 2x0 ok\r\n".utf8)), -1)
        XCTAssertEqual(HTTPCheck.statusCode([UInt8](repeating: 0x41, count: 2000)), -1, "no status line within 1 KiB")
    }

    func test_request_isHTTP10_withHostAndClose() {
        let url = HTTPCheckURL(endpoint: TCPEndpoint(host: "::1", port: 8080), path: "/healthz?x=1")
        XCTAssertEqual(String(decoding: HTTPCheck.request(url), as: UTF8.self),
                       "GET /healthz?x=1 HTTP/1.0\r\nHost: [::1]:8080\r\nUser-Agent: swiftvisord-check\r\nConnection: close\r\n\r\n")
    }

    func test_urlAndEndpoint_parse() throws {
        XCTAssertEqual(try HTTPCheckURL.parse("http://localhost/", option: "u"), HTTPCheckURL(endpoint: TCPEndpoint(host: "localhost", port: 80), path: "/"))
        XCTAssertEqual(try HTTPCheckURL.parse("http://[::1]:9/h", option: "u").endpoint, TCPEndpoint(host: "::1", port: 9))
        XCTAssertThrowsError(try HTTPCheckURL.parse("http://a b/", option: "u"))
        XCTAssertThrowsError(try TCPEndpoint.parse("h:0", option: "t"))
        XCTAssertThrowsError(try TCPEndpoint.parse("h:99999999999999999999", option: "t"))
    }
}

final class LivenessMachineTests: XCTestCase {
    private func t(_ s: Double) -> Moment { Moment(monotonic: 1000 + s, wall: 1_700_000_000 + s) }
    private let term = SignalSpec(number: 15, name: "TERM")

    private func running(autorestart: AutoRestart = .unexpected) -> ProcessStateMachine {
        var c = ProcessConfig(name: "web", programName: "web", groupName: "web", command: "/bin/web")
        c.startsecs = 0
        c.autorestart = autorestart
        c.liveness = LivenessConfig(kind: .tcp, probe: .tcp(TCPEndpoint(host: "127.0.0.1", port: 80)))
        var sm = ProcessStateMachine(config: c)
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        return sm
    }

    func test_livenessFailed_stopsThenRestarts_asAnUnexpectedExit_evenWithExitCode0() {
        var sm = running()
        XCTAssertEqual(sm.state, .running)
        let out = sm.handle(.livenessFailed(reason: "liveness check (tcp 127.0.0.1:80) failed 3 times in a row (last: x)"), now: t(30))
        XCTAssertEqual(out.first, .log(.warn, "web: liveness check (tcp 127.0.0.1:80) failed 3 times in a row (last: x); stopping it"))
        XCTAssertTrue(out.contains(.signal(term, toGroup: false)))
        let exit = sm.handle(.exited(.exited(code: 0)), now: t(30.2))
        XCTAssertEqual(exit.filter { $0 != .cancelTimer }.prefix(3), [
            .stateChanged(from: .stopping, to: .exited),
            .log(.warn, "exited: web (exit status 0; not expected: liveness)"),
            .stateChanged(from: .exited, to: .starting),
        ])
        XCTAssertEqual(sm.state, .starting)
        XCTAssertEqual(sm.transitions.first { $0.to == .exited }?.expected, false, "PROCESS_STATE_EXITED says expected=0")
    }

    func test_livenessFailed_withAutorestartFalse_staysExited_andAStopMeanwhileIsAStop() {
        var sm = running(autorestart: .never)
        _ = sm.handle(.livenessFailed(reason: "r"), now: t(30))
        _ = sm.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(30.1))
        XCTAssertEqual(sm.state, .exited)
        var stopped = running()
        _ = stopped.handle(.livenessFailed(reason: "r"), now: t(30))
        _ = stopped.handle(.stop, now: t(30.05))
        _ = stopped.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(30.1))
        XCTAssertEqual(stopped.state, .stopped)
    }

    func test_livenessFailed_outsideRunning_isIgnored() {
        var sm = ProcessStateMachine(config: ProcessConfig(name: "w", programName: "w", groupName: "w", command: "/bin/w"))
        XCTAssertEqual(sm.handle(.livenessFailed(reason: "r"), now: t(0)), [])
    }
}
