// swiftvisorctl's process verbs: status, pid, start, stop, restart, signal,
// clear (supervisorctl.py DefaultControllerPlugin do_status ... do_clear).

extension CtlController {
    // MARK: status, pid

    /// `health [NAME...]` (swiftvisor only, docs/dependencies.md): readiness,
    /// liveness and what each waiting process waits for, one line per process
    /// that uses them. Exit 3 when one of them is not RUNNING, as `status`.
    func doHealth(_ arg: String) throws(CtlAbort) {
        let words = arg.pythonSplit()
        guard try upcheck() else {
            exitStatus = CtlExitStatus.statusUnknown
            return
        }
        var any = false
        for item in try items(.status(names: words)) {
            switch item {
            case .process(let p):
                guard let line = HealthReport.line(p) else {
                    if !words.isEmpty { output(StatusFormatter.pad(p.namespec, 32) + " " + StatusFormatter.pad(p.statename, 9) + " no dependencies or checks") }
                    continue
                }
                any = true
                output(line)
                if p.statename != "RUNNING" { exitStatus = CtlExitStatus.statusNotRunning }
            case .result(let r):
                output("\(r.arg ?? r.namespec): ERROR (no such \(r.name == nil ? "group" : "process"))")
                exitStatus = CtlExitStatus.statusUnknown
            default: break
            }
        }
        if !any && words.isEmpty { output("no process has dependencies or checks") }
    }

    func doStatus(_ arg: String) throws(CtlAbort) {
        var words = arg.pythonSplit()
        let json = words.contains("--json")
        words.removeAll { $0 == "--json" }
        guard try upcheck() else {
            exitStatus = CtlExitStatus.statusUnknown
            return
        }
        let reply: [ControlItem]
        if !json && (words.isEmpty || words.contains("all")), let undecoded = try undecodedItems(.status(names: words)) {
            // Every process, printed from the reply's bytes when it allows
            // (StatusReplyFormatter: the same lines, without an item per process).
            if let lines = StatusReplyFormatter.lines(undecoded) {
                terminal.write(lines.output)
                if lines.anyStopped { exitStatus = CtlExitStatus.statusNotRunning }
                return
            }
            guard let decoded = UndecodedReply(status: .ok, items: undecoded).decoded() else {
                throw .transport(.incompatible("(malformed reply)"))
            }
            reply = decoded
        } else {
            reply = try items(.status(names: words))
        }
        var infos: [ProcessSnapshot] = []
        var bad: [NameResult] = []
        for item in reply {
            switch item {
            case .process(let p): infos.append(p)
            case .result(let r): bad.append(r)
            default: break
            }
        }
        if json {
            output(CtlJSON.status(infos, errors: bad))
        } else {
            // The daemon answers each name once; supervisorctl prints a line per
            // name as typed (`status web web` shows web twice): expand again here.
            var lines = infos
            var lineErrors = bad
            if !words.isEmpty && !words.contains("all") {
                lines = []
                lineErrors = []
                for item in NameResolution.statusItems(words, all: infos) {
                    switch item {
                    case .process(let p): lines.append(p)
                    case .result(let r): lineErrors.append(r)
                    default: break
                    }
                }
            }
            for r in lineErrors { output(Self.statusError(r)) }
            StatusFormatter.statusLines(lines).forEach(output)
        }
        if !bad.isEmpty { exitStatus = CtlExitStatus.statusUnknown }
        if infos.contains(where: \.isStopped) { exitStatus = CtlExitStatus.statusNotRunning }
    }

    static func statusError(_ r: NameResult) -> String {
        r.name == nil ? "\(r.group): ERROR (no such group)" : "\(r.arg ?? r.namespec): ERROR (no such process)"
    }

    func doPid(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        if names.isEmpty {
            for case .pid(let pid) in try items(.pid) { output(String(pid)) }
            return
        }
        let all = try allProcesses()
        if names.contains("all") {
            for p in all { output(String(p.pid)) }
            return
        }
        let keys = all.map { ProcessKey(group: $0.group, name: $0.name) }
        for name in names {
            guard let key = NameResolution.process(name, in: keys),
                  let info = all.first(where: { $0.group == key.group && $0.name == key.name }) else {
                exitStatus = CtlExitStatus.generic
                output("No such process \(name)")
                continue
            }
            output(String(info.pid))
            if info.pid == 0 { exitStatus = CtlExitStatus.notRunning }
        }
    }

