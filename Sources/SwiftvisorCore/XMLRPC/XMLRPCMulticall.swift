// system.multicall's result shaping (supervisor/xmlrpc.py
// SystemNamespaceRPCInterface.multicall at 4.3.0), as a machine the caller
// drives: it hands out one call at a time, in order, and waits for that call's
// result before the next, so a deferred call (startProcess waiting for
// RUNNING) holds back the rest exactly as supervisord's single pending
// callback does. Results, one per call, in call order:
//   - success: the bare value (not the one-element array of the XML-RPC
//     multicall convention, which supervisord's own docstring still claims);
//   - a fault: the struct {faultCode, faultString};
//   - an entry without methodName: {2, "INCORRECT_PARAMETERS: No methodName"};
//   - a nested system.multicall: {2, "INCORRECT_PARAMETERS: Recursive
//     system.multicall forbidden"};
//   - no `params`: the call gets no parameters.
// A fault never stops the batch (the web page's restart is stop then start).
// Where supervisord crashes into HTTP 500 (an entry that is not a struct,
// `params` that is not an array) the entry's result is INCORRECT_PARAMETERS.

/// One `system.multicall` in progress.
public struct XMLRPCMulticall: Sendable {
    /// What the caller does next.
    public enum Step: Sendable, Equatable {
        /// Run this call (possibly deferred), then pass its result to `complete`.
        case call(XMLRPCCall)
        /// Every call has a result: this is the multicall's answer.
        case finished(XMLRPCValue)
    }

    private let entries: [XMLRPCValue]
    private var index = 0
    private var results: [XMLRPCValue] = []
    private var pending: XMLRPCCall?

    /// Most calls in one multicall. supervisord has no limit; the body limit
    /// alone would let 1 MiB of `<value/>` entries ask for 130,000 fault
    /// structs (some 25 MiB of answer).
    public static let maxCalls = 10_000

    /// Starts a multicall from its own parameters: exactly one array of at
    /// most `maxCalls` entries.
    public static func start(_ params: [XMLRPCValue]) -> Result<XMLRPCMulticall, XMLRPCFault> {
        guard params.count == 1, case .array(let entries) = params[0] else {
            return .failure(XMLRPCFault(.incorrectParameters))
        }
        guard entries.count <= maxCalls else {
            return .failure(XMLRPCFault(.incorrectParameters, "more than \(maxCalls) calls in one system.multicall"))
        }
        return .success(XMLRPCMulticall(entries: entries))
    }

    private init(entries: [XMLRPCValue]) {
        self.entries = entries
        results.reserveCapacity(entries.count)
    }

    /// The next call to run, or the answer. While a call is out, the same
    /// call is returned again.
    public mutating func next() -> Step {
        if let pending { return .call(pending) }
        while index < entries.count {
            let entry = entries[index]
            index += 1
            switch Self.call(from: entry) {
            case .success(let call):
                pending = call
                return .call(call)
            case .failure(let fault):
                results.append(fault.structValue)
            }
        }
        return .finished(.array(results))
    }

    /// The result of the call `next()` handed out.
    public mutating func complete(_ result: XMLRPCResult) {
        guard pending != nil else { return }
        pending = nil
        switch result {
        case .success(let value): results.append(value)
        case .failure(let fault): results.append(fault.structValue)
        }
    }

    /// A whole multicall over a dispatcher that answers at once.
    public static func run(_ params: [XMLRPCValue], dispatch: (XMLRPCCall) -> XMLRPCResult) -> XMLRPCResult {
        var multicall: XMLRPCMulticall
        switch start(params) {
        case .failure(let fault): return .failure(fault)
        case .success(let m): multicall = m
        }
        while true {
            switch multicall.next() {
            case .finished(let value): return .success(value)
            case .call(let call): multicall.complete(dispatch(call))
            }
        }
    }

    private static func call(from entry: XMLRPCValue) -> Result<XMLRPCCall, XMLRPCFault> {
        guard case .struct = entry else { return .failure(XMLRPCFault(.incorrectParameters)) }
        let name: String
        switch entry[member: "methodName"] {
        case nil, .nil?: return .failure(XMLRPCFault(.incorrectParameters, "No methodName"))
        case .string(let s)?: name = s
        default: return .failure(XMLRPCFault(.unknownMethod))
        }
        if name == "system.multicall" {
            return .failure(XMLRPCFault(.incorrectParameters, "Recursive system.multicall forbidden"))
        }
        switch entry[member: "params"] {
        case nil: return .success(XMLRPCCall(methodName: name, params: []))
        case .array(let params)?: return .success(XMLRPCCall(methodName: name, params: params))
        default: return .failure(XMLRPCFault(.incorrectParameters))
        }
    }
}
