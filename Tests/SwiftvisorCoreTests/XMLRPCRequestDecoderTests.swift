import XCTest
@testable import SwiftvisorCore

final class XMLRPCRequestDecoderTests: XCTestCase {
    /// Python's repr of what supervisord's loads produces, to compare with the
    /// captured `repr((method, params))`.
    static func py(_ v: XMLRPCValue) -> String {
        switch v {
        case .string(let s): return pythonRepr(s)
        case .int(let n): return "\(n)"
        case .bool(let b): return b ? "True" : "False"
        case .double(let d): return XMLRPCEncoder.pythonRepr(d)
        case .dateTime(let s):
            let b = Array(s.utf8)
            func n(_ r: Range<Int>) -> Int { Int(String(decoding: b[r], as: UTF8.self)) ?? -1 }
            var parts = [n(0..<4), n(4..<6), n(6..<8), n(9..<11), n(12..<14), n(15..<17)]
            if parts[5] == 0 { parts.removeLast(); if parts[4] == 0 { parts.removeLast() } }
            return "datetime.datetime(" + parts.map(String.init).joined(separator: ", ") + ")"
        case .array(let items): return "[" + items.map(py).joined(separator: ", ") + "]"
        case .struct(let members): return "{" + members.map { pythonRepr($0.name) + ": " + py($0.value) }.joined(separator: ", ") + "}"
        case .nil: return "None"
        }
    }

    static func py(_ call: XMLRPCCall) -> String {
        let params = call.params.map(py).joined(separator: ", ") + (call.params.count == 1 ? "," : "")
        return "(" + pythonRepr(call.methodName) + ", (" + params + "))"
    }

    func test_decodesAsSupervisord430_everyCapturedCase() {
        XCTAssertGreaterThan(Captured430.decodeCases.count, 40)
        for (name, body, expected) in Captured430.decodeCases {
            let got: String
            switch XMLRPCRequestDecoder.decode(body) {
            case .success(let call): got = Self.py(call)
            case .failure(let e): got = e.kind == .unmarshallable ? "unmarshallable" : "no method name"
            }
            XCTAssertEqual(got, expected, name)
        }
    }

    func test_capturedClientRequests_decode() throws {
        func body(_ request: [UInt8]) -> [UInt8] {
            var parser = HTTPRequestParser()
            parser.received(request)
            guard case .request(let r) = parser.next() else { return [] }
            return r.body
        }
        XCTAssertEqual(try XMLRPCRequestDecoder.decode(body(Captured430.ctlUnix_getVersion)).get(),
                       XMLRPCCall(methodName: "supervisor.getVersion", params: []))
        XCTAssertEqual(try XMLRPCRequestDecoder.decode(body(Captured430.ctlUnix_startProcess)).get(),
                       XMLRPCCall(methodName: "supervisor.startProcess", params: [.string("web:web_01"), .bool(true)]))
        XCTAssertEqual(try XMLRPCRequestDecoder.decode(body(Captured430.ctlUnix_readProcessStdoutLog)).get(),
                       XMLRPCCall(methodName: "supervisor.readProcessStdoutLog", params: [.string("web"), .int(-1600), .int(0)]))
        // The CR LF xmlrpc.client sends raw arrives as LF (XML line-end normalisation).
        XCTAssertEqual(try XMLRPCRequestDecoder.decode(body(Captured430.ctlUnix_sendProcessStdin)).get(),
                       XMLRPCCall(methodName: "supervisor.sendProcessStdin", params: [.string("cat"), .string("hé <&> \"'\n")]))
        let multicall = try XMLRPCRequestDecoder.decode(body(Captured430.ctlUnix_multicall)).get()
        XCTAssertEqual(multicall.methodName, "system.multicall")
        XCTAssertEqual(multicall.params, [.array([
            .structure([("methodName", .string("supervisor.stopProcess")), ("params", .array([.string("web")]))]),
            .structure([("methodName", .string("supervisor.startProcess")), ("params", .array([.string("web")]))]),
        ])])
        XCTAssertEqual(try XMLRPCRequestDecoder.decode(body(Captured430.ctlUnix_float_struct_nested)).get().params, [
            .structure([("a", .array([.double(1.5), .bool(false), .int(-7)])), ("b", .struct([]))]), .array([]),
        ])
    }

