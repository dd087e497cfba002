/// What `reread`, `update` and `avail` compare: the groups the daemon runs
/// against the groups of the config just read (supervisord's
/// `supervisord.diff_to_active`, returned by `rpcinterface.reloadConfig`).
public enum ConfigDiff {
    /// The changes, added first, then changed, then removed. Added and changed
    /// groups come in the new config's order (it is sorted by (priority,
    /// name)), removed ones in `running`'s order, which must be the order the
    /// daemon added them (supervisord's `process_groups` dict): supervisorctl's
    /// `update` acts on and prints them in exactly this order.
    public static func changes(running: [GroupConfig], proposed: [GroupConfig]) -> [ConfigChange] {
        var active: [String: GroupConfig] = [:]
        for g in running where active[g.name] == nil { active[g.name] = g }
        var proposedNames: Set<String> = []
        var added: [ConfigChange] = []
        var changed: [ConfigChange] = []
        for g in proposed where proposedNames.insert(g.name).inserted {
            if let old = active[g.name] {
                if !sameRuntime(old, g) { changed.append(ConfigChange(.changed, group: g.name)) }
            } else {
                added.append(ConfigChange(.added, group: g.name))
            }
        }
        var removed: [ConfigChange] = []
        var seen: Set<String> = []
        for g in running where !proposedNames.contains(g.name) && seen.insert(g.name).inserted {
            removed.append(ConfigChange(.removed, group: g.name))
        }
        return added + changed + removed
    }

    /// Whether two group configs would run the same processes, ignoring where
    /// they were written (a line moved in the file changes nothing):
    /// supervisord compares options only (`ProcessGroupConfig.__eq__`).
    public static func sameRuntime(_ a: GroupConfig, _ b: GroupConfig) -> Bool {
        var a = a, b = b
        a.location = nil
        b.location = nil
        for i in a.processes.indices { a.processes[i].location = nil }
        for i in b.processes.indices { b.processes[i].location = nil }
        return a == b
    }
}
