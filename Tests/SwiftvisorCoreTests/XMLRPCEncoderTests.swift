import XCTest
@testable import SwiftvisorCore

final class XMLRPCEncoderTests: XCTestCase {
    private func assertBytes(_ got: [UInt8], _ expected: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(String(decoding: got, as: UTF8.self), String(decoding: expected, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(got, expected, file: file, line: line)
    }

    func test_responses_byteForByteAsSupervisord430() {
        let cases: [(XMLRPCValue, [UInt8])] = [
            (.string("hello"), Captured430.response_string),
            (.string(""), Captured430.response_emptyString),
            (.string("a&b<c>d \"q\" 'a'"), Captured430.response_escapedString),
            (.string("café ☃ 😀"), Captured430.response_nonASCII),
            (.int(42), Captured430.response_int),
            (.int(-2147483648), Captured430.response_negativeInt),
            (.int(2147483647), Captured430.response_maxInt),
            (.bool(true), Captured430.response_true),
            (.bool(false), Captured430.response_false),
            (.double(1.5), Captured430.response_double),
            (.double(0.1), Captured430.response_doubleTenth),
            (.double(1e300), Captured430.response_doubleBig),
            (.double(1e-05), Captured430.response_doubleSmall),
            (.double(100.0), Captured430.response_doubleWhole),
            (.double(1e16), Captured430.response_double1e16),
            (.array([]), Captured430.response_emptyArray),
            (.struct([]), Captured430.response_emptyStruct),
            (.array([.string("a"), .int(1), .bool(true)]), Captured430.response_array),
            (.structure([("name", .string("web")), ("pid", .int(4242)), ("ok", .bool(false))]), Captured430.response_struct),
            (.array([.structure([("a", .array([.int(1), .structure([("b", .string("c<"))])]))]), .array([])]), Captured430.response_nested),
            (.array([.array([.array([.string("alpha"), .string("beta")]), .array([.string("grp")]), .array([])])]), Captured430.response_reloadConfig),
            (.structure([
                ("name", .string("web")), ("group", .string("web")), ("start", .int(1_700_000_000)), ("stop", .int(0)),
                ("now", .int(1_700_000_100)), ("state", .int(20)), ("statename", .string("RUNNING")), ("spawnerr", .string("")),
                ("exitstatus", .int(0)), ("logfile", .string("/tmp/web.log")), ("stdout_logfile", .string("/tmp/web.log")),
                ("stderr_logfile", .string("")), ("pid", .int(4242)), ("description", .string("pid 4242, uptime 0:01:40")),
            ]), Captured430.response_processInfo),
            (.nil, Captured430.response_nilAllowNone),
        ]
        for (value, expected) in cases { assertBytes(XMLRPCEncoder.response(value), expected) }
    }

    func test_faults_byteForByte() {
        assertBytes(XMLRPCEncoder.fault(XMLRPCFault(.unknownMethod)), Captured430.fault_1)
        assertBytes(XMLRPCEncoder.fault(XMLRPCFault(.badName, "web:zz")), Captured430.fault_10)
        assertBytes(XMLRPCEncoder.fault(XMLRPCFault(.incorrectParameters)), Captured430.fault_2)
        assertBytes(XMLRPCEncoder.result(.failure(XMLRPCFault(.failed, "a<b & c>"))), Captured430.fault_30)
    }

    func test_calls_byteForByteAsXmlrpcClient() {
        func body(_ request: [UInt8]) -> [UInt8] {
            var parser = HTTPRequestParser()
            parser.received(request)
            guard case .request(let r) = parser.next() else { return [] }
            return r.body
        }
        assertBytes(XMLRPCEncoder.call("supervisor.getVersion", []), body(Captured430.ctlUnix_getVersion))
        assertBytes(XMLRPCEncoder.call("supervisor.startProcess", [.string("web:web_01"), .bool(true)]), body(Captured430.ctlUnix_startProcess))
        assertBytes(XMLRPCEncoder.call("supervisor.sendProcessStdin", [.string("cat"), .string("hé <&> \"'\r\n")]),
                    body(Captured430.ctlUnix_sendProcessStdin))
        assertBytes(XMLRPCEncoder.call("system.multicall", [.array([
            .structure([("methodName", .string("supervisor.stopProcess")), ("params", .array([.string("web")]))]),
            .structure([("methodName", .string("supervisor.startProcess")), ("params", .array([.string("web")]))]),
        ])]), body(Captured430.ctlUnix_multicall))
    }

    func test_integersCappedAt32Bits() {
        let big = String(decoding: XMLRPCEncoder.response(.array([.int(Int.max), .int(Int.min), .int(1 << 40)])), as: UTF8.self)
        XCTAssertEqual(big.components(separatedBy: "<int>2147483647</int>").count - 1, 2)
        XCTAssertTrue(big.contains("<int>-2147483648</int>"))
        XCTAssertFalse(big.contains("i8"))
    }

    func test_charactersXMLForbids_becomeReplacementCharacter_soClientsCanParse() throws {
        let log = "\u{1B}[31mred\u{1B}[0m\u{0}\u{7}\t\n\r\u{FFFE}ok"
        let bytes = XMLRPCEncoder.response(.string(log))
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("<string>\u{FFFD}[31mred\u{FFFD}[0m\u{FFFD}\u{FFFD}\t\n\r\u{FFFD}ok</string>"))
        // And the document parses again.
        var t = try XMLTokenizer(bytes)
        while try t.next() != nil {}
    }

    func test_pythonRepr_ofDoubles() {
        // Each expectation is Python 3.11's repr().
        let cases: [(Double, String)] = [
            (0, "0.0"), (-0.0, "-0.0"), (1, "1.0"), (-2.5, "-2.5"), (0.1, "0.1"), (1e-4, "0.0001"), (1e-5, "1e-05"),
            (123456789012345678, "1.2345678901234568e+17"), (1e15, "1000000000000000.0"), (1e16, "1e+16"),
            (9999999999999998, "9999999999999998.0"), (1.5e-7, "1.5e-07"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"), (0.30000000000000004, "0.30000000000000004"), (123.456, "123.456"),
        ]
        for (d, expected) in cases { XCTAssertEqual(XMLRPCEncoder.pythonRepr(d), expected, "\(d)") }
    }

    /// Encoding any value as a call and decoding it gives the value back
    /// (doubles and nil aside, which need no round trip).
    func test_roundTrip_randomValues() throws {
        var rng = SplitMix(seed: 12)
        for _ in 0..<300 {
            let params = (0..<Int(rng.next() % 4)).map { _ in Self.randomValue(&rng, depth: 0) }
            let decoded = try XMLRPCRequestDecoder.decode(XMLRPCEncoder.call("a.b", params)).get()
            XCTAssertEqual(decoded, XMLRPCCall(methodName: "a.b", params: params))
        }
    }

    static func randomValue(_ rng: inout SplitMix, depth: Int) -> XMLRPCValue {
        let pick = rng.next() % (depth > 4 ? 4 : 6)
        switch pick {
        case 0: return .int(Int(Int32(truncatingIfNeeded: rng.next())))
        case 1: return .bool(rng.next() % 2 == 0)
        case 2, 3:
            let alphabet = Array("ab <&>'\"\té☃😀\n]]>;#x".unicodeScalars)
            var s = String.UnicodeScalarView()
            for _ in 0..<(rng.next() % 12) { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            return .string(String(s))
        case 4: return .array((0..<(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var members: [XMLRPCMember] = []
            for i in 0..<(rng.next() % 4) { members.append(XMLRPCMember("k\(i)<&", randomValue(&rng, depth: depth + 1))) }
            return .struct(members)
        }
    }
}

/// A small deterministic generator for the property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
