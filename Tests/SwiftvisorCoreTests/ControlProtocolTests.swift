import XCTest
@testable import SwiftvisorCore

final class ControlProtocolTests: XCTestCase {
    func decode(_ line: String) -> Result<ControlRequest, ControlFault>? {
        ControlRequest.decode(Array(line.utf8))
    }

    func test_encoding_escapesSpacesPercentControlsAndNonASCII_andRoundTrips() {
        let raw: [UInt8] = Array("a b%c\n\té".utf8) + [0x00, 0x7F, 0xFF]
        var enc: [UInt8] = []
        ControlEncoding.encode(raw, into: &enc)
        XCTAssertEqual(String(decoding: enc, as: UTF8.self), "a%20b%25c%0A%09%C3%A9%00%7F%FF")
        XCTAssertEqual(ControlEncoding.decode(enc), raw)
    }

    func test_decode_rejectsTruncatedOrNonHexEscapes() {
        XCTAssertNil(ControlEncoding.decode(Array("ab%2".utf8)))
        XCTAssertNil(ControlEncoding.decode(Array("%zz".utf8)))
        XCTAssertEqual(ControlEncoding.decode(Array("%2f%2F".utf8)), Array("//".utf8))
    }

    func test_requestDecode_handTypedStatusWithGlob_andTrailingCR() {
        XCTAssertEqual(try decode("status web worker:*\r")?.get(), .status(names: ["web", "worker:*"]))
        XCTAssertEqual(try decode("  status\t web  ")?.get(), .status(names: ["web"]))
    }

    func test_requestDecode_blankLineIsIgnored() {
        XCTAssertNil(decode(""))
        XCTAssertNil(decode("   \r"))
    }

    func test_everyRequest_roundTripsThroughItsWireLine() throws {
        let requests: [ControlRequest] = [
            .auth(user: "admin", password: "p w%d"), .version, .pid, .status(names: []), .status(names: ["a", "g:*"]),
            .start(names: ["a", "b"], wait: true), .start(names: ["--weird"], wait: false), .start(names: ["--x"], wait: true),
            .stop(names: ["all"]), .signal(signal: "HUP", names: ["g:"]), .clear(names: ["x"]),
            .readLog(name: "web", channel: .stderr, offset: -1600, length: 0), .readMainLog(offset: 5, length: 10),
            .follow([.mainLog]), .follow([.process(name: "web", channel: .stdout), .process(name: "w:w_1", channel: .stderr)]),
            .sendStdin(name: "cat", data: [0x00, 0x0A, 0xFF, 0x20]), .reread, .add(groups: ["g"]), .remove(groups: ["g", "h"]),
            .avail, .reload, .shutdown, .quit,
        ]
        for r in requests {
            var line = r.encoded()
            XCTAssertEqual(line.last, 0x0A)
            line.removeLast()
            XCTAssertFalse(line.contains(0x0A), "\(r)")
            XCTAssertEqual(try decode(String(decoding: line, as: UTF8.self))?.get(), r, String(decoding: line, as: UTF8.self))
        }
    }

    func test_requestDecode_unknownVerb_isUnknownMethod() {
        guard case .failure(let f)? = decode("frobnicate x") else { return XCTFail() }
        XCTAssertEqual(f.code, .unknownMethod)
        XCTAssertEqual(f.message, "UNKNOWN_METHOD: frobnicate")
    }

    func test_requestDecode_wrongArgumentCounts_areBadArguments() {
        for line in ["start", "stop", "signal HUP", "clear", "readlog web stdout 1", "readlog web stdboth 0 0",
                     "readlog web stdout x 0", "mainlog 1", "follow", "follow web", "follow web stdin", "stdin web",
                     "version x", "pid x", "reread x", "avail x", "reload x", "shutdown x", "add", "remove", "auth u",
                     "stop --nowait web"] {
            guard case .failure(let f)? = decode(line) else { XCTFail(line); continue }
            XCTAssertEqual(f.code, .badArguments, line)
        }
    }

    func test_requestDecode_badEscape_isBadRequest() {
        guard case .failure(let f)? = decode("status web%4") else { return XCTFail() }
        XCTAssertEqual(f.code, .badRequest)
    }

    func test_changesState_onlyForRequestsThatActOnTheDaemon() {
        XCTAssertTrue(ControlRequest.stop(names: ["web"]).changesState)
        XCTAssertTrue(ControlRequest.shutdown.changesState)
        XCTAssertFalse(ControlRequest.status(names: []).changesState)
        XCTAssertFalse(ControlRequest.follow([.mainLog]).changesState)
    }

