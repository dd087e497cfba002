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
        // Indexed once, so a request of many names costs one lookup per name.
        let known = Set(processes)
        var byGroup: [String: [ProcessKey]] = [:]
        for key in processes { byGroup[key.group, default: []].append(key) }
        // A group named again (`g:* g:* g:`) is selected once: a repeat would
        // only find its processes already done (start/stop skip them), and one
        // request line must not multiply into members × repeats results.
        var groupsSeen = Set<String>()
        var out: [NameSelection] = []
        for arg in args {
            let (group, process) = split(arg)
            if let process {
                let key = ProcessKey(group: group, name: process)
                // A bare name (`grp`) only matches a process of the same name in a
                // group of that name: a [group:grp] name is NOT a selector here.
                if known.contains(key) { out.append(.process(key)); continue }
                out.append(.fault(NameResult(group: group, name: process, code: .badName,
                                             description: ControlFault(.badName, arg).message, arg: arg)))
                continue
            }
            guard let members = byGroup[group] else {
                out.append(.fault(NameResult(group: group, name: nil, code: .badName,
                                             description: ControlFault(.badName, group).message, arg: arg)))
                continue
            }
            if groupsSeen.insert(group).inserted { out.append(.group(group, members)) }
        }
        return out
    }

    /// Resolve arguments that must each name one process (clear, and the single
    /// process calls): `g:*` is BAD_NAME with no process name, which supervisorctl
    /// prints as `g:None: ERROR (no such process)`.
    public static func selectProcesses(_ args: [String], from processes: [ProcessKey]) -> [NameSelection] {
        if args.contains("all") { return [.all(processes)] }
        let known = Set(processes)
        return args.map { arg in
            let (group, process) = split(arg)
            if let process {
                let key = ProcessKey(group: group, name: process)
                if known.contains(key) { return .process(key) }
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
    ///
    /// With `unique` (what the daemon sends) every argument and every process
    /// appears at most once, however often it was named (`status w:* w:* …`):
    /// the reply is bounded by the process table, not by the request. The
    /// client gets supervisorctl's repeated lines back by running this again,
    /// without `unique`, over the snapshots it received.
    public static func statusItems(_ args: [String], all: [ProcessSnapshot], unique: Bool = false) -> [ControlItem] {
        let sorted = all.sorted { ($0.group, $0.name) < ($1.group, $1.name) }
        if args.isEmpty || args.contains("all") { return sorted.map { .process($0) } }
        var byGroup: [String: [ProcessSnapshot]] = [:]
        for p in sorted { byGroup[p.group, default: []].append(p) }
        var argsSeen = Set<String>()
        var processesSeen = Set<ProcessKey>()
        var errors: [ControlItem] = []
        var matches: [ControlItem] = []
        for arg in args {
            if unique && !argsSeen.insert(arg).inserted { continue }
            let (group, process) = split(arg)
            let found = (byGroup[group] ?? []).filter { process == nil || $0.name == process }
            if found.isEmpty {
                errors.append(.result(NameResult(group: group, name: process, code: .badName,
                                                 description: ControlFault(.badName, arg).message, arg: arg)))
            }
            for p in found where !unique || processesSeen.insert(ProcessKey(group: p.group, name: p.name)).inserted {
                matches.append(.process(p))
            }
        }
        return errors + matches
    }
}
