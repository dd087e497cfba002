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
            .stop(names: ["all"]), .stop(names: ["--y", "g:*"], wait: false), .signal(signal: "HUP", names: ["g:"]), .clear(names: ["x"]),
            .tailLog(name: "web", channel: .stdout, offset: -5, length: 3), .clearMainLog,
            .remoteComm(type: "", data: ""), .remoteComm(type: "t y", data: "=a\nb"),
            .readLog(name: "web", channel: .stderr, offset: -1600, length: 0), .readMainLog(offset: 5, length: 10),
            .follow([.mainLog]), .follow([.process(name: "web", channel: .stdout), .process(name: "w:w_1", channel: .stderr)]),
            .followFrom([.process(name: "--web", channel: .stdout)], offsets: [7]),
            .followRaw([.process(name: "web", channel: .stdout), .process(name: "--w", channel: .stderr)], offsets: [0, 12]),
            .followRaw([.process(name: "web", channel: .stdout)], offsets: nil),
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
                     "signal --nowait HUP web", "taillog web stdout 1", "taillog web stdout x 0", "clearlog x", "stop --nowait",
                     "remotecomm t d", "remotecomm =t", "remotecomm =t =d =e"] {
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
            .version(VersionInfo(supervisor: "4.3.0", server: "swiftvisord 0.1")), .version(VersionInfo(supervisor: "4.3.0", server: "s", identifier: "host a")),
            .data(target: 3, bytes: Array("line\n".utf8)),
            .other(type: "future", fields: [ControlField("k", "v v")]),
        ]
        for item in items {
            var line = item.encoded()
            XCTAssertEqual(line.removeLast(), 0x0A)
            XCTAssertEqual(try ReplyLine.decodeBody(line), .item(item))
        }
    }

    func test_processItem_wireLine_isExact() {
        let snap = ProcessSnapshot(name: "w 1", group: "caf\u{e9}", state: 20, statename: "RUNNING", pid: 7, start: Int.min, stop: -5,
                                   now: Int.max, spawnerr: "%x", exitstatus: 0, description: "pid 7, uptime 0:00:05",
                                   stdoutLogfile: "/l\no", stderrLogfile: "", command: "sleep 1", priority: -1, autostart: false,
                                   backoff: 0, stdoutBytes: nil, stderrBytes: 12, extra: [ControlField("process_count", [0x00, 0x41])])
        XCTAssertEqual(String(decoding: ControlItem.process(snap).encoded(), as: UTF8.self),
                       "process name=w%201 group=caf%C3%A9 state=20 statename=RUNNING pid=7 start=-9223372036854775808 stop=-5 "
                       + "now=9223372036854775807 spawnerr=%25x exitstatus=0 description=pid%207,%20uptime%200:00:05 "
                       + "stdout_logfile=/l%0Ao stderr_logfile= command=sleep%201 priority=-1 autostart=0 backoff=0 stderr_bytes=12 "
                       + "process_count=%00A\n")
        XCTAssertEqual(String(decoding: ControlItem.process(ProcessSnapshot(name: "x", group: "x", state: 0, statename: "STOPPED")).encoded(), as: UTF8.self),
                       "process name=x group=x state=0 statename=STOPPED pid=0 start=0 stop=0 now=0 spawnerr= exitstatus=0 description= stdout_logfile= stderr_logfile=\n")
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

    /// Found by the ctl fuzz target: an unknown item type is kept raw, and one
    /// ending in `\r` lost it when re-encoded and decoded again. A type that is
    /// not a printable word is now malformed; a printable unknown one round-trips.
    func test_bodyDecode_itemTypeWithControlBytes_isMalformed() throws {
        XCTAssertThrowsError(try ReplyLine.decodeBody(Array("res\0\r\r".utf8)))
        XCTAssertThrowsError(try ReplyLine.decodeBody([0x72, 0xFF, 0x20, 0x61, 0x3D, 0x31]))
        let other = try ReplyLine.decodeBody(Array("future k=v%0D".utf8))
        XCTAssertEqual(other, .item(.other(type: "future", fields: [ControlField("k", Array("v\r".utf8))])))
        guard case .item(let item) = other else { return XCTFail("\(other)") }
        XCTAssertEqual(try ReplyLine.decodeBody(item.encoded().dropLast()), other)
    }

    func test_faultString_isSupervisordsFormat() {
        XCTAssertEqual(ControlFault(.badName, "web").message, "BAD_NAME: web")
        XCTAssertEqual(ControlFault(.shutdownState).message, "SHUTDOWN_STATE")
        XCTAssertEqual(FaultCode(999).name, "FAULT_999")
    }
}

