// The dependency graph between processes, resolved from `depends_on=`
// (docs/dependencies.md): names become processes, and a graph that could
// never start (an unknown name, a process waiting for itself, a cycle) is
// refused before anything runs, as s6-rc-compile and process-compose refuse it.

/// Why a `depends_on=` cannot be resolved; the reader adds file and line.
public struct DependencyError: Error, Sendable, Equatable {
    /// The section whose `depends_on` is wrong (`program:web`).
    public var section: String
    public var location: SourceLocation?
    public var reason: String
    public var hint: String
}

public enum DependencyGraph {
    /// Every process of the configuration that `target` names: `prog` (every
    /// process of that program, or of the group of that name), `grp:proc`,
    /// `grp:*`. Empty when it names nothing.
    public static func resolve(_ target: String, in groups: [GroupConfig]) -> [ProcessConfig] {
        if let colon = target.firstIndex(of: ":") {
            let group = String(target[..<colon]), name = String(target[target.index(after: colon)...])
            guard let g = groups.first(where: { $0.name == group }) else { return [] }
            return name == "*" ? g.processes : g.processes.filter { $0.name == name }
        }
        let byProgram = groups.flatMap { $0.processes.filter { $0.programName == target } }
        if !byProgram.isEmpty { return byProgram }
        return groups.first(where: { $0.name == target })?.processes ?? []
    }

    /// Resolves every process's `dependsOn` into `dependencies` and checks
    /// the whole graph. The groups come back in the same order.
    public static func resolveAll(_ groups: [GroupConfig]) throws(DependencyError) -> [GroupConfig] {
        var out = groups
        for gi in out.indices {
            for pi in out[gi].processes.indices {
                let p = out[gi].processes[pi]
                guard !p.dependsOn.isEmpty else { continue }
                let section = sectionName(p, out[gi])
                var resolved: [ResolvedDependency] = []
                for spec in p.dependsOn {
                    let targets = resolve(spec.target, in: groups)
                    let parts = spec.target.split(separator: ":", omittingEmptySubsequences: false)
                    if targets.isEmpty, parts.count == 2, parts[1] != "*", !resolve(String(parts[0]), in: groups).isEmpty {
                        throw DependencyError(section: section, location: p.dependsOnLocation,
                                              reason: "\"\(parts[1])\" in \"\(spec.target)\" is not a condition nor a process of \(parts[0])",
                                              hint: "use one of \(DependencyCondition.words.joined(separator: ", ")), e.g. depends_on=\(parts[0]):running")
                    }
                    if targets.isEmpty {
                        let conditionHint = spec.target.contains(":") && !spec.target.hasSuffix(":*")
                            ? "; a condition is one of \(DependencyCondition.words.joined(separator: ", "))" : ""
                        throw DependencyError(section: section, location: p.dependsOnLocation,
                                              reason: "\"\(spec.target)\" names no program, group or process",
                                              hint: "name a [program:x] (all its processes), GROUP:NAME or GROUP:*\(conditionHint)")
                    }
                    for t in targets {
                        if t.programName == p.programName && t.groupName == p.groupName {
                            throw DependencyError(section: section, location: p.dependsOnLocation,
                                                  reason: "\"\(spec.target)\" is the program itself: a program cannot wait for itself",
                                                  hint: "remove \(spec.target) from depends_on")
                        }
                        let r = ResolvedDependency(namespec: t.namespec, condition: spec.condition, spec: spec)
                        if !resolved.contains(r) { resolved.append(r) }
                    }
                }
                out[gi].processes[pi].dependencies = resolved
            }
        }
        if let cycle = findCycle(out) {
            let first = cycle[0]
            let (g, p) = locate(first, in: out)!
            throw DependencyError(section: sectionName(p, g), location: p.dependsOnLocation,
                                  reason: "depends_on forms a cycle: \(cycle.joined(separator: " -> ")) -> \(first)",
                                  hint: "remove one of these dependencies so that something can start first")
        }
        return out
    }

    /// A cycle as namespecs in dependency order, nil when there is none.
    /// Iterative depth-first search, so a long chain cannot exhaust the stack.
    public static func findCycle(_ groups: [GroupConfig]) -> [String]? {
        var edges: [String: [String]] = [:]
        var order: [String] = []
        for g in groups { for p in g.processes { order.append(p.namespec); edges[p.namespec] = p.dependencies.map(\.namespec) } }
        enum Mark { case active, done }
        var mark: [String: Mark] = [:]
        for root in order where mark[root] == nil {
            var stack: [(node: String, next: Int)] = [(root, 0)]
            mark[root] = .active
            while let top = stack.last {
                let successors = edges[top.node] ?? []
                if top.next >= successors.count {
                    mark[top.node] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let n = successors[top.next]
                switch mark[n] {
                case .active:
                    let start = stack.firstIndex { $0.node == n } ?? 0
                    return stack[start...].map(\.node)
                case .done: continue
                case nil:
                    mark[n] = .active
                    stack.append((n, 0))
                }
            }
        }
        return nil
    }

    /// The processes that depend on each process, directly (namespec → dependents).
    public static func dependents(_ groups: [GroupConfig]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for g in groups {
            for p in g.processes {
                for d in p.dependencies where !(out[d.namespec]?.contains(p.namespec) ?? false) {
                    out[d.namespec, default: []].append(p.namespec)
                }
            }
        }
        return out
    }

    /// `--check`: one line per waiting process, `web -> db:ready, migrate:exited_ok`.
    public static func describe(_ groups: [GroupConfig]) -> [String] {
        groups.flatMap(\.processes).filter { !$0.dependencies.isEmpty }.map { p in
            "\(p.namespec) -> " + p.dependencies.map { "\($0.namespec):\($0.condition.word)" }.joined(separator: ", ")
        }
    }

    /// Whether any process of the configuration has a dependency.
    public static func isEmpty(_ groups: [GroupConfig]) -> Bool {
        !groups.contains { $0.processes.contains { !$0.dependencies.isEmpty } }
    }

    static func locate(_ namespec: String, in groups: [GroupConfig]) -> (GroupConfig, ProcessConfig)? {
        for g in groups { if let p = g.processes.first(where: { $0.namespec == namespec }) { return (g, p) } }
        return nil
    }

    static func sectionName(_ p: ProcessConfig, _ g: GroupConfig) -> String {
        switch g.kind {
        case .fcgiProgram: return "fcgi-program:\(p.programName)"
        case .eventListener: return "eventlistener:\(p.programName)"
        case .program, .heterogeneous: return "program:\(p.programName)"
        }
    }
}
