import XCTest
@testable import SwiftvisorCore

/// The step chain every XML-RPC call becomes, driven here with scripted SWV1
/// replies (the HTTP worker drives it with the core's real ones).
final class XMLRPCDispatcherTests: XCTestCase {
    private func run(_ step: XMLRPCStep, reply: (ControlRequest) -> ControlResponse) -> (XMLRPCResult, [ControlRequest]) {
        XMLRPCStepRunner.run(step, reply: reply)
    }

    func test_unknownAndPrivateNames_areUnknownMethod() {
        for name in ["supervisor.nope", "supervisor._update", "a.b.c", "getPID", ""] {
            let (result, seen) = run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: name, params: []))) { _ in .ok([]) }
            XCTAssertEqual(result, .failure(XMLRPCFault(.unknownMethod)), name)
            XCTAssertEqual(seen, [], name)
        }
    }

    func test_wrongParameterCount_isIncorrectParameters() {
        let (result, _) = run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: "supervisor.getPID", params: [.int(1)]))) { _ in .ok([]) }
        XCTAssertEqual(result, .failure(XMLRPCFault(.incorrectParameters)))
    }

    func test_getPID_asksTheCore_andPassesItsFaultOn() {
        let ok = run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: "supervisor.getPID", params: []))) { _ in .ok([.pid(4242)]) }
        XCTAssertEqual(ok.0, .success(.int(4242)))
        XCTAssertEqual(ok.1, [.pid])
        let down = run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: "supervisor.getPID", params: []))) { _ in
            .fault(ControlFault(.shutdownState))
        }
        XCTAssertEqual(down.0, .failure(XMLRPCFault(.shutdownState)))
    }

    func test_multicall_suspendsOnEachCoreRequest_andKeepsCallOrder() {
        func entry(_ name: String) -> XMLRPCValue { .structure([("methodName", .string(name)), ("params", .array([]))]) }
                let remote = XMLRPCValue.structure([("methodName", .string("system.methodSignature")), ("params", .array([.string("supervisor.getPID")]))])
        let calls: [XMLRPCValue] = [entry("supervisor.getPID"), remote, entry("nope.x"), entry("supervisor.getPID")]
        var pid = 0
        let (result, seen) = run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: "system.multicall", params: [.array(calls)]))) { _ in
            pid += 1
            return .ok([.pid(pid)])
        }
        XCTAssertEqual(seen, [.pid, .pid])
        XCTAssertEqual(result, .success(.array([
            .int(1), .array([.string("int")]), XMLRPCFault(.unknownMethod).structValue, .int(2),
        ])))
    }

    func test_multicallOfTenThousandImmediateCalls_runsWithoutDeepRecursion() {
        let entry = XMLRPCValue.structure([("methodName", .string("system.methodSignature")), ("params", .array([.string("supervisor.getPID")]))])
        let (result, _) = run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: "system.multicall", params: [.array(Array(repeating: entry, count: XMLRPCMulticall.maxCalls))]))) { _ in .ok([]) }
        guard case .success(.array(let values)) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(values.count, XMLRPCMulticall.maxCalls)
    }
}