    // MARK: start, stop, restart, signal, clear

    func results(_ reply: [ControlItem]) -> [NameResult] {
        reply.compactMap { if case .result(let r) = $0 { return r } else { return nil } }
    }

    func doStart(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        var names = arg.pythonSplit()
        // `--no-deps` (swiftvisor only): start just these, not their dependencies.
        let noDeps = names.first == "--no-deps"
        if noDeps { names.removeFirst() }
        guard !names.isEmpty else { return usageError("start", "start requires a process name", exit: CtlExitStatus.invalidArgs) }
        try printResults(.start(names: names, wait: true, noDeps: noDeps), groupFaultExit: CtlExitStatus.invalidArgs, ignoring: .alreadyStarted) { (r) throws(CtlAbort) -> String in
            switch r.code {
            case .badName: return "\(r.namespec): ERROR (no such process)"
            case .noFile: return "\(r.namespec): ERROR (no such file)"
            case .notExecutable: return "\(r.namespec): ERROR (file is not executable)"
            case .alreadyStarted: return "\(r.namespec): ERROR (already started)"
            case .spawnError: return "\(r.namespec): ERROR (spawn error)"
            case .abnormalTermination: return "\(r.namespec): ERROR (abnormal termination)"
            case .success: return "\(r.namespec): started"
            default: throw .unknownResult(code: r.code, name: r.namespec)
            }
        }
    }

    /// The per-name results of start/stop/signal, printed as supervisorctl does:
    /// a group that does not exist is `g: ERROR (no such group)` with
    /// `groupFaultExit`; every other result is `line(r)` and sets the exit
    /// status unless it is SUCCESS or `ignoring`.
    func printResults(_ request: ControlRequest, groupFaultExit: Int32, ignoring: FaultCode? = nil,
                      _ line: (NameResult) throws(CtlAbort) -> String) throws(CtlAbort) {
        for r in results(try items(request)) {
            if r.name == nil {
                output("\(r.group): ERROR (no such group)")
                exitStatus = groupFaultExit
                continue
            }
            output(try line(r))
            setExit(CtlExitStatus.forResult(r.code, ignoring: ignoring))
        }
    }

    /// supervisorctl's _signalresult (stop uses it with "stopped").
    func signalResult(_ r: NameResult, success: String) throws(CtlAbort) -> String {
        switch r.code {
        case .badName: return "\(r.namespec): ERROR (no such process)"
        case .badSignal: return "\(r.namespec): ERROR (bad signal name)"
        case .notRunning: return "\(r.namespec): ERROR (not running)"
        case .success: return "\(r.namespec): \(success)"
        case .failed: return r.description
        default: throw .unknownResult(code: r.code, name: r.namespec)
        }
    }

    func doStop(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return usageError("stop", "stop requires a process name", exit: CtlExitStatus.generic) }
        try printResults(.stop(names: names), groupFaultExit: CtlExitStatus.generic, ignoring: .notRunning) { r throws(CtlAbort) in
            try signalResult(r, success: "stopped")
        }
    }

    func doRestart(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        guard !arg.pythonSplit().isEmpty else { return usageError("restart", "restart requires a process name", exit: CtlExitStatus.generic) }
        try doStop(arg)
        try doStart(arg)
    }

    func doSignal(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let args = arg.pythonSplit()
        guard args.count >= 2 else { return usageError("signal", "signal requires a signal name and a process name", exit: CtlExitStatus.generic) }
        try printResults(.signal(signal: args[0], names: Array(args.dropFirst())), groupFaultExit: CtlExitStatus.generic) { r throws(CtlAbort) in
            try signalResult(r, success: "signalled")
        }
    }

    func doClear(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return usageError("clear", "clear requires a process name", exit: CtlExitStatus.generic) }
        for r in results(try items(.clear(names: names))) {
            switch r.code {
            case .badName: output("\(r.namespec): ERROR (no such process)")
            case .failed: output("\(r.namespec): ERROR (failed)")
            case .success: output("\(r.namespec): cleared")
            default: throw .unknownResult(code: r.code, name: r.namespec)
            }
            setExit(CtlExitStatus.forResult(r.code))
        }
    }
}
