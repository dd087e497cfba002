import XCTest
@testable import SwiftvisorCore

final class RawFollowFrameTests: XCTestCase {
    private func steps(_ bytes: [UInt8], from start: Int = 0) -> [RawFollowFrame.Step] {
        var out: [RawFollowFrame.Step] = []
        var at = start
        while true {
            let step = bytes.withUnsafeBytes { RawFollowFrame.next(in: $0, from: at) }
            out.append(step)
            switch step {
            case .frame(_, _, let next), .line(_, let next): at = next
            case .needMore, .malformed: return out
            }
        }
    }

    private func frame(_ target: Int, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        RawFollowFrame.appendHeader(target: target, length: payload.count, into: &out)
        return out + payload
    }

    func test_header_isTheDocumentedLine() {
        var out: [UInt8] = []
        RawFollowFrame.appendHeader(target: 3, length: 131072, into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "chunk target=3 length=131072\n")
    }

    func test_frames_carryAnyBytes_newlinesAndHeaderLookalikesIncluded() {
        let tricky = Array("a\nchunk target=9 length=1\n\n.\n".utf8) + [0x00, 0xFF, 0x25]
        let wire = frame(0, tricky) + frame(1, []) + frame(2, Array("x".utf8)) + Array(".\n".utf8)
        let got = steps(wire)
        guard got.count == 5, case .frame(0, let a, _) = got[0], case .frame(1, let b, _) = got[1],
              case .frame(2, let c, _) = got[2], case .line(let end, let next) = got[3] else { return XCTFail("\(got)") }
        XCTAssertEqual(Array(wire[a]), tricky)
        XCTAssertTrue(b.isEmpty)
        XCTAssertEqual(Array(wire[c]), Array("x".utf8))
        XCTAssertEqual(Array(wire[end]), Array(".".utf8))
        XCTAssertEqual(next, wire.count)
        XCTAssertEqual(got[4], .needMore)
    }

    func test_incompleteHeaderOrPayload_needsMore_atEveryCut() {
        let wire = frame(4, Array("hello\nworld\n".utf8)) + frame(5, Array("!".utf8))
        let whole = steps(wire)
        for cut in 0...wire.count {
            // What a prefix yields is a prefix of the whole parse, then needMore.
            let part = steps(Array(wire[..<cut]))
            XCTAssertEqual(part.last, .needMore, "cut \(cut)")
            XCTAssertEqual(Array(part.dropLast()), Array(whole.prefix(part.count - 1)), "cut \(cut)")
        }
    }

    func test_otherLines_areReplyLines_andLooseHeadersAreMalformed() {
        XCTAssertEqual(steps(Array("data target=0 bytes=x\n".utf8)).first, .line(0..<21, next: 22))
        for bad in ["chunk target=0 length=\n", "chunk target=0  length=1\n", "chunk target=-1 length=1\n",
                    "chunk target=0 length=1 x=2\n", "chunk length=1 target=0\n", "chunk target=0 length=1\r\n",
                    "chunk target=0 length=1234567890\n", "chunk target=0 length=\(RawFollowFrame.maxLength + 1)\n"] {
            XCTAssertEqual(steps(Array(bad.utf8)), [.malformed], bad)
        }
    }

    func test_startOutsideTheBytes_needsMore() {
        XCTAssertEqual(steps([], from: 0), [.needMore])
        XCTAssertEqual(steps(Array("x\n".utf8), from: 5), [.needMore])
        XCTAssertEqual(steps(Array("x\n".utf8), from: -1), [.needMore])
    }
}
