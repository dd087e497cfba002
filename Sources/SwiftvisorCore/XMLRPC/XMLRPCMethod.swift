// The methods supervisord 4.3.0 publishes (the table itself is generated:
// XMLRPCMethodTable.swift), how a method name is resolved, and the three
// introspection methods that need nothing but the table.

/// One published method.
public struct XMLRPCMethod: Sendable, Equatable {
    /// `namespace.method`.
    public let name: String
    /// `[return type, parameter types…]`, as `system.methodSignature` answers.
    public let signature: [String]
    /// The docstring, verbatim, as `system.methodHelp` answers.
    public let help: String

    public init(name: String, signature: [String], help: String) {
        self.name = name
        self.signature = signature
        self.help = help
    }

    /// The number of parameters the method takes (its signature's, so the
    /// optional `wait` of start/stop counts: see `acceptsParameterCount`).
    public var parameterCount: Int { signature.count - 1 }

    /// Whether a call with `n` positional parameters binds in Python; a call
    /// that does not is fault INCORRECT_PARAMETERS (supervisor/xmlrpc.py
    /// traverse turns the TypeError into it). The start/stop methods' last
    /// parameter, `wait`, has a default.
    public func acceptsParameterCount(_ n: Int) -> Bool {
        n == parameterCount || (Self.defaultedWait.contains(name) && n == parameterCount - 1)
    }

    /// Methods whose last parameter is `wait=True` (supervisor/rpcinterface.py).
    static let defaultedWait: Set<String> = [
        "supervisor.startProcess", "supervisor.startProcessGroup", "supervisor.startAllProcesses",
        "supervisor.stopProcess", "supervisor.stopProcessGroup", "supervisor.stopAllProcesses",
    ]

    /// A name in the table.
    public static func named(_ name: String) -> XMLRPCMethod? {
        byName[name]
    }

    private static let byName: [String: XMLRPCMethod] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// supervisord's `traverse` (supervisor/xmlrpc.py at 4.3.0): exactly two
    /// dotted parts (CVE-2017-11610), no method starting with `_`, a known
    /// namespace and method; anything else is UNKNOWN_METHOD with no text.
    public static func resolve(_ name: String) -> Result<XMLRPCMethod, XMLRPCFault> {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].hasPrefix("_"), let method = named(name) else {
            return .failure(XMLRPCFault(.unknownMethod))
        }
        return .success(method)
    }

    /// The methods that answer SHUTDOWN_STATE while the daemon is stopping:
    /// every `supervisor.*` method except `sendRemoteCommEvent`
    /// (supervisor/rpcinterface.py _update is not called there); never `system.*`.
    public var refusedWhileStopping: Bool {
        name.hasPrefix("supervisor.") && name != "supervisor.sendRemoteCommEvent"
    }
}

/// `system.listMethods`, `system.methodHelp` and `system.methodSignature`.
public enum XMLRPCIntrospection {
    /// Answers one of the three, or nil for another method.
    public static func call(_ name: String, _ params: [XMLRPCValue]) -> XMLRPCResult? {
        switch name {
        case "system.listMethods":
            guard params.isEmpty else { return .failure(XMLRPCFault(.incorrectParameters)) }
            return .success(.array(XMLRPCMethod.all.map { .string($0.name) }))
        case "system.methodHelp", "system.methodSignature":
            guard params.count == 1 else { return .failure(XMLRPCFault(.incorrectParameters)) }
            // supervisord compares the argument with each name; a non-string
            // argument matches none.
            guard case .string(let asked) = params[0], let method = XMLRPCMethod.named(asked) else {
                return .failure(XMLRPCFault(.signatureUnsupported))
            }
            if name == "system.methodHelp" { return .success(.string(method.help)) }
            return .success(.array(method.signature.map { .string($0) }))
        default:
            return nil
        }
    }
}
