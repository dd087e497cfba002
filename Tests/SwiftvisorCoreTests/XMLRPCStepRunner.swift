@testable import SwiftvisorCore

/// Drives an XML-RPC call's steps to its answer with scripted SWV1 replies
/// (the HTTP worker drives them with the core's real ones).
enum XMLRPCStepRunner {
    /// The answer, and the SWV1 requests the call sent, in order.
    static func run(_ step: XMLRPCStep, reply: (ControlRequest) -> ControlResponse) -> (XMLRPCResult, [ControlRequest]) {
        var step = step
        var seen: [ControlRequest] = []
        while true {
            switch step {
            case .done(let result): return (result, seen)
            case .control(let request, let next):
                seen.append(request)
                step = next(reply(request))
            }
        }
    }

    /// One call by name.
    static func call(_ name: String, _ params: [XMLRPCValue], reply: (ControlRequest) -> ControlResponse) -> (XMLRPCResult, [ControlRequest]) {
        run(XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: name, params: params)), reply: reply)
    }
}
