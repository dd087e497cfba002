// swiftvisorctl's group verbs: reread, update, add, remove, avail
// (supervisorctl.py do_reread, do_update, do_add, do_remove, do_avail), and
// the argument checks the verbs share.

extension CtlController {
    // MARK: reread, update, add, remove, avail

    /// supervisorctl's answer to a verb used wrongly: `Error: <message>`, the
    /// verb's help, and `exit` as the status.
    func usageError(_ verb: String, _ message: String, exit: Int32) {
        output("Error: \(message)")
        exitStatus = exit
        help(verb)
    }

    /// The check for verbs that take nothing (`Error: X accepts no arguments`,
    /// exit status 1). True when `arg` is empty.
    func noArguments(_ arg: String, _ verb: String) -> Bool {
        guard arg.isEmpty else {
            usageError(verb, "\(verb) accepts no arguments", exit: CtlExitStatus.generic)
            return false
        }
        return true
    }

    func doReread(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "reread") else { return }
        switch try send(.reread) {
        case .ok(let items):
            let changes = items.compactMap { if case .change(let c) = $0 { return c } else { return nil } }
            StatusFormatter.rereadLines(changes).forEach(output)
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            switch f.code {
            case .shutdownState: output("ERROR: supervisor shutting down")
            case .cantReread: output("ERROR: \(f.message)")
            default: throw .unexpectedFault(f)
            }
        }
    }

    /// One group operation that supervisorctl does not expect to fail (update's
    /// stop/remove/add): any fault escapes as the Fault error line.
    func groupCall(_ request: ControlRequest) throws(CtlAbort) -> [NameResult] {
        let rs = results(try items(request))
        if let bad = rs.first(where: { $0.code != .success && $0.name == nil }) {
            throw .unexpectedFault(ControlFault(code: bad.code, message: bad.description))
        }
        return rs
    }

    func doUpdate(_ arg: String) throws(CtlAbort) {
        let changes: [ConfigChange]
        switch try send(.reread) {
        case .ok(let items):
            changes = items.compactMap { if case .change(let c) = $0 { return c } else { return nil } }
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            if f.code == .shutdownState { output("ERROR: already shutting down"); return }
            throw .unexpectedFault(f)
        }
        let added = changes.filter { $0.kind == .added }.map(\.group)
        let changed = changes.filter { $0.kind == .changed }.map(\.group)
        let removed = changes.filter { $0.kind == .removed }.map(\.group)
        var wanted: [String] = []
        for g in arg.pythonSplit() where !wanted.contains(g) { wanted.append(g) }
        if wanted.contains("all") { wanted = [] }
        if !wanted.isEmpty {
            let groups = Set(try allProcesses().map(\.group)).union(added)
            for g in wanted where !groups.contains(g) {
                output("ERROR: no such group: \(g)")
                exitStatus = CtlExitStatus.generic
            }
        }
        func skip(_ g: String) -> Bool { !wanted.isEmpty && !wanted.contains(g) }
        for g in removed where !skip(g) {
            let stopped = try groupCall(.stop(names: [g + ":*"]))
            output("\(g): stopped")
            if stopped.contains(where: { $0.code == .failed }) {
                output("\(g): has problems; not removing")
                exitStatus = CtlExitStatus.generic
                continue
            }
            try expectSuccess(groupCall(.remove(groups: [g])))
            output("\(g): removed process group")
        }
        for g in changed where !skip(g) {
            _ = try groupCall(.stop(names: [g + ":*"]))
            output("\(g): stopped")
            try expectSuccess(groupCall(.remove(groups: [g])))
            try expectSuccess(groupCall(.add(groups: [g])))
            output("\(g): updated process group")
        }
        for g in added where !skip(g) {
            try expectSuccess(groupCall(.add(groups: [g])))
            output("\(g): added process group")
        }
    }

    private func expectSuccess(_ rs: [NameResult]) throws(CtlAbort) {
        if let bad = rs.first(where: { $0.code != .success }) {
            throw .unexpectedFault(ControlFault(code: bad.code, message: bad.description))
        }
    }

    func doAdd(_ arg: String) throws(CtlAbort) {
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return }
        switch try send(.add(groups: names)) {
        case .fault(let f) where f.code == .shutdownState:
            for _ in names { output("ERROR: shutting down") }
            exitStatus = CtlExitStatus.generic
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            throw .unexpectedFault(f)
        case .ok(let items):
            for r in results(items) {
                switch r.code {
                case .success: output("\(r.group): added process group")
                case .shutdownState: output("ERROR: shutting down"); exitStatus = CtlExitStatus.generic
                case .alreadyAdded: output("ERROR: process group already active")
                case .badName: output("ERROR: no such process/group: \(r.group)"); exitStatus = CtlExitStatus.generic
                default:
                    exitStatus = CtlExitStatus.generic
                    throw .unexpectedFault(ControlFault(code: r.code, message: r.description))
                }
            }
        }
    }

    func doRemove(_ arg: String) throws(CtlAbort) {
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return }
        for r in results(try items(.remove(groups: names))) {
            switch r.code {
            case .success: output("\(r.group): removed process group")
            case .stillRunning: output("ERROR: process/group still running: \(r.group)"); exitStatus = CtlExitStatus.generic
            case .badName: output("ERROR: no such process/group: \(r.group)"); exitStatus = CtlExitStatus.generic
            default:
                exitStatus = CtlExitStatus.generic
                throw .unexpectedFault(ControlFault(code: r.code, message: r.description))
            }
        }
    }

    func doAvail(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "avail") else { return }
        switch try send(.avail) {
        case .ok(let items):
            for case .config(let c) in items { output(StatusFormatter.availLine(c)) }
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            if f.code == .shutdownState { output("ERROR: supervisor shutting down"); return }
            throw .unexpectedFault(f)
        }
    }
}
