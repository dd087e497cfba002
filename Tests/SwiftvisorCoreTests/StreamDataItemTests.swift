// The fast paths of a follow stream (StreamDataItem, FollowRenderer) against
// the general ones they replace: the same bytes on the wire, the same items
// decoded, the same lines printed, for every byte value and every chunking.
@testable import SwiftvisorCore
import XCTest

final class StreamDataItemTests: XCTestCase {
    /// A deterministic generator (no Foundation, no seedless randomness in tests).
    private struct Lcg {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    private func fastEncoded(_ target: Int, _ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = Array("before".utf8)
        bytes.withUnsafeBytes { StreamDataItem.encode(target: target, bytes: $0, into: &out) }
        return Array(out.dropFirst(6))
    }

    func test_encode_isTheGeneralItemEncoding_forEveryByteValue() {
        let every = (0...255).map { UInt8($0) }
        for (target, bytes) in [(0, []), (7, every), (1023, Array("plain ascii line\n".utf8)), (3, Array("100% sure\r\n".utf8))] {
            XCTAssertEqual(fastEncoded(target, bytes), ControlItem.data(target: target, bytes: bytes).encoded(),
                           "target \(target)")
        }
    }

    func test_decode_ofEncodedItems_givesTheTargetAndBytes_asDecodeBody() throws {
        var g = Lcg(state: 42)
        for round in 0..<200 {
            let bytes = (0..<g.next(300)).map { _ in UInt8(g.next(256)) }
            let target = g.next(2000)
            var line = fastEncoded(target, bytes)
            XCTAssertEqual(line.removeLast(), 0x0A)
            let fast = line.withUnsafeBytes { StreamDataItem.decode($0) }
            XCTAssertEqual(fast?.target, target, "round \(round)")
            XCTAssertEqual(fast?.bytes, bytes, "round \(round)")
            XCTAssertEqual(try ReplyLine.decodeBody(line), .item(.data(target: target, bytes: bytes)))
        }
    }

    func test_decode_leavesEveryOtherLineToTheGeneralPath() {
        // Lines the general decoder reads differently (or not at all): the
        // fast path must not guess.
        for text in [".", "data", "data target=", "data target=x bytes=a", "data target=1", "data target=1 bytes=a b",
                     "data target=1 bytes=a\r", "data target=1 bytes=%4", "data target=1 bytes=%zz", "data bytes=a target=1",
                     "data  target=1 bytes=a", "data target=-1 bytes=a", "data target=1234567890123456789 bytes=a",
                     "log data=a", "data target=1 bytes=\u{e9}",
                     // Long values: the bytes a sender must escape inside eight-byte words.
                     "data target=1 bytes=abcdefgh ijklmnopqrstuvwx", "data target=1 bytes=abcdefghijklmno\u{e9}pqrstuvwxyz",
                     "data target=1 bytes=abcdefghijklmnop\tqrstuvwxyz", "data target=1 bytes=abcdefghijklmnopqrstuvw\r"] {
            let line = Array(text.utf8)
            XCTAssertNil(line.withUnsafeBytes { StreamDataItem.decode($0) }, text)
        }
        let ok = Array("data target=0012 bytes=a%0a%41".utf8)
        let fast = ok.withUnsafeBytes { StreamDataItem.decode($0) }
        XCTAssertEqual(fast?.target, 12)
        XCTAssertEqual(fast?.bytes, Array("a\nA".utf8))
        XCTAssertEqual(try ReplyLine.decodeBody(ok), .item(.data(target: 12, bytes: Array("a\nA".utf8))))
    }

    func test_rawEncodeAndDecode_matchTheBytewisePaths() {
        // Lazy maps have no contiguous storage: they take the
        // per-byte loops, arrays the raw-memory ones.
        var g = Lcg(state: 3)
        for _ in 0..<300 {
            let bytes = (0..<g.next(200)).map { _ in UInt8(g.next(256)) }
            var raw: [UInt8] = [], bytewise: [UInt8] = []
            ControlEncoding.encode(bytes, into: &raw)
            ControlEncoding.encode(bytes.lazy.map { $0 }, into: &bytewise)
            XCTAssertEqual(raw, bytewise)
            // Encoded text with a few bytes replaced: bad escapes and raw bytes too.
            var encoded = raw
            for _ in 0..<g.next(3) where !encoded.isEmpty { encoded[g.next(encoded.count)] = [0x25, 0x41, 0x7A, 0xC3][g.next(4)] }
            XCTAssertEqual(ControlEncoding.decode(encoded), ControlEncoding.decode(encoded.lazy.map { $0 }))
        }
        XCTAssertNil(ControlEncoding.decode(Array("ab%4".utf8)))
        XCTAssertEqual(ControlEncoding.decode(Array("a%41%7a\u{e9}".utf8)), Array("aAz\u{e9}".utf8))
    }

