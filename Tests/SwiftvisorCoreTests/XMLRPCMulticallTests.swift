import XCTest
@testable import SwiftvisorCore

final class XMLRPCMulticallTests: XCTestCase {
    private func entry(_ name: String?, _ params: [XMLRPCValue]? = nil) -> XMLRPCValue {
        var pairs: [(String, XMLRPCValue)] = []
        if let name { pairs.append(("methodName", .string(name))) }
        if let params { pairs.append(("params", .array(params))) }
        return .structure(pairs)
    }

    func test_bareValues_faultStructs_entryErrors_inCallOrder() {
        var seen: [XMLRPCCall] = []
        let result = XMLRPCMulticall.run([.array([
            entry("supervisor.getAPIVersion", []),
            entry("supervisor.stopProcess", [.string("web")]),
            entry("supervisor.startProcess"),
            entry(nil, []),
            entry("system.multicall", [.array([])]),
            .string("not a struct"),
            .structure([("methodName", .string("a.b")), ("params", .string("x"))]),
        ])]) { call in
            seen.append(call)
            switch call.methodName {
            case "supervisor.getAPIVersion": return .success(.string("3.0"))
            case "supervisor.stopProcess": return .failure(XMLRPCFault(.notRunning, "web"))
            default: return .success(.bool(true))
            }
        }
        XCTAssertEqual(seen, [
            XMLRPCCall(methodName: "supervisor.getAPIVersion", params: []),
            XMLRPCCall(methodName: "supervisor.stopProcess", params: [.string("web")]),
            XMLRPCCall(methodName: "supervisor.startProcess", params: []),
        ])
        XCTAssertEqual(result, .success(.array([
            .string("3.0"),
            .structure([("faultCode", .int(70)), ("faultString", .string("NOT_RUNNING: web"))]),
            .bool(true),
            .structure([("faultCode", .int(2)), ("faultString", .string("INCORRECT_PARAMETERS: No methodName"))]),
            .structure([("faultCode", .int(2)), ("faultString", .string("INCORRECT_PARAMETERS: Recursive system.multicall forbidden"))]),
            .structure([("faultCode", .int(2)), ("faultString", .string("INCORRECT_PARAMETERS"))]),
            .structure([("faultCode", .int(2)), ("faultString", .string("INCORRECT_PARAMETERS"))]),
        ])))
    }

    func test_aDeferredCall_holdsBackTheRest() throws {
        var m = try XMLRPCMulticall.start([.array([entry("supervisor.startProcess", [.string("a")]), entry("supervisor.getPID", [])])]).get()
        XCTAssertEqual(m.next(), .call(XMLRPCCall(methodName: "supervisor.startProcess", params: [.string("a")])))
        // Still waiting: the same call again, the next one not handed out.
        XCTAssertEqual(m.next(), .call(XMLRPCCall(methodName: "supervisor.startProcess", params: [.string("a")])))
        m.complete(.failure(XMLRPCFault(.spawnError, "a")))
        XCTAssertEqual(m.next(), .call(XMLRPCCall(methodName: "supervisor.getPID", params: [])))
        m.complete(.success(.int(42)))
        m.complete(.success(.int(43)))  // nothing outstanding: ignored
        XCTAssertEqual(m.next(), .finished(.array([
            .structure([("faultCode", .int(50)), ("faultString", .string("SPAWN_ERROR: a"))]), .int(42),
        ])))
    }

    func test_parametersOtherThanOneArray_areIncorrectParameters() {
        XCTAssertEqual(XMLRPCMulticall.run([]) { _ in .success(.nil) }, .failure(XMLRPCFault(.incorrectParameters)))
        XCTAssertEqual(XMLRPCMulticall.run([.struct([])]) { _ in .success(.nil) }, .failure(XMLRPCFault(.incorrectParameters)))
        XCTAssertEqual(XMLRPCMulticall.run([.array([]), .array([])]) { _ in .success(.nil) }, .failure(XMLRPCFault(.incorrectParameters)))
        XCTAssertEqual(XMLRPCMulticall.run([.array([])]) { _ in .success(.nil) }, .success(.array([])))
        // A flood of tiny entries is refused whole, before any call runs.
        var ran = 0
        let flood = [XMLRPCValue](repeating: .nil, count: XMLRPCMulticall.maxCalls + 1)
        XCTAssertEqual(XMLRPCMulticall.run([.array(flood)]) { _ in ran += 1; return .success(.nil) },
                       .failure(XMLRPCFault(code: 2, string: "INCORRECT_PARAMETERS: more than 10000 calls in one system.multicall")))
        XCTAssertEqual(ran, 0)
        guard case .success(.array(let faults)) = XMLRPCMulticall.run([.array(Array(flood.dropLast()))], dispatch: { _ in .success(.nil) }) else {
            return XCTFail()
        }
        XCTAssertEqual(faults.count, XMLRPCMulticall.maxCalls)
    }

    func test_capturedMulticall_decodesAndShapes() throws {
        var parser = HTTPRequestParser()
        parser.received(Captured430.ctlUnix_multicall)
        guard case .request(let r) = parser.next() else { return XCTFail() }
        let call = try XMLRPCRequestDecoder.decode(r.body).get()
        let result = XMLRPCMulticall.run(call.params) { c in
            c.methodName == "supervisor.stopProcess" ? .failure(XMLRPCFault(.notRunning, "web")) : .success(.bool(true))
        }
        // The web page's restart: stop faults NOT_RUNNING, start still runs.
        XCTAssertEqual(String(decoding: XMLRPCEncoder.result(result), as: UTF8.self),
                       "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>70</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>NOT_RUNNING: web</string></value>\n</member>\n</struct></value>\n<value><boolean>1</boolean></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n")
    }
}
