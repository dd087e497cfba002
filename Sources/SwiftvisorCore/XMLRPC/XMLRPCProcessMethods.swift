// supervisord's process verbs over XML-RPC (supervisor/rpcinterface.py at
// 4.3.0: startProcess … stopAllProcesses, signalProcess*, sendProcessStdin,
// clearProcessLogs, clearAllProcessLogs) as SWV1 `start`, `stop`, `signal`,
// `stdin` and `clear` requests. The core applies supervisord's rules (who is
// skipped, which fault, the order of a group's results: docs/protocol.md §4);
// here the arguments are checked as supervisord's Python checks them and the
// `result` items become a boolean, a fault or the array of result structs.

enum XMLRPCProcessMethods {
    typealias Args = XMLRPCArguments
    typealias NS = XMLRPCSupervisorNamespace

    static func call(_ name: String, _ p: [XMLRPCValue]) -> XMLRPCStep? {
        // `wait` defaults to True (the dispatcher already checked the count).
        func wait(_ i: Int) -> Bool { p.count > i ? Args.truthy(p[i]) : true }
        switch name {
        case "supervisor.startProcess":
            return process(p[0]) { .start(names: [$0], wait: wait(1)) }
        case "supervisor.stopProcess":
            return process(p[0]) { .stop(names: [$0], wait: wait(1)) }
        case "supervisor.startProcessGroup":
            return group(p[0]) { .start(names: [$0], wait: wait(1)) }
        case "supervisor.stopProcessGroup":
            return group(p[0]) { .stop(names: [$0], wait: wait(1)) }
        case "supervisor.startAllProcesses":
            return all(.start(names: ["all"], wait: wait(0)))
        case "supervisor.stopAllProcesses":
            return all(.stop(names: ["all"], wait: wait(0)))
        case "supervisor.signalProcess":
            return signal(p[1]) { sig, text in process(p[0], signalText: text) { .signal(signal: sig, names: [$0]) } }
        case "supervisor.signalProcessGroup":
            return signal(p[1]) { sig, text in group(p[0], signalText: text) { .signal(signal: sig, names: [$0]) } }
        case "supervisor.signalAllProcesses":
            return signal(p[0]) { sig, text in all(.signal(signal: sig, names: ["all"]), signalText: text) }
        case "supervisor.clearProcessLogs", "supervisor.clearProcessLog":
            return clear(p[0])
        case "supervisor.clearAllProcessLogs":
            return all(.clear(names: ["all"]))
        case "supervisor.sendProcessStdin":
            return sendStdin(p[0], p[1])
        default:
            return nil
        }
    }

    /// A method on one process name; a group form (`g:*`, `g:`) acts on the
    /// group and answers its array, as supervisord's startProcess does.
    private static func process(_ value: XMLRPCValue, signalText: String? = nil,
                                _ request: @escaping (String) -> ControlRequest) -> XMLRPCStep {
        guard let name = Args.processName(value) else {
            return NS.gated(.failure(Args.unusable("process name must be a string")))
        }
        // An empty word cannot travel on SWV1; split_namespec('') names group '', which does not exist.
        if name.isEmpty { return NS.gated(.failure(XMLRPCFault(.badName, name))) }
        if NameResolution.split(name).process == nil {
            return NS.ask(request(name)) { .done(groupResults($0, name: name, signalText: signalText)) }
        }
        return NS.ask(request(Args.wire(name))) { items in
            if let signalText, case .result(let r)? = items.first, r.code == .badSignal {
                return .done(.failure(XMLRPCFault(.badSignal, signalText)))
            }
            return .done(NS.single(items, name: name))
        }
    }

    /// A method on a bare group name (supervisord looks it up in its groups:
    /// `g:*` is no group's name).
    private static func group(_ value: XMLRPCValue, signalText: String? = nil,
                              _ request: @escaping (String) -> ControlRequest) -> XMLRPCStep {
        switch Args.groupName(value) {
        case .unusable:
            return NS.gated(.failure(Args.unusable("group name must be a string")))
        case .noSuchGroup(let text):
            return NS.gated(.failure(XMLRPCFault(.badName, text)))
        case .name(let name):
            if name.isEmpty || name.contains(":") { return NS.gated(.failure(XMLRPCFault(.badName, name))) }
            return NS.ask(request(name + ":*")) { .done(groupResults($0, name: name, signalText: signalText)) }
        }
    }