    func test_decodeLog_ofLogItems_asDecodeBody_andOnlyThem() throws {
        let bytes = (0...255).map { UInt8($0) } + Array("line one\nline two\n".utf8)
        var line = ControlItem.log(bytes).encoded()
        line.removeLast()
        XCTAssertEqual(line.withUnsafeBytes { StreamDataItem.decodeLog($0) }, bytes)
        XCTAssertEqual(try ReplyLine.decodeBody(line), .item(.log(bytes)))
        for text in ["log", "log data=a b", "log data=a\r", "log  data=a", "logfile file=0 size=1 id=2", "data target=0 bytes=a"] {
            XCTAssertNil(Array(text.utf8).withUnsafeBytes { StreamDataItem.decodeLog($0) }, text)
        }
    }

    /// The renderer before this change, line by line: the reference output.
    private func referenceRender(_ chunks: [[UInt8]], prefix: [UInt8], keep: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var pending: [UInt8] = []
        func line(_ text: [UInt8]) {
            out += prefix
            out += (!keep && LogTimestamp.parse(text) != nil) ? Array(text[LogTimestamp.width...]) : text
            out.append(0x0A)
        }
        for c in chunks {
            pending += c
            while let nl = pending.firstIndex(of: 0x0A) {
                line(Array(pending[..<nl]))
                pending.removeSubrange(...nl)
            }
        }
        if !pending.isEmpty { line(pending) }
        return out
    }

    func test_followRenderer_printsTheSameLines_howeverTheStreamIsCut() {
        let stamp = "2026-12-06T21:00:00.123456Z "
        var text: [UInt8] = []
        var g = Lcg(state: 7)
        for i in 0..<400 {
            switch g.next(5) {
            case 0: text += Array("\(stamp)stamped \(i)\n".utf8)
            case 1: text += [0x0A]
            case 2: text += Array("\(stamp.prefix(20))short \(i)\n".utf8)
            default: text += (0..<g.next(40)).map { _ in UInt8(0x20 + g.next(90)) } + [0x0A]
            }
        }
        text += Array("unterminated".utf8)
        for keep in [false, true] {
            for prefix in [[], Array("web | ".utf8), Array("\u{1B}[36mweb |\u{1B}[0m ".utf8)] {
                for _ in 0..<20 {
                    var chunks: [[UInt8]] = []
                    var at = 0
                    while at < text.count {
                        let n = min(text.count - at, 1 + g.next(g.next(2) == 0 ? 8 : 600))
                        chunks.append(Array(text[at..<(at + n)]))
                        at += n
                    }
                    var r = FollowRenderer(prefix: prefix, keepTimestamps: keep)
                    var out: [UInt8] = Array("kept ".utf8)
                    for c in chunks { r.feed(c, into: &out) }
                    r.flush(into: &out)
                    XCTAssertEqual(out, Array("kept ".utf8) + referenceRender(chunks, prefix: prefix, keep: keep),
                                   "keep \(keep), \(chunks.count) chunks")
                }
            }
        }
    }

    /// Every byte value (0x8A, 0x0B, 0x09: one bit from `\n`), lines of every
    /// length around the word copies' 32 bytes, prefixes of 8 and 9 bytes
    /// (one word store, or not), chunks ending anywhere near a line's end.
    func test_followRenderer_anyBytes_anyLineLength_anyPrefixLength() {
        var g = Lcg(state: 11)
        var text: [UInt8] = []
        for i in 0..<600 {
            let len = i % 3 == 0 ? g.next(70) : 28 + g.next(8)
            text += (0..<len).map { _ in UInt8(g.next(256)) }.map { $0 == 0x0A ? 0x8A : $0 } + [0x0A]
        }
        for prefix in [Array("12345678".utf8), Array("123456789".utf8), Array("a".utf8)] {
            for _ in 0..<10 {
                var chunks: [[UInt8]] = []
                var at = 0
                while at < text.count {
                    let n = min(text.count - at, 1 + g.next(g.next(2) == 0 ? 40 : 3000))
                    chunks.append(Array(text[at..<(at + n)]))
                    at += n
                }
                var r = FollowRenderer(prefix: prefix, keepTimestamps: false)
                var out: [UInt8] = []
                for c in chunks { r.feed(c, into: &out) }
                r.flush(into: &out)
                XCTAssertEqual(out, referenceRender(chunks, prefix: prefix, keep: false), "\(chunks.count) chunks")
            }
        }
    }
}
