import XCTest
@testable import SwiftvisorCore

/// Answer bodies of `supervisor.*` calls compared byte for byte with what a
/// running supervisord 4.3.0 sent (Captured430.supervisord_method_*, from
/// Tests/Fixtures/xmlrpc/capture-supervisor-430.py: one program `sleeper`,
/// RUNNING, stderr_logfile=NONE). The SWV1 replies are what swiftvisord's
/// core answers in that state.
final class XMLRPCCapturedMethodTests: XCTestCase {
    private func sleeperResult(_ code: FaultCode, _ text: String = "OK") -> ControlItem {
        .result(NameResult(group: "sleeper", name: "sleeper", code: code, description: text))
    }

    /// The core with one running process `sleeper` and no other group.
    private func core(_ request: ControlRequest) -> ControlResponse {
        switch request {
        case .pid: return .ok([.pid(4242)])
        case .version: return .ok([.version(VersionInfo(supervisor: "4.3.0", server: "swiftvisord 0.1.0", identifier: "supervisor"))])
        case .start(["sleeper"], _, _): return .ok([sleeperResult(.alreadyStarted, "ALREADY_STARTED: sleeper")])
        case .start(["sleeper:*"], _, _): return .ok([])
        case .stop(["all:all"], _):
            return .ok([.result(NameResult(group: "all", name: "all", code: .badName, description: "BAD_NAME: all:all", arg: "all:all"))])
        case .readLog: return .fault(ControlFault(.badArguments, "sleeper"))
        case .tailLog: return .fault(ControlFault(.noFile))
        case .signal("NOPE", _): return .ok([sleeperResult(.badSignal, "BAD_SIGNAL: NOPE")])
        case .signal(_, _): return .ok([sleeperResult(.success)])
        case .reread: return .ok([])
        case .remoteComm: return .done
        case .add: return .ok([.result(NameResult(group: "sleeper", name: nil, code: .alreadyAdded, description: "ALREADY_ADDED: sleeper"))])
        case .remove: return .ok([.result(NameResult(group: "sleeper", name: nil, code: .stillRunning, description: "STILL_RUNNING: sleeper"))])
        default: return .fault(ControlFault(.badRequest, "unexpected \(request.summary)"))
        }
    }

    private func answerBody(_ method: String, _ params: [XMLRPCValue]) -> [UInt8] {
        XMLRPCEncoder.result(XMLRPCStepRunner.call(method, params, reply: core).0)
    }

    private func body(_ response: [UInt8]) -> [UInt8] {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let r = response.indices.first(where: { response[$0...].starts(with: separator) }) else { return [] }
        return Array(response[(r + 4)...])
    }

    func test_answers_areSupervisordsBytes() {
        let s = XMLRPCValue.string, i = XMLRPCValue.int
        let cases: [(String, [XMLRPCValue], [UInt8])] = [
            ("supervisor.getState", [], Captured430.supervisord_method_getState),
            ("supervisor.getIdentification", [], Captured430.supervisord_method_getIdentification),
            ("supervisor.startProcessGroup", [i(5)], Captured430.supervisord_method_startProcessGroupInt),
            ("supervisor.startProcessGroup", [s("sleeper:*")], Captured430.supervisord_method_startProcessGroupStar),
            ("supervisor.startProcess", [s("sleeper")], Captured430.supervisord_method_startProcessRunning),
            ("supervisor.startProcessGroup", [s("sleeper")], Captured430.supervisord_method_startProcessGroupRunning),
            ("supervisor.stopProcess", [s("all")], Captured430.supervisord_method_stopProcessAll),
            ("supervisor.getProcessInfo", [s("sleeper:*")], Captured430.supervisord_method_getProcessInfoStar),
            ("supervisor.readProcessStdoutLog", [s("sleeper"), i(0), i(-1)], Captured430.supervisord_method_readLogBadArguments),
            ("supervisor.tailProcessStderrLog", [s("sleeper"), i(0), i(10)], Captured430.supervisord_method_tailNoStderr),
            ("supervisor.sendProcessStdin", [s("sleeper"), i(5)], Captured430.supervisord_method_sendStdinInt),
            ("supervisor.signalProcess", [s("sleeper"), s("NOPE")], Captured430.supervisord_method_signalBad),
            ("supervisor.signalProcessGroup", [s("sleeper"), s("NOPE")], Captured430.supervisord_method_signalGroupBad),
            ("supervisor.signalProcessGroup", [s("sleeper"), s("CONT")], Captured430.supervisord_method_signalGroup),
            ("supervisor.clearProcessLogs", [s("sleeper:*")], Captured430.supervisord_method_clearStar),
            ("supervisor.reloadConfig", [], Captured430.supervisord_method_reloadConfig),
            ("supervisor.addProcessGroup", [s("sleeper")], Captured430.supervisord_method_addAdded),
            ("supervisor.removeProcessGroup", [s("sleeper")], Captured430.supervisord_method_removeRunning),
            ("supervisor.sendRemoteCommEvent", [i(1), i(2)], Captured430.supervisord_method_remoteComm),
        ]
        for (method, params, captured) in cases {
            let expected = body(captured)
            XCTAssertFalse(expected.isEmpty, method)
            XCTAssertEqual(String(decoding: answerBody(method, params), as: UTF8.self), String(decoding: expected, as: UTF8.self), "\(method)\(params)")
        }
    }
}
