// How one XML-RPC call becomes requests of the core's own protocol (SWV1,
// docs/protocol.md) and their replies become the call's answer. The HTTP
// worker process holds no state of the daemon: for every method it asks the
// core over the SWV1 session that belongs to its HTTP connection, so one set
// of rules (the supervision API behind SWV1) answers swiftvisorctl,
// supervisorctl and every XML-RPC client alike.
//
// A call is a chain of steps the worker drives: `.control(request, next)`
// sends one SWV1 request and feeds its complete reply to `next`; `.done` is
// the answer. A deferred call (startProcess with wait) is simply a step whose
// reply comes late; the worker keeps serving its other connections meanwhile.
// Everything here is pure and unit-tested with scripted replies.

/// What the worker does next for one XML-RPC call.
public enum XMLRPCStep {
    /// The call's answer.
    case done(XMLRPCResult)
    /// Send `request` on the connection's SWV1 session, then give its complete
    /// reply (`.fault` for `SWV1 ERR`) to `next`.
    case control(ControlRequest, next: (ControlResponse) -> XMLRPCStep)

    /// This step, then `then` with its result.
    public func then(_ then: @escaping (XMLRPCResult) -> XMLRPCStep) -> XMLRPCStep {
        switch self {
        case .done(let result): return then(result)
        case .control(let request, let next):
            return .control(request, next: { next($0).then(then) })
        }
    }
}

/// Turns calls into steps.
public enum XMLRPCDispatcher {
    /// The steps of one call (`system.multicall` included).
    public static func dispatch(_ call: XMLRPCCall) -> XMLRPCStep {
        if call.methodName == "system.multicall" {
            switch XMLRPCMulticall.start(call.params) {
            case .failure(let fault): return .done(.failure(fault))
            case .success(let machine): return MulticallRun(machine).advance()
            }
        }
        return dispatchSingle(call)
    }

    /// One call that is not a multicall.
    static func dispatchSingle(_ call: XMLRPCCall) -> XMLRPCStep {
        let method: XMLRPCMethod
        switch XMLRPCMethod.resolve(call.methodName) {
        case .failure(let fault): return .done(.failure(fault))
        case .success(let m): method = m
        }
        guard method.acceptsParameterCount(call.params.count) else {
            return .done(.failure(XMLRPCFault(.incorrectParameters)))
        }
        if let answer = XMLRPCIntrospection.call(method.name, call.params) {
            return .done(answer)
        }
        return XMLRPCSupervisorNamespace.call(method, call.params)
    }
}

/// A multicall in progress: its calls run one after another; a call that
/// needs the core suspends the run until the reply comes. A class, so a
/// suspended run is not copied (the results of 10,000 calls stay one array),
/// and a loop, so a long run of immediate answers uses no stack.
final class MulticallRun {
    private var machine: XMLRPCMulticall

    init(_ machine: XMLRPCMulticall) { self.machine = machine }

    func advance() -> XMLRPCStep {
        while true {
            switch machine.next() {
            case .finished(let value):
                return .done(.success(value))
            case .call(let call):
                switch XMLRPCDispatcher.dispatchSingle(call) {
                case .done(let result):
                    machine.complete(result)
                case .control(let request, let next):
                    return .control(request, next: { reply in self.resume(next(reply)) })
                }
            }
        }
    }

    private func resume(_ step: XMLRPCStep) -> XMLRPCStep {
        switch step {
        case .done(let result):
            machine.complete(result)
            return advance()
        case .control(let request, let next):
            return .control(request, next: { reply in self.resume(next(reply)) })
        }
    }
}