    func test_auditLine_namesRequestUidAndPid_neverThePassword() {
        let peer = PeerCredentials(pid: 4242, uid: 1000, gid: 1000)
        XCTAssertEqual(peer.auditLine(for: .stop(names: ["web"])), "stop web requested by uid 1000 pid 4242")
        XCTAssertEqual(peer.auditLine(for: .start(names: ["a", "g:*"], wait: true)), "start a g:* requested by uid 1000 pid 4242")
        XCTAssertFalse(peer.auditLine(for: .auth(user: "u", password: "secret")).contains("secret"))
    }

    func test_reply_okWithItems_hasStatusLineItemsAndEndLine() {
        let reply = ControlResponse.ok([.pid(42), .result(NameResult(group: "g", name: nil, code: .badName, description: "BAD_NAME: g"))])
        XCTAssertEqual(String(decoding: reply.encoded(), as: UTF8.self),
                       "SWV1 OK\npid pid=42\nresult group=g code=10 description=BAD_NAME:%20g\n.\n")
    }

    func test_reply_fault_isStatusLineAndEndLine() {
        let reply = ControlResponse.fault(ControlFault(.shutdownState))
        XCTAssertEqual(String(decoding: reply.encoded(), as: UTF8.self), "SWV1 ERR 6 SHUTDOWN_STATE\n.\n")
    }

    func test_everyItem_roundTrips() throws {
        let snap = ProcessSnapshot(name: "w_1", group: "w", state: 20, statename: "RUNNING", pid: 7, start: 100, stop: 0, now: 105,
                                   spawnerr: "", exitstatus: 0, description: "pid 7, uptime 0:00:05",
                                   stdoutLogfile: "/l o g", stderrLogfile: "", command: "sleep 1", priority: 5, autostart: true,
                                   backoff: 0, stdoutBytes: 12, stderrBytes: nil, extra: [ControlField("pidfd", "9")])
        let items: [ControlItem] = [
            .process(snap),
            .process(ProcessSnapshot(name: "x", group: "x", state: 0, statename: "STOPPED")),
            .result(NameResult(group: "g", name: "p", code: .spawnError, description: "SPAWN_ERROR: g:p", arg: "g:p")),
            .result(NameResult(group: "g", name: nil, code: .badName, description: "BAD_NAME: g")),
            .pid(1), .log([0, 10, 13, 255, 32]), .change(ConfigChange(.removed, group: "old")),
            .config(ConfigInfo(group: "g", name: "p", inuse: true, autostart: false, groupPriority: 1, processPriority: 2)),
            .version(VersionInfo(supervisor: "4.3.0", server: "swiftvisord 0.1")),
            .data(target: 3, bytes: Array("line\n".utf8)),
            .other(type: "future", fields: [ControlField("k", "v v")]),
        ]
        for item in items {
            var line = item.encoded()
            XCTAssertEqual(line.removeLast(), 0x0A)
            XCTAssertEqual(try ReplyLine.decodeBody(line), .item(item))
        }
    }

    func test_statusLineDecode_versions() throws {
        XCTAssertEqual(try ReplyLine.decodeStatus(Array("SWV1 OK".utf8)), .ok)
        XCTAssertEqual(try ReplyLine.decodeStatus(Array("SWV1 STREAM".utf8)), .stream)
        XCTAssertEqual(try ReplyLine.decodeStatus(Array("SWV1 ERR 92 CANT_REREAD:%20bad%20line".utf8)),
                       .fault(ControlFault(code: .cantReread, message: "CANT_REREAD: bad line")))
        XCTAssertThrowsError(try ReplyLine.decodeStatus(Array("SWV2 OK".utf8))) {
            XCTAssertEqual($0 as? ReplyLine.DecodeError, .wrongVersion("SWV2"))
        }
        XCTAssertThrowsError(try ReplyLine.decodeStatus(Array("HTTP/1.0 501 Not Implemented".utf8)))
    }

    func test_bodyDecode_endLine_andMalformedItems() throws {
        XCTAssertEqual(try ReplyLine.decodeBody(Array(".".utf8)), .end)
        XCTAssertThrowsError(try ReplyLine.decodeBody(Array("process name".utf8)))
        XCTAssertThrowsError(try ReplyLine.decodeBody(Array("pid pid=x".utf8)))
        XCTAssertThrowsError(try ReplyLine.decodeBody(Array("".utf8)))
    }

    func test_faultString_isSupervisordsFormat() {
        XCTAssertEqual(ControlFault(.badName, "web").message, "BAD_NAME: web")
        XCTAssertEqual(ControlFault(.shutdownState).message, "SHUTDOWN_STATE")
        XCTAssertEqual(FaultCode(999).name, "FAULT_999")
    }
}
