import XCTest
@testable import SwiftvisorCore

final class LineRegexTests: XCTestCase {
    private func m(_ pattern: String, _ line: String, file: StaticString = #filePath, line l: UInt = #line) -> Bool {
        do { return try LineRegex(pattern).matches(Array(line.utf8)) } catch {
            XCTFail("\(pattern): \(error)", file: file, line: l); return false
        }
    }

    private func refused(_ pattern: String) -> LineRegexError? {
        do { _ = try LineRegex(pattern); return nil } catch { return error }
    }

    func test_literalsAndSearch_matchAnywhereInTheLine() {
        XCTAssertTrue(m("listening on \\d+", "2026 INFO listening on 8080"))
        XCTAssertFalse(m("listening on \\d+", "listening on port"))
        XCTAssertTrue(m("", "anything"))
        XCTAssertTrue(m("abc", "xxabcxx"))
        XCTAssertFalse(m("abd", "abcabc"))
    }

    func test_anchors_bindToTheLineEnds() {
        XCTAssertTrue(m("^ready$", "ready"))
        XCTAssertFalse(m("^ready$", "not ready"))
        XCTAssertFalse(m("^ready$", "ready now"))
        XCTAssertTrue(m("ready$", "now ready"))
        XCTAssertTrue(m("^$", ""))
    }

    func test_repetitionAndOptional() {
        XCTAssertTrue(m("ab*c", "ac"))
        XCTAssertTrue(m("ab*c", "abbbc"))
        XCTAssertFalse(m("ab+c", "ac"))
        XCTAssertTrue(m("ab+c", "abc"))
        XCTAssertTrue(m("colou?r", "color"))
        XCTAssertTrue(m("colou?r", "colour"))
        XCTAssertTrue(m("a.*?z", "a-z"))
        XCTAssertTrue(m("(a*)*b", "aaab"))
        XCTAssertTrue(m("()*x", "x"))
    }

    func test_classesAndShorthands() {
        XCTAssertTrue(m("[a-c]x", "bx"))
        XCTAssertFalse(m("^[a-c]x", "dx"))
        XCTAssertTrue(m("^[^a-c]x", "dx"))
        XCTAssertTrue(m("[]]", "]"))
        XCTAssertTrue(m("[a-]", "-"))
        XCTAssertTrue(m("[\\d.]+$", "1.2.3"))
        XCTAssertTrue(m("^\\w+\\s\\S+$", "port_1 ok!"))
        XCTAssertFalse(m("^\\D$", "7"))
        XCTAssertTrue(m("\\W", "a b"))
        XCTAssertTrue(m("a\\.b", "a.b"))
        XCTAssertFalse(m("a\\.b", "axb"))
        XCTAssertTrue(m("\\x41", "A"))
        XCTAssertTrue(m("\\tx", "\tx"))
    }

    func test_alternationAndGroups() {
        XCTAssertTrue(m("ready|listening", "now listening"))
        XCTAssertTrue(m("^(ready|up) (now|soon)$", "up soon"))
        XCTAssertFalse(m("^(ready|up) (now|soon)$", "up later"))
        XCTAssertTrue(m("(?:ab)+$", "xababab"))
        XCTAssertTrue(m("a|", "zzz"))
    }

    func test_nonASCIILiteral_matchesItsBytes() {
        XCTAssertTrue(m("prêt", "serveur prêt"))
    }

    func test_unsupportedSyntax_isRefusedWithItsPosition() {
        XCTAssertEqual(refused("a{2}")?.offset, 1)
        XCTAssertEqual(refused("*a")?.reason, "nothing to repeat")
        XCTAssertEqual(refused("a**")?.reason, "multiple repeat")
        XCTAssertEqual(refused("(ab")?.offset, 0)
        XCTAssertEqual(refused("ab)")?.reason, "unbalanced parenthesis")
        XCTAssertNotNil(refused("[abc"))
        XCTAssertNotNil(refused("[z-a]"))
        XCTAssertNotNil(refused("\\b"))
        XCTAssertNotNil(refused("(a)\\1"))
        XCTAssertNotNil(refused("(?=a)"))
        XCTAssertNotNil(refused("(?i)a"))
        XCTAssertNotNil(refused("a\\"))
        XCTAssertNotNil(refused("\\xZ1"))
        XCTAssertNotNil(refused("[é]"))
        XCTAssertNotNil(refused("^*"))
        XCTAssertNotNil(refused(String(repeating: "(", count: 40) + String(repeating: ")", count: 40)))
        XCTAssertNotNil(refused(String(repeating: "a", count: LineRegex.maxPatternLength + 1)))
        XCTAssertEqual(refused("a{2}")?.description, "at position 2: counted repetition {m,n} is not supported")
    }

    func test_pathologicalPattern_staysLinear() throws {
        // (a*)*b on a line of a's is exponential for a backtracker.
        let r = try LineRegex("^(a|a)*(a*)*b$")
        let line = [UInt8](repeating: UInt8(ascii: "a"), count: LogLineScanner.maxLine)
        XCTAssertFalse(r.matches(line))
    }

    func test_scanner_joinsLinesSplitAcrossReads() throws {
        var s = LogLineScanner(regex: try LineRegex("^listening on \\d+$"))
        XCTAssertFalse(s.feed(Array("boot\nlisten".utf8)))
        XCTAssertFalse(s.feed(Array("ing on 80".utf8)))
        XCTAssertTrue(s.feed(Array("80\r\nmore".utf8)))
    }

    func test_scanner_checksTheFirst4KiBOfALongLine_andSkipsTheRest() throws {
        var s = LogLineScanner(regex: try LineRegex("READY"))
        XCTAssertFalse(s.feed([UInt8](repeating: UInt8(ascii: "x"), count: LogLineScanner.maxLine)))
        XCTAssertFalse(s.feed(Array("READY\n".utf8)), "past 4 KiB of the line")
        XCTAssertTrue(s.feed(Array("READY\n".utf8)), "the next line")
        var t = LogLineScanner(regex: try LineRegex("^x+$"))
        XCTAssertTrue(t.feed([UInt8](repeating: UInt8(ascii: "x"), count: LogLineScanner.maxLine + 10)))
    }
}

final class HealthReportOutputTests: XCTestCase {
    func test_line_showsAnExecCheckOutput_onOneLine() {
        var config = ProcessConfig(name: "api", programName: "api", groupName: "api", command: "/bin/api")
        config.liveness = LivenessConfig(kind: .exec, probe: .exec(command: "check"))
        let fields = HealthReport.fields(config: config, state: .running, waitingFor: nil,
                                         check: .init(liveness: true, failures: 1, last: "exit status 2", output: Array("  a\r\nb\u{1}\tc\n".utf8)),
                                         notifyStatus: nil)
        XCTAssertTrue(fields.contains(ControlField("liveness_output", Array("  a\r\nb\u{1}\tc\n".utf8))))
        var snapshot = ProcessSnapshot(name: "api", group: "api", state: 20, statename: "RUNNING")
        snapshot.extra = fields
        XCTAssertEqual(HealthReport.line(snapshot)?.hasSuffix("liveness exec check: 1 failure (last check: exit status 2) (output: \"a\\nb? c\")"), true,
                       HealthReport.line(snapshot) ?? "nil")
    }
}
