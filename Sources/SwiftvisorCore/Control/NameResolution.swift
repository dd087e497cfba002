// The one place where the names users type (`all`, `g:*`, `g:`, `g:p`, `p`)
// become processes, with supervisord's exact rules (options.py split_namespec,
// rpcinterface.py _getGroupAndProcess) and supervisorctl's exact fault texts.
// The daemon calls it to answer per-name results; swiftvisorctl calls it to
// expand `tail -f 'worker:*'` and `pid NAME` from a status listing.

/// A process as name resolution sees it.
public struct ProcessKey: Sendable, Equatable, Hashable {
    public var group: String
    public var name: String
    public init(group: String, name: String) { self.group = group; self.name = name }
    public var namespec: String { NameResolution.namespec(group: group, process: name) }
}

/// What one argument of start/stop/signal selects.
public enum NameSelection: Sendable, Equatable {
    /// `all`: every process, in the order given to `select`.
    case all([ProcessKey])
    /// `g:*` / `g:`: the group's processes, in the order given.
    case group(String, [ProcessKey])
    /// `g:p` / `p`: one process.
    case process(ProcessKey)
    /// The argument names nothing: reply with this result (BAD_NAME).
    case fault(NameResult)
}

public enum NameResolution {
    /// supervisord's make_namespec: `g:p`, or `p` when group and process are equal.
    public static func namespec(group: String, process: String) -> String {
        group == process ? process : "\(group):\(process)"
    }

    /// supervisord's split_namespec: `g:p` → (g, p); `g:*` and `g:` → (g, nil);
    /// `p` → (p, p). Only the first colon splits.
    public static func split(_ arg: String) -> (group: String, process: String?) {
        guard let colon = arg.firstIndex(of: ":") else { return (arg, arg) }
        let group = String(arg[..<colon])
        let process = String(arg[arg.index(after: colon)...])
        return (group, process.isEmpty || process == "*" ? nil : process)
    }

    /// Resolve the arguments of start/stop/signal. `all` anywhere wins and the
    /// other names are ignored (supervisorctl sends only the *All* call).
    /// `processes` is the daemon's order (the order results are returned in).
    public static func select(_ args: [String], from processes: [ProcessKey]) -> [NameSelection] {
        if args.contains("all") { return [.all(processes)] }
        return args.map { arg in
            let (group, process) = split(arg)
            if let process {
                let key = ProcessKey(group: group, name: process)
                // A bare name (`grp`) only matches a process of the same name in a
                // group of that name: a [group:grp] name is NOT a selector here.
                if processes.contains(key) { return .process(key) }
                return .fault(NameResult(group: group, name: process, code: .badName,
                                         description: ControlFault(.badName, arg).message, arg: arg))
            }
            let members = processes.filter { $0.group == group }
            if members.isEmpty {
                return .fault(NameResult(group: group, name: nil, code: .badName,
                                         description: ControlFault(.badName, group).message, arg: arg))
            }
            return .group(group, members)
        }
    }

    /// Resolve arguments that must each name one process (clear, and the single
    /// process calls): `g:*` is BAD_NAME with no process name, which supervisorctl
    /// prints as `g:None: ERROR (no such process)`.
    public static func selectProcesses(_ args: [String], from processes: [ProcessKey]) -> [NameSelection] {
        if args.contains("all") { return [.all(processes)] }
        return args.map { arg in
            let (group, process) = split(arg)
            if let process {
                let key = ProcessKey(group: group, name: process)
                if processes.contains(key) { return .process(key) }
            }
            return .fault(NameResult(group: group, name: process, code: .badName,
                                     description: ControlFault(.badName, arg).message, arg: arg))
        }
    }

    /// Find one process by namespec (getProcessInfo, sendProcessStdin, readlog,
    /// follow); nil when it names nothing or a group.
    public static func process(_ arg: String, in processes: [ProcessKey]) -> ProcessKey? {
        let (group, process) = split(arg)
        guard let process else { return nil }
        let key = ProcessKey(group: group, name: process)
        return processes.contains(key) ? key : nil
    }

    /// The `status [names]` reply: bad names first as `result` items (their `arg`
    /// is what supervisorctl prints), then the matching snapshots in argument
    /// order, each argument's matches in lexical (group, name) order. No names,
    /// or `all`, lists everything. Exactly supervisorctl's do_status filtering.
    public static func statusItems(_ args: [String], all: [ProcessSnapshot]) -> [ControlItem] {
        let sorted = all.sorted { ($0.group, $0.name) < ($1.group, $1.name) }
        if args.isEmpty || args.contains("all") { return sorted.map { .process($0) } }
        var errors: [ControlItem] = []
        var matches: [ControlItem] = []
        for arg in args {
            let (group, process) = split(arg)
            let found = sorted.filter { $0.group == group && (process == nil || $0.name == process) }
            if found.isEmpty {
                errors.append(.result(NameResult(group: group, name: process, code: .badName,
                                                 description: ControlFault(.badName, arg).message, arg: arg)))
            }
            matches += found.map { .process($0) }
        }
        return errors + matches
    }
}
