import XCTest
@testable import SwiftvisorCore

/// The listener protocol exactly as dispatchers.py 4.3.0 reads it.
final class ListenerProtocolTests: XCTestCase {
    let unknownLine = ListenerProtocol.Action.log(.warn, "l: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol")
    func change(_ a: String, _ b: String) -> ListenerProtocol.Action { .log(.debug, "l: \(a) -> \(b)") }
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func test_ready_onlyOnExactToken_evenSplitAcrossReads() {
        var p = ListenerProtocol(name: "l")
        XCTAssertEqual(p.received(bytes("REA")), [])
        XCTAssertEqual(p.received(bytes("DY\n")), [change("ACKNOWLEDGED", "READY")])
        XCTAssertEqual(p.state, .ready)
        for bad in ["READY\r\n", "ready\n", "hello world\n"] {
            var q = ListenerProtocol(name: "l")
            XCTAssertEqual(q.received(bytes(bad)), [change("ACKNOWLEDGED", "UNKNOWN"), unknownLine], bad)
            XCTAssertEqual(q.state, .unknown)
            XCTAssertEqual(q.received(bytes("READY\n")), [], "UNKNOWN ignores everything")
        }
    }

    func test_anyByteWhileReady_isViolation() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("READY\n"))
        XCTAssertEqual(p.received(bytes("x")), [change("READY", "UNKNOWN"), unknownLine])
        var q = ListenerProtocol(name: "l")
        XCTAssertEqual(q.received(bytes("READY\nREADY\n")), [change("ACKNOWLEDGED", "READY"), change("READY", "UNKNOWN"), unknownLine])
    }

    func test_resultOK_thenReadyInSameWrite() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("READY\n"))
        p.sent()
        XCTAssertEqual(p.received(bytes("RESULT 2\nOKREADY\n")), [
            .log(.debug, "l: event was processed"), change("BUSY", "ACKNOWLEDGED"), .eventDone, change("ACKNOWLEDGED", "READY"),
        ])
        XCTAssertEqual(p.state, .ready)
    }

    func test_onlyExactOK_isSuccess_otherBodiesReject() {
        for body in ["FAIL", "ok", "OK\n", "OKAY", ""] {
            var p = ListenerProtocol(name: "l")
            _ = p.received(bytes("READY\n"))
            p.sent()
            XCTAssertEqual(p.received(bytes("RESULT \(body.utf8.count)\n\(body)")),
                           body.isEmpty ? [] : [.log(.warn, "l: event was rejected"), change("BUSY", "ACKNOWLEDGED"), .requeueEvent], body)
        }
    }

    func test_resultZero_isJudgedWhenTheNextByteArrives() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("READY\n"))
        p.sent()
        XCTAssertEqual(p.received(bytes("RESULT 0\n")), [])
        XCTAssertEqual(p.received(bytes("READY\n")), [.log(.warn, "l: event was rejected"), change("BUSY", "ACKNOWLEDGED"), .requeueEvent, change("ACKNOWLEDGED", "READY")])
    }

    func test_resultLine_pythonIntRules() {
        for (line, ok) in [("RESULT 2", true), ("RESULT  2 \r", true), ("XXXXXX+2", true), ("RESULT 0_2", true),
                           ("RESULT two", false), ("RESULT", false), ("RESULT -1", false), ("RESULT 2__0", false), ("garbage", false)] {
            var p = ListenerProtocol(name: "l")
            _ = p.received(bytes("READY\n"))
            p.sent()
            let out = p.received(bytes(line + "\nOK"))
            if ok {
                XCTAssertEqual(out.last, .eventDone, line)
            } else {
                XCTAssertEqual(out, [.log(.warn, "l: bad result line: '\(line)'"), change("BUSY", "UNKNOWN"), unknownLine, .requeueEvent], line)
            }
        }
    }

    func test_bodyIsCountedInBytes_andSplitReads() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("READY\n"))
        p.sent()
        XCTAssertEqual(p.received(bytes("RESULT 4\nFA")), [])
        XCTAssertEqual(p.state, .busy)
        XCTAssertEqual(p.received(bytes("IL")).last, .requeueEvent)
    }

    func test_longResultLineWithoutNewline_isBoundedAndViolates() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("READY\n"))
        p.sent()
        let out = p.received([UInt8](repeating: 0x41, count: ListenerProtocol.maxResultLine + 1))
        XCTAssertEqual(out.last, .requeueEvent)
        XCTAssertEqual(p.state, .unknown)
        XCTAssertEqual(p.bufferedCount, 0)
    }

    func test_hugeBody_isConsumedNotKept() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("READY\n"))
        p.sent()
        _ = p.received(bytes("RESULT 100000\n"))
        _ = p.received([UInt8](repeating: 0x41, count: 99_999))
        XCTAssertLessThanOrEqual(p.bufferedCount, 3)
        XCTAssertEqual(p.received(bytes("A")).last, .requeueEvent)
    }

    func test_spawnedResets() {
        var p = ListenerProtocol(name: "l")
        _ = p.received(bytes("junk!!\n"))
        p.spawned()
        XCTAssertEqual(p.state, .acknowledged)
        XCTAssertEqual(p.received(bytes("READY\n")), [change("ACKNOWLEDGED", "READY")])
    }

    func test_supervisorStdoutHandler_printsPrefixedLines_orErrors() {
        var p = ListenerProtocol(name: "l", handler: .supervisorStdout)
        _ = p.received(bytes("READY\n"))
        p.sent()
        let body = "processname:web groupname:web pid:5 channel:stdout\nhello\nworld"
        XCTAssertEqual(p.received(bytes("RESULT \(body.utf8.count)\n\(body)")), [
            .output(bytes("web stdout | hello\nweb stdout | world\n")), .log(.debug, "l: event was processed"), change("BUSY", "ACKNOWLEDGED"), .eventDone,
        ])
        _ = p.received(bytes("READY\n"))
        p.sent()
        XCTAssertEqual(p.received(bytes("RESULT 2\nOK")), [.log(.warn, "l: event caused an error"), change("BUSY", "UNKNOWN"), unknownLine, .requeueEvent])
        XCTAssertEqual(ResultHandler(spec: "supervisor_stdout:event_handler"), .supervisorStdout)
        XCTAssertEqual(ResultHandler(spec: "supervisor.dispatchers:default_handler"), .standard)
        XCTAssertNil(ResultHandler(spec: "mymod:handler"))
    }
}