    func test_refusals_areHTTP400_withSupervisordsLogText() {
        guard case .failure(let e) = XMLRPCRequestDecoder.decode(Array("<methodCall><methodName>x".utf8)) else { return XCTFail() }
        XCTAssertEqual(e.status, .badRequest)
        XCTAssertEqual(e.logMessage(body: Array("<methodCall><methodName>x".utf8)),
                       "XML-RPC request data '<methodCall><methodName>x' is invalid: unmarshallable")
        guard case .failure(let e2) = XMLRPCRequestDecoder.decode(Array("<methodCall/>".utf8)) else { return XCTFail() }
        XCTAssertEqual(e2.kind, .noMethodName)
        XCTAssertEqual(e2.logMessage(body: Array("<methodCall/>".utf8)), "XML-RPC request data '<methodCall/>' is invalid: no method name")
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 5000)
        XCTAssertTrue(e.logMessage(body: long).hasSuffix("' (904 more bytes) is invalid: unmarshallable"))
    }

    func test_deepNesting_refused_atTheLimit() {
        func nested(_ depth: Int) -> [UInt8] {
            // methodCall, methodName… params, param = 3 levels, then value/array/data pairs.
            var s = "<methodCall><methodName>a.b</methodName><params><param>"
            let levels = (depth - 3) / 3
            for _ in 0..<levels { s += "<value><array><data>" }
            for _ in 0..<levels { s += "</data></array></value>" }
            s += "</param></params></methodCall>"
            return Array(s.utf8)
        }
        let limits = XMLLimits(maxBytes: 1 << 20, maxDepth: 30, maxAttributes: 4)
        if case .failure(let e) = XMLRPCRequestDecoder.decode(nested(30), limits: limits) { XCTFail(e.detail) }
        guard case .failure(let e) = XMLRPCRequestDecoder.decode(nested(33), limits: limits) else { return XCTFail() }
        XCTAssertTrue(e.detail.contains("nested deeper than 30"), e.detail)
        // The default limit holds against a hostile depth without recursion.
        guard case .failure = XMLRPCRequestDecoder.decode(nested(3000)) else { return XCTFail() }
    }

    func test_sizeLimit() {
        let body = Array(("<methodCall><methodName>a.b</methodName><params><param><value>" + String(repeating: "x", count: 200)
            + "</value></param></params></methodCall>").utf8)
        guard case .failure(let e) = XMLRPCRequestDecoder.decode(body, limits: XMLLimits(maxBytes: 100, maxDepth: 10, maxAttributes: 1)) else {
            return XCTFail()
        }
        XCTAssertEqual(e.kind, .unmarshallable)
    }

    func test_aMulticallFillingTheBodyLimit_decodesAndShapes() throws {
        let entry = XMLRPCValue.structure([("methodName", .string("supervisor.getPID")), ("params", .array([]))])
        var entries: [XMLRPCValue] = []
        var body = XMLRPCEncoder.call("system.multicall", [.array(entries)])
        while body.count < HTTPLimits.default.maxBodyBytes - 200 {
            entries += Array(repeating: entry, count: 500)
            body = XMLRPCEncoder.call("system.multicall", [.array(entries)])
        }
        if body.count > HTTPLimits.default.maxBodyBytes {
            entries.removeLast(500)
            body = XMLRPCEncoder.call("system.multicall", [.array(entries)])
        }
        let call = try XMLRPCRequestDecoder.decode(body).get()
        var calls = 0
        let result = XMLRPCMulticall.run(call.params) { _ in calls += 1; return .success(.int(1)) }
        XCTAssertEqual(calls, entries.count)
        XCTAssertGreaterThan(calls, 4000)
        guard case .success(.array(let values)) = result else { return XCTFail() }
        XCTAssertEqual(values.count, entries.count)
    }

    func test_textCutIntoManyPieces_isJoined() throws {
        // Nearly 1 MiB of text split by 90,000 comments and CDATA sections: one string,
        // gathered in linear time.
        var s = "<methodCall><methodName>a.b</methodName><params><param><value><string>"
        for i in 0..<90_000 { s += i % 2 == 0 ? "x<!---->" : "<![CDATA[y]]>" }
        s += "</string></value></param></params></methodCall>"
        let call = try XMLRPCRequestDecoder.decode(Array(s.utf8)).get()
        guard case .string(let text) = call.params.first else { return XCTFail() }
        XCTAssertEqual(text.utf8.count, 90_000)
        XCTAssertTrue(text.hasPrefix("xyxy"))
    }

    func test_pythonFloat() {
        XCTAssertEqual(XMLRPCRequestDecoder.pythonFloat(" -1_000.5e-1 "), -100.05)
        XCTAssertEqual(XMLRPCRequestDecoder.pythonFloat(".5"), 0.5)
        XCTAssertEqual(XMLRPCRequestDecoder.pythonFloat("5."), 5.0)
        XCTAssertEqual(XMLRPCRequestDecoder.pythonFloat("-Infinity"), -.infinity)
        XCTAssertEqual(XMLRPCRequestDecoder.pythonFloat("NaN")?.isNaN, true)
        for bad in ["", "0x10", "1e", "e5", "1__0", "_1", "1.2.3", "1e5.0", "."] {
            XCTAssertNil(XMLRPCRequestDecoder.pythonFloat(bad), bad)
        }
    }
}