/// readlog/mainlog ranges: supervisord's readFile rules, every number a client
/// can send handled without overflow, clamped to the file and the read bound.
final class LogReadRangeTests: XCTestCase {
    func r(_ offset: Int, _ length: Int, size: Int64 = 10, limit: Int = 1 << 20) -> LogReadRange? {
        try? LogReadRange.clamp(offset: offset, length: length, size: size, limit: limit)
    }

    func test_supervisordRules() {
        XCTAssertEqual(r(-4, 0), LogReadRange(start: 6, count: 4))
        XCTAssertEqual(r(-100, 0), LogReadRange(start: 0, count: 10))
        XCTAssertEqual(r(2, 3), LogReadRange(start: 2, count: 3))
        XCTAssertEqual(r(7, 0), LogReadRange(start: 7, count: 3))
        XCTAssertEqual(r(20, 0), LogReadRange(start: 10, count: 0))
        XCTAssertNil(r(-1, 5), "negative offset with a length: BAD_ARGUMENTS")
        XCTAssertNil(r(0, -5), "negative length: BAD_ARGUMENTS")
    }

    func test_extremeNumbers_neverOverflow_andStayWithinTheFile() {
        XCTAssertEqual(r(Int.min, 0), LogReadRange(start: 0, count: 10))
        XCTAssertEqual(r(Int.min + 1, 0), LogReadRange(start: 0, count: 10))
        XCTAssertEqual(r(0, Int.max), LogReadRange(start: 0, count: 10))
        XCTAssertEqual(r(Int.max, Int.max), LogReadRange(start: 10, count: 0))
        XCTAssertEqual(r(0, 8_000_000_000), LogReadRange(start: 0, count: 10))
        XCTAssertNil(r(Int.min, Int.max))
        XCTAssertNil(r(Int.max, Int.min))
        XCTAssertEqual(r(-1, 0, size: 0), LogReadRange(start: 0, count: 0))
    }

    func test_readBound_keepsTheNewestBytesOfATail_andTheFirstOfAForwardRead() {
        let big: Int64 = 5_000_000_000
        XCTAssertEqual(r(Int.min, 0, size: big, limit: 100), LogReadRange(start: big - 100, count: 100))
        XCTAssertEqual(r(0, 0, size: big, limit: 100), LogReadRange(start: 0, count: 100))
        XCTAssertEqual(r(7, Int.max, size: big, limit: 100), LogReadRange(start: 7, count: 100))
    }
}

final class AuditLineEscapingTests: XCTestCase {
    /// A name a client sent is written as on the wire: a newline, a control
    /// byte, a space or `%` can never start a forged main-log line.
    func test_auditLine_escapesEveryByteThatCouldForgeALine() {
        guard case .success(let req)? = ControlRequest.decode(Array("stop web%0A2026-01-01%2000:00:00,000%20INFO%20forged%1B[0m%25 x".utf8)) else {
            return XCTFail("decode")
        }
        let line = PeerCredentials(pid: 1, uid: 2, gid: 3).auditLine(for: req)
        XCTAssertEqual(line, "stop web%0A2026-01-01%2000:00:00,000%20INFO%20forged%1B[0m%25 x requested by uid 2 pid 1")
        XCTAssertFalse(line.utf8.contains { $0 < 0x20 || $0 == 0x7F })
        let stdin = PeerCredentials(pid: 1, uid: 2, gid: 3).auditLine(for: .sendStdin(name: "a\nb", data: [1, 2]))
        XCTAssertEqual(stdin, "stdin a%0Ab (2 bytes) requested by uid 2 pid 1")
    }
}
