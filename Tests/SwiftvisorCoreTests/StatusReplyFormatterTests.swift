import XCTest
@testable import SwiftvisorCore

final class StatusReplyFormatterTests: XCTestCase {
    /// `s` with the first `a` replaced by `b`.
    func swap(_ s: String, _ a: String, _ b: String) -> String {
        let chars = Array(s), pattern = Array(a)
        guard let i = (0...(chars.count - pattern.count)).first(where: { Array(chars[$0..<($0 + pattern.count)]) == pattern }) else { return s }
        return String(chars[..<i]) + b + String(chars[(i + pattern.count)...])
    }

    func wire(_ snaps: [ProcessSnapshot]) -> [UInt8] {
        snaps.flatMap { ControlItem.process($0).encoded() }
    }

    /// What the ordinary path prints for the same snapshots.
    func expected(_ snaps: [ProcessSnapshot]) -> [UInt8] {
        Array(StatusFormatter.statusLines(snaps).map { $0 + "\n" }.joined().utf8)
    }

    func test_lines_areStatusFormattersBytes_forEveryStateAndWidth() {
        let long = String(repeating: "n", count: 41)
        var full = ProcessSnapshot(name: "w 1", group: "pool", state: 20, statename: "RUNNING", pid: 42, start: 1, now: 9,
                                   description: "pid 42, uptime 0:00:05", stdoutLogfile: "/var/log/a b.log",
                                   command: "sleep infinity", priority: 999, autostart: true, backoff: 0, stdoutBytes: 12)
        full.extra = [ControlField("process_count", "3")]
        let sets: [[ProcessSnapshot]] = [
            [full],
            [ProcessSnapshot(name: "idle", group: "idle", state: 0, statename: "STOPPED", description: "Not started"),
             ProcessSnapshot(name: "s", group: "s", state: 10, statename: "STARTING"),
             ProcessSnapshot(name: long, group: "g%=x", state: 200, statename: "FATAL", description: "can't find command 'x%y'")],
            [ProcessSnapshot(name: "e", group: "e", state: 100, statename: "EXITED", description: "Dec 07 12:00 AM")],
            [],
        ]
        for snaps in sets {
            let lines = StatusReplyFormatter.lines(wire(snaps))
            XCTAssertEqual(lines?.output, expected(snaps))
            XCTAssertEqual(lines?.anyStopped, snaps.contains(where: \.isStopped))
        }
    }

    func test_lines_namesAreComparedDecoded_asTheItemDecoderDoes() {
        // `%70` is `p`: group and name are equal, the namespec is `p` alone.
        let body = Array("process name=%70 group=p state=20 statename=RUNNING description=x\n".utf8)
        XCTAssertEqual(StatusReplyFormatter.lines(body)?.output, Array(("p" + String(repeating: " ", count: 32) + "RUNNING   x\n").utf8))
        // The first of a repeated key counts.
        let twice = Array("process name=a group=a state=0 state=20 statename=STOPPED statename=RUNNING description=d description=e\n".utf8)
        XCTAssertEqual(StatusReplyFormatter.lines(twice), .init(output: Array(("a" + String(repeating: " ", count: 32) + "STOPPED   d\n").utf8), anyStopped: true))
    }

    func test_lines_leaveToTheOrdinaryPath_whatTheyDoNotPrintExactly() {
        let ok = "process name=a group=a state=20 statename=RUNNING description=x"
        for odd in [
            ok + "\r\n",                                            // hand-typed line end
            swap(ok, " group", "  group") + "\n", // two spaces
            ok + " junk\n",                                         // a word without `=`
            ok + " k=%4\n", ok + " k=%zz\n", ok + " k=%\n",         // escapes that do not decode
            swap(ok, "name=a", "name=%C3%A9") + "\n", // not ASCII
            swap(ok, "state=20", "state=+20") + "\n",
            swap(ok, "state=20", "state=12345678901234567890") + "\n",
            swap(ok, " description=x", "") + "\n", // the decoder's default
            "result group=zz code=10 description=BAD_NAME arg=zz\n",
            "process\n", "process \n", "proc\n",
            ok,                                                     // no final newline
        ] {
            XCTAssertNil(StatusReplyFormatter.lines(Array(odd.utf8)), odd)
        }
        // Raw bytes the daemon never sends (>= 0x80, a tab) stop the scan too.
        XCTAssertNil(StatusReplyFormatter.lines(Array(ok.utf8) + [0xC3, 0xA9, 0x0A]))
        XCTAssertNil(StatusReplyFormatter.lines(Array((ok + "\tz=1\n").utf8)))
    }

    func test_lines_anyTruncationOfAReply_neitherTrapsNorPrintsAPartialLine() {
        let body = wire([ProcessSnapshot(name: "web", group: "web", state: 20, statename: "RUNNING", pid: 7, description: "pid 7, uptime 0:00:03"),
                         ProcessSnapshot(name: "a%b", group: "g", state: 0, statename: "STOPPED", description: "Not started")])
        let firstLine = body.firstIndex(of: 0x0A)! + 1
        for n in 0..<body.count {
            let lines = StatusReplyFormatter.lines(Array(body[..<n]))
            if n == 0 || n == firstLine {
                XCTAssertNotNil(lines, "\(n)")
            } else {
                XCTAssertNil(lines, "\(n)")
            }
        }
    }

    func test_undecodedReply_decodesLineByLine_andRefusesGarbage() {
        let items: [ControlItem] = [.process(ProcessSnapshot(name: "a", group: "a", state: 0, statename: "STOPPED")), .pid(3)]
        XCTAssertEqual(UndecodedReply(status: .ok, items: items.flatMap { $0.encoded() }).decoded(), items)
        XCTAssertNil(UndecodedReply(status: .ok, items: Array("process name=%zz\n".utf8)).decoded())
        XCTAssertNil(UndecodedReply(status: .ok, items: Array("pid pid=3".utf8)).decoded())
        XCTAssertEqual(UndecodedReply(status: .ok, items: []).decoded(), [])
    }

    func test_endLine_isWhatDecodeBodyCallsTheEnd() {
        for line in [".", " . ", ".\r", "\t.", ". .", "..", ".\r.", "", "\r", "x"] {
            let bytes = Array(line.utf8)
            XCTAssertEqual(ReplyLine.isEnd(bytes), (try? ReplyLine.decodeBody(bytes)) == .end, line)
        }
    }
}
