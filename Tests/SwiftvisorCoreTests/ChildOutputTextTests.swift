import XCTest
@testable import SwiftvisorCore

final class ChildOutputTextTests: XCTestCase {
    func test_stripANSI_removesColourAndCursorSequences() {
        XCTAssertEqual(ChildOutputText.stripANSI(Array("\u{1B}[31mred\u{1B}[0m plain\u{1B}[2K\n".utf8)), Array("red plain\n".utf8))
        XCTAssertEqual(ChildOutputText.stripANSI(Array("a\u{1B}[1;32;40mb".utf8)), Array("ab".utf8))
        XCTAssertEqual(ChildOutputText.stripANSI(Array("no escapes".utf8)), Array("no escapes".utf8))
        XCTAssertEqual(ChildOutputText.stripANSI(Array("lone \u{1B} esc".utf8)), Array("lone \u{1B} esc".utf8))
    }

    func test_mainLogEcho_matchesSupervisordsDebugLine() {
        XCTAssertEqual(ChildOutputText.mainLogEcho(processName: "web", channel: "stdout", data: Array("hi\n".utf8)), "'web' stdout output:\nhi\n")
        XCTAssertEqual(ChildOutputText.mainLogEcho(processName: "web", channel: "stderr", data: [0x88, 0x0A]), "'web' stderr output:\nUndecodable: b'\\x88\\n'")
    }

    func test_bytesRepr_quotesLikePython() {
        XCTAssertEqual(ChildOutputText.bytesRepr(Array("it's".utf8)), "b\"it's\"")
        XCTAssertEqual(ChildOutputText.bytesRepr(Array("a'\"b".utf8)), "b'a\\'\"b'")
        XCTAssertEqual(ChildOutputText.bytesRepr([0x00, 0x7F, 0x5C]), "b'\\x00\\x7f\\\\'")
    }
}