    private static func all(_ request: ControlRequest, signalText: String? = nil) -> XMLRPCStep {
        NS.ask(request) { .done(groupResults($0, name: "all", signalText: signalText)) }
    }

    /// make_allfunc's array; a group that does not exist is BAD_NAME with the
    /// name as passed (the core answers it as one result without a process).
    static func groupResults(_ items: [ControlItem], name: String, signalText: String?) -> XMLRPCResult {
        var out: [XMLRPCValue] = []
        for case .result(var r) in items {
            if r.name == nil { return .failure(NS.fault(r.code, r.description, name: name)) }
            if r.code == .badSignal, let signalText { r.description = XMLRPCFault(.badSignal, signalText).string }
            out.append(XMLRPCProcessInfo.result(r))
        }
        return .success(.array(out))
    }

    /// The signal argument: a name or number, as a string or int. An empty
    /// string cannot travel on SWV1: a NUL byte, which no signal is named,
    /// stands in for it, and BAD_SIGNAL texts are rebuilt from what was passed.
    private static func signal(_ value: XMLRPCValue, _ then: (String, String) -> XMLRPCStep) -> XMLRPCStep {
        guard let sig = Args.signal(value) else {
            return NS.gated(.failure(Args.unusable("signal must be a name or a number")))
        }
        return then(sig.isEmpty ? "\u{0}" : sig, Args.pythonStr(value) ?? sig)
    }

    private static func clear(_ value: XMLRPCValue) -> XMLRPCStep {
        guard let name = Args.processName(value) else {
            return NS.gated(.failure(Args.unusable("process name must be a string")))
        }
        if name.isEmpty || NameResolution.split(name).process == nil {
            return NS.gated(.failure(XMLRPCFault(.badName, name)))
        }
        return NS.ask(.clear(names: [Args.wire(name)])) { items in
            // clearProcessLogs' only other fault is `FAILED: name`.
            if case .result(let r)? = items.first, r.code == .failed { return .done(.failure(XMLRPCFault(.failed, name))) }
            return .done(NS.single(items, name: name))
        }
    }

    /// sendProcessStdin: supervisord checks `chars` first (INCORRECT_PARAMETERS
    /// naming the value), then the name, then that the process runs.
    private static func sendStdin(_ nameValue: XMLRPCValue, _ charsValue: XMLRPCValue) -> XMLRPCStep {
        guard case .string(let chars) = charsValue else {
            return NS.gated(.failure(XMLRPCFault(.incorrectParameters, Args.pythonStr(charsValue) ?? "")))
        }
        guard let name = Args.processName(nameValue) else {
            return NS.gated(.failure(Args.unusable("process name must be a string")))
        }
        let (group, process) = NameResolution.split(name)
        guard let process, !name.isEmpty else { return NS.gated(.failure(XMLRPCFault(.badName, name))) }
        if chars.isEmpty {
            // Nothing to write (and an empty word cannot travel on SWV1):
            // only the checks supervisord makes before writing.
            return NS.ask(.status(names: [Args.wire(name)])) { items in
                for case .process(let s) in items where s.group == group && s.name == process {
                    if s.pid == 0 || s.state == ProcessState.stopping.rawValue { return .done(.failure(XMLRPCFault(.notRunning, name))) }
                    return .done(.success(.bool(true)))
                }
                return .done(.failure(XMLRPCFault(.badName, name)))
            }
        }
        return .control(.sendStdin(name: Args.wire(name), data: Array(chars.utf8))) { reply in
            switch reply {
            case .ok: return .done(.success(.bool(true)))
            case .fault(let f) where f.code == .noFile: return .done(.failure(XMLRPCFault(.noFile, name)))
            case .fault(let f): return .done(.failure(NS.fault(f.code, f.message, name: name)))
            }
        }
    }
}
