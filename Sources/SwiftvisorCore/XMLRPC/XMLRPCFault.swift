// supervisord's fault codes and fault strings (supervisor/xmlrpc.py class
// Faults, getFaultDescription and RPCError at 4.3.0). The fault string is the
// code's name, or `NAME: extra`.

/// A fault code of supervisord's XML-RPC interface.
public enum XMLRPCFaultCode: Int, Sendable, CaseIterable {
    case unknownMethod = 1
    case incorrectParameters = 2
    case badArguments = 3
    case signatureUnsupported = 4
    case shutdownState = 6
    case badName = 10
    case badSignal = 11
    case noFile = 20
    case notExecutable = 21
    case failed = 30
    case abnormalTermination = 40
    case spawnError = 50
    case alreadyStarted = 60
    case notRunning = 70
    /// Only ever the `status` of a result struct, never a fault.
    case success = 80
    case alreadyAdded = 90
    case stillRunning = 91
    case cantReread = 92

    /// The name supervisord puts in fault strings.
    public var name: String {
        switch self {
        case .unknownMethod: return "UNKNOWN_METHOD"
        case .incorrectParameters: return "INCORRECT_PARAMETERS"
        case .badArguments: return "BAD_ARGUMENTS"
        case .signatureUnsupported: return "SIGNATURE_UNSUPPORTED"
        case .shutdownState: return "SHUTDOWN_STATE"
        case .badName: return "BAD_NAME"
        case .badSignal: return "BAD_SIGNAL"
        case .noFile: return "NO_FILE"
        case .notExecutable: return "NOT_EXECUTABLE"
        case .failed: return "FAILED"
        case .abnormalTermination: return "ABNORMAL_TERMINATION"
        case .spawnError: return "SPAWN_ERROR"
        case .alreadyStarted: return "ALREADY_STARTED"
        case .notRunning: return "NOT_RUNNING"
        case .success: return "SUCCESS"
        case .alreadyAdded: return "ALREADY_ADDED"
        case .stillRunning: return "STILL_RUNNING"
        case .cantReread: return "CANT_REREAD"
        }
    }

    /// `getFaultDescription`: the name, or `UNKNOWN` for a code not in the table.
    public static func description(of code: Int) -> String {
        XMLRPCFaultCode(rawValue: code)?.name ?? "UNKNOWN"
    }
}

/// A fault answer: `{faultCode: int, faultString: string}`.
public struct XMLRPCFault: Error, Sendable, Equatable {
    public var code: Int
    public var string: String

    /// supervisord's RPCError(code, extra): `NAME` or `NAME: extra`.
    public init(_ code: XMLRPCFaultCode, _ extra: String? = nil) {
        self.code = code.rawValue
        self.string = extra.map { "\(code.name): \($0)" } ?? code.name
    }

    /// A fault with a free fault string.
    public init(code: Int, string: String) {
        self.code = code
        self.string = string
    }

    /// The struct a fault becomes inside a `system.multicall` result.
    public var structValue: XMLRPCValue {
        .structure([("faultCode", .int(code)), ("faultString", .string(string))])
    }
}

/// What one method call produced.
public typealias XMLRPCResult = Result<XMLRPCValue, XMLRPCFault>
