// The `supervisor.*` methods (supervisor/rpcinterface.py
// SupervisorNamespaceRPCInterface at 4.3.0), each as SWV1 requests to the
// core and the shaping of their replies into supervisord's return values.
// docs/protocol.md §9.8 lists each method's requests and the differences.
//
// Mood gating: supervisord answers SHUTDOWN_STATE to every `supervisor.*`
// method but sendRemoteCommEvent once it is stopping (`_update`). The core
// answers SHUTDOWN_STATE to every request but the log reads while it stops,
// so a method that needs no other request (the versions, getState) or only a
// log read asks `pid` first: that is its mood check.
// Split by concept: XMLRPCProcessMethods.swift (start, stop, signal, stdin,
// clear), XMLRPCLogMethods.swift (read, tail), XMLRPCProcessInfo.swift (the
// structs), XMLRPCArguments.swift (what Python does with each argument type).

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

    static func call(_ method: XMLRPCMethod, _ p: [XMLRPCValue]) -> XMLRPCStep {
        switch method.name {
        case "supervisor.getAPIVersion", "supervisor.getVersion":
            return gated(.success(.string(apiVersion)))
        case "supervisor.getSupervisorVersion":
            return gated(.success(.string(supervisorVersion)))
        case "supervisor.getIdentification":
            return ask(.version) { items in
                for case .version(let v) in items { return .done(.success(.string(v.identifier ?? "supervisor"))) }
                return .done(.success(.string("supervisor")))
            }
        case "supervisor.getState":
            // supervisord can only ever answer RUNNING: in any other mood
            // `_update` raises SHUTDOWN_STATE first.
            return gated(.success(.structure([("statecode", .int(1)), ("statename", .string("RUNNING"))])))
        case "supervisor.getPID":
            return ask(.pid) { items in
                for case .pid(let pid) in items { return .done(.success(.int(pid))) }
                return .done(.failure(XMLRPCFault(.failed, "no pid in the core's reply")))
            }
        case "supervisor.shutdown":
            return ask(.shutdown) { _ in .done(.success(.bool(true))) }
        case "supervisor.restart":
            return ask(.reload) { _ in .done(.success(.bool(true))) }
        case "supervisor.reloadConfig":
            return ask(.reread) { items in
                var lists: [ConfigChange.Kind: [XMLRPCValue]] = [:]
                for case .change(let c) in items { lists[c.kind, default: []].append(.string(c.group)) }
                let triple: XMLRPCValue = .array([.array(lists[.added] ?? []), .array(lists[.changed] ?? []), .array(lists[.removed] ?? [])])
                return .done(.success(.array([triple])))
            }
        case "supervisor.addProcessGroup":
            return groupChange(p[0]) { .add(groups: [$0]) }
        case "supervisor.removeProcessGroup":
            return groupChange(p[0]) { .remove(groups: [$0]) }
        case "supervisor.getAllConfigInfo":
            return ask(.avail) { items in
                var out: [XMLRPCValue] = []
                for case .config(let c) in items { out.append(XMLRPCProcessInfo.config(c)) }
                return .done(.success(.array(out)))
            }
        case "supervisor.getProcessInfo":
            return processInfo(p[0])
        case "supervisor.getAllProcessInfo":
            return ask(.status(names: [])) { items in
                var out: [XMLRPCValue] = []
                for case .process(let s) in items { out.append(XMLRPCProcessInfo.info(s)) }
                return .done(.success(.array(out)))
            }
        case "supervisor.sendRemoteCommEvent":
            // Never gated (the core accepts `remotecomm` while it stops) and
            // any value is formatted with Python's `%s`.
            return ask(.remoteComm(type: XMLRPCArguments.pythonFormat(p[0]), data: XMLRPCArguments.pythonFormat(p[1]))) { _ in
                .done(.success(.bool(true)))
            }
        default:
            if let step = XMLRPCProcessMethods.call(method.name, p) { return step }
            if let step = XMLRPCLogMethods.call(method.name, p) { return step }
            return .done(.failure(XMLRPCFault(.failed, "\(method.name) is not implemented in swiftvisord")))
        }
    }

    // MARK: - Steps

    /// Send `request`; a fault reply is the call's fault, items go to `then`.
    static func ask(_ request: ControlRequest, _ then: @escaping ([ControlItem]) -> XMLRPCStep) -> XMLRPCStep {
        .control(request) { reply in
            switch reply {
            case .fault(let fault): return .done(.failure(fault.xmlrpcFault))
            case .ok(let items): return then(items)
            }
        }
    }

    /// `answer` once the core said it is not stopping (supervisord's `_update`).
    static func gated(_ answer: XMLRPCResult) -> XMLRPCStep {
        ask(.pid) { _ in .done(answer) }
    }

    /// The one result of a request about one name: true on SUCCESS, else a
    /// fault. Codes whose text supervisord builds from the name as passed
    /// are rebuilt from `name` (the core names what it resolved); the others
    /// keep the core's text.
    static func single(_ items: [ControlItem], name: String) -> XMLRPCResult {
        for case .result(let r) in items {
            if r.code == .success { return .success(.bool(true)) }
            return .failure(fault(r.code, r.description, name: name))
        }
        return .failure(XMLRPCFault(.failed, "no result in the core's reply"))
    }

    static let namedByArgument: Set<FaultCode> = [.badName, .abnormalTermination, .spawnError, .alreadyStarted,
                                                  .notRunning, .alreadyAdded, .stillRunning]

    static func fault(_ code: FaultCode, _ description: String, name: String) -> XMLRPCFault {
        if namedByArgument.contains(code), let c = XMLRPCFaultCode(rawValue: code.rawValue) { return XMLRPCFault(c, name) }
        return XMLRPCFault(code: code.rawValue, string: description)
    }

    /// addProcessGroup / removeProcessGroup: one `result` per group.
    private static func groupChange(_ value: XMLRPCValue, _ request: @escaping (String) -> ControlRequest) -> XMLRPCStep {
        switch XMLRPCArguments.groupName(value) {
        case .unusable: return gated(.failure(XMLRPCArguments.unusable("group name must be a string")))
        case .noSuchGroup(let text): return gated(.failure(XMLRPCFault(.badName, text)))
        case .name(let name):
            // An empty word cannot travel on SWV1; no group has that name.
            if name.isEmpty { return gated(.failure(XMLRPCFault(.badName, name))) }
            return ask(request(name)) { .done(single($0, name: name)) }
        }
    }

    /// getProcessInfo: `status NAME`; a group form (`g:*`) is BAD_NAME.
    private static func processInfo(_ value: XMLRPCValue) -> XMLRPCStep {
        guard let name = XMLRPCArguments.processName(value) else {
            return gated(.failure(XMLRPCArguments.unusable("process name must be a string")))
        }
        let (group, process) = NameResolution.split(name)
        guard let process, !name.isEmpty else { return gated(.failure(XMLRPCFault(.badName, name))) }
        return ask(.status(names: [XMLRPCArguments.wire(name)])) { items in
            for case .process(let s) in items where s.group == group && s.name == process {
                return .done(.success(XMLRPCProcessInfo.info(s)))
            }
            return .done(.failure(XMLRPCFault(.badName, name)))
        }
    }
}
