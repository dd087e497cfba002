// The `supervisor.*` methods (supervisor/rpcinterface.py
// SupervisorNamespaceRPCInterface at 4.3.0), each as SWV1 requests to the
// core and the shaping of their replies into supervisord's return values.
//
// In progress (issue 12): the version methods and getPID are answered; every
// other method is FAILED with "not implemented in swiftvisord yet" until its
// translation lands. docs/protocol.md §9 says which.

extension ControlFault {
    /// The same fault as XML-RPC sends it: supervisord's code and string.
    public var xmlrpcFault: XMLRPCFault { XMLRPCFault(code: code.rawValue, string: message) }
}

enum XMLRPCSupervisorNamespace {
    /// supervisord's rpcinterface API_VERSION.
    static let apiVersion = "3.0"
    /// The supervisord version swiftvisord answers as, so clients' version
    /// checks pass (docs/protocol.md §9.1 says how to tell the two apart).
    static let supervisorVersion = "4.3.0"

    static func call(_ method: XMLRPCMethod, _ params: [XMLRPCValue]) -> XMLRPCStep {
        switch method.name {
        case "supervisor.getAPIVersion", "supervisor.getVersion":
            return .done(.success(.string(apiVersion)))
        case "supervisor.getSupervisorVersion":
            return .done(.success(.string(supervisorVersion)))
        case "supervisor.getPID":
            return .control(.pid) { reply in
                switch reply {
                case .fault(let fault): return .done(.failure(fault.xmlrpcFault))
                case .ok(let items):
                    for case .pid(let pid) in items { return .done(.success(.int(pid))) }
                    return .done(.failure(XMLRPCFault(.failed, "no pid in the core's reply")))
                }
            }
        default:
            return .done(.failure(XMLRPCFault(.failed, "not implemented in swiftvisord yet")))
        }
    }
}
