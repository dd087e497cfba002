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
            .output(.print(bytes("web stdout | hello\nworld"))), .log(.debug, "l: event was processed"), change("BUSY", "ACKNOWLEDGED"), .eventDone,
        ])
        _ = p.received(bytes("READY\n"))
        p.sent()
        XCTAssertEqual(p.received(bytes("RESULT 2\nOK")), [.log(.warn, "l: event caused an error"), change("BUSY", "UNKNOWN"), unknownLine, .requeueEvent])
        XCTAssertEqual(ResultHandler(spec: "supervisor_stdout:event_handler"), .supervisorStdout)
        XCTAssertEqual(ResultHandler(spec: "supervisor.dispatchers:default_handler"), .standard)
        XCTAssertNil(ResultHandler(spec: "mymod:handler"))
    }

    /// What the real handler printed under Python 2.7.18 for the chunks
    /// `one\ntwo\n`, `partial`, `next\n`, `a\n\nb`, `` and `x\n`, in a row.
    func test_supervisorStdoutHandler_printsAsPython2Does_softSpaceIncluded() {
        var softspace = false
        var out: [UInt8] = []
        for data in ["one\ntwo\n", "partial", "next\n", "a\n\nb", "", "x\n"] {
            let body = bytes("processname:web groupname:web pid:5 channel:stdout\n" + data)
            guard case .processed(.print(let printed)?) = ResultHandler.supervisorStdout.judge(body, length: body.count) else { return XCTFail(data) }
            out += ResultHandler.python2Print(printed, softspace: &softspace)
        }
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       "web stdout | one\ntwo\nweb stdout | partial web stdout | next\nweb stdout | a\n\nb web stdout |  web stdout | x\n")
    }

    /// Expected bytes: what supervisor-stdlog 0.7.9's real `log_handler`
    /// wrote for the same bodies in a row (run under Python 3.11).
    func test_supervisorStdlogFormatter_writesWhatTheRealHandlerWrites() {
        var f = StdlogFormatter()
        let bodies = [
            "processname:web groupname:web pid:5 channel:stdout\nhello\n",
            "processname:worker_long groupname:w pid:6 channel:stderr\nerr\n\nline",
            "processname:web groupname:web pid:5 channel:stdout\ntwo\nlines\n",
            "processname:x groupname:x\nno channel",  // raises after taking a colour
            "processname:ab groupname:ab pid:7 channel:other\n\n",
            "nonewline",
        ]
        let out = bodies.map { f.format(bytes($0)).map { ($0.0, String(decoding: $0.1, as: UTF8.self)) } }
        XCTAssertEqual(out[0]?.0, .stdout)
        XCTAssertEqual(out[0]?.1, "\u{1B}[36mweb | \u{1B}[37mhello\u{1B}[m\n")
        XCTAssertEqual(out[1]?.0, .stderr)
        XCTAssertEqual(out[1]?.1, "\u{1B}[33mworker_long | \u{1B}[31merr\u{1B}[m\n\u{1B}[33mworker_long | \u{1B}[31m\u{1B}[m\n\u{1B}[33mworker_long | \u{1B}[31mline\u{1B}[m\n")
        XCTAssertEqual(out[2]?.1, "\u{1B}[36mweb         | \u{1B}[37mtwo\u{1B}[m\n\u{1B}[36mweb         | \u{1B}[37mlines\u{1B}[m\n")
        XCTAssertNil(out[3])
        XCTAssertEqual(out[4]?.0, .stdout)
        XCTAssertEqual(out[4]?.1, "\u{1B}[34mab          | \u{1B}[34m\u{1B}[m\n")
        XCTAssertNil(out[5])
        XCTAssertEqual(ResultHandler(spec: "supervisor_stdlog:log_handler"), .supervisorStdlog)
        XCTAssertEqual(ResultHandler.supervisorStdlog.judge(bytes("anything"), length: 8), .processed(output: .stdlog(bytes("anything"))))
    }
}
