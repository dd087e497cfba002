// supervisord's log methods over XML-RPC (supervisor/rpcinterface.py at
// 4.3.0: readLog, readProcessStdoutLog, tailProcessStdoutLog and their
// aliases and stderr twins, clearLog) as SWV1 `mainlog`, `readlog`,
// `taillog` and `clearlog`. The offset and length rules (readFile,
// tailFile) are the core's; each read holds at most 1 MiB
// (docs/protocol.md §7). The core serves log reads while it stops, so each
// method first asks `pid`: supervisord's mood check.

enum XMLRPCLogMethods {
    typealias Args = XMLRPCArguments
    typealias NS = XMLRPCSupervisorNamespace

    static func call(_ name: String, _ p: [XMLRPCValue]) -> XMLRPCStep? {
        switch name {
        case "supervisor.readLog", "supervisor.readMainLog":
            return NS.ask(.pid) { _ in
                guard let offset = Args.int(p[0]), let length = Args.int(p[1]) else {
                    return .done(.failure(Args.unusable("offset and length must be integers")))
                }
                return read(.readMainLog(offset: offset, length: length), name: nil)
            }
        case "supervisor.readProcessStdoutLog", "supervisor.readProcessLog":
            return processLog(p) { read(.readLog(name: $0, channel: .stdout, offset: $1, length: $2), name: $3) }
        case "supervisor.readProcessStderrLog":
            return processLog(p) { read(.readLog(name: $0, channel: .stderr, offset: $1, length: $2), name: $3) }
        case "supervisor.tailProcessStdoutLog", "supervisor.tailProcessLog":
            return processLog(p) { tail(.tailLog(name: $0, channel: .stdout, offset: $1, length: $2), name: $3) }
        case "supervisor.tailProcessStderrLog":
            return processLog(p) { tail(.tailLog(name: $0, channel: .stderr, offset: $1, length: $2), name: $3) }
        case "supervisor.clearLog":
            return NS.ask(.clearMainLog) { _ in .done(.success(.bool(true))) }
        default:
            return nil
        }
    }

    /// The mood check, then the arguments as supervisord converts them, then `then(wireName, offset, length, name)`.
    private static func processLog(_ p: [XMLRPCValue], _ then: @escaping (String, Int, Int, String) -> XMLRPCStep) -> XMLRPCStep {
        NS.ask(.pid) { _ in
            guard let name = Args.processName(p[0]) else { return .done(.failure(Args.unusable("process name must be a string"))) }
            // An empty word cannot travel on SWV1; no process has that name.
            if name.isEmpty { return .done(.failure(XMLRPCFault(.badName, name))) }
            guard let offset = Args.int(p[1]), let length = Args.int(p[2]) else {
                return .done(.failure(Args.unusable("offset and length must be integers")))
            }
            return then(Args.wire(name), offset, length, name)
        }
    }

    /// readFile's faults carry no text (BAD_ARGUMENTS, FAILED); BAD_NAME names
    /// the argument; NO_FILE is the core's (the path when the file is missing).
    private static func logFault(_ f: ControlFault, name: String?) -> XMLRPCFault {
        switch f.code {
        case .badArguments: return XMLRPCFault(.badArguments)
        case .failed: return XMLRPCFault(.failed)
        case .badName: return XMLRPCFault(.badName, name ?? "")
        default: return f.xmlrpcFault
        }
    }

    private static func read(_ request: ControlRequest, name: String?) -> XMLRPCStep {
        .control(request) { reply in
            switch reply {
            case .fault(let f): return .done(.failure(logFault(f, name: name)))
            case .ok(let items):
                var data: [UInt8] = []
                for case .log(let chunk) in items { data += chunk }
                return .done(.success(.string(String(decoding: data, as: UTF8.self))))
            }
        }
    }

    /// tailFile's `[bytes, size, overflow]`; a log that is not configured or
    /// not on disk is `['', 0, False]`, not a fault.
    private static func tail(_ request: ControlRequest, name: String) -> XMLRPCStep {
        .control(request) { reply in
            switch reply {
            case .fault(let f) where f.code == .noFile:
                return .done(.success(.array([.string(""), .int(0), .bool(false)])))
            case .fault(let f):
                return .done(.failure(logFault(f, name: name)))
            case .ok(let items):
                guard let t = TailReply.parse(items) else { return .done(.failure(XMLRPCFault(.failed, "no tail item in the core's reply"))) }
                return .done(.success(.array([.string(String(decoding: t.bytes, as: UTF8.self)), .int(t.size), .bool(t.overflow)])))
            }
        }
    }
}
