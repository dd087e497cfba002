/// The orders in which supervisord walks its groups and processes
/// (supervisord.py `Supervisor.runforever` and `ordered_stop_groups_phase_1`,
/// rpcinterface.py `startAllProcesses`/`stopAllProcesses`, process.py
/// `ProcessGroupBase.stop_all`, all at 4.3.0; docs/state-machine.md). Each
/// function takes the groups as configured and returns them in
/// the order the daemon must act; nothing here waits: supervisord forks every
/// process of an autostart or `start all` pass at once, priority only orders
/// the `fork()` calls.
///
/// Sorting is stable everywhere (supervisord relies on Python's stable sort),
/// and names compare by Unicode code point, as Python compares `str`.
public enum StartOrder {
    /// Groups by ascending (priority, name): supervisord's `process_groups`
    /// sorted by priority on top of the (priority, name) order they were read in.
    public static func groupsAscending(_ groups: [GroupConfig]) -> [GroupConfig] {
        stableSorted(groups) { a, b in
            a.priority != b.priority ? a.priority < b.priority : pythonLess(a.name, b.name)
        }
    }

    /// Autostart: every group's `transition()` in ascending group order, and
    /// inside a group the processes in their configured order (the group's
    /// dict order; supervisord does not sort them by priority here).
    public static func autostart(_ groups: [GroupConfig]) -> [ProcessConfig] {
        groupsAscending(groups).flatMap(\.processes)
    }

    /// `start all` and `stop all` (`_getAllProcesses`): ascending group order,
    /// then each group's processes by ascending process priority. `stop all`
    /// uses this same ascending order, contrary to the docs (issue #217).
    public static func startAll(_ groups: [GroupConfig]) -> [ProcessConfig] {
        groupsAscending(groups).flatMap { processesAscending(in: $0) }
    }

    /// `start group:*` / `stop group:*`: the group's processes by ascending
    /// priority, ties in configured order.
    public static func processesAscending(in group: GroupConfig) -> [ProcessConfig] {
        stableSorted(group.processes) { $0.priority < $1.priority }
    }

    /// Shutdown and reload: the groups stopped one at a time, highest priority
    /// first. supervisord pops its ascending list from the end, so among equal
    /// priorities the names come in reverse order.
    public static func shutdownGroups(_ groups: [GroupConfig]) -> [GroupConfig] {
        groupsAscending(groups).reversed()
    }

    /// Shutdown of one group (`stop_all`): all its processes signalled at once,
    /// in descending priority; supervisord reverses its ascending stable sort,
    /// so ties come in reverse configured order.
    public static func shutdownProcesses(in group: GroupConfig) -> [ProcessConfig] {
        processesAscending(in: group).reversed()
    }

    /// `avail` (getAllConfigInfo): every group's processes in ascending group
    /// order, then re-sorted by process name alone (`configinfo.sort(key=
    /// lambda r: r['name'])`), so `grp:ga` lists before `gone`; equal names
    /// keep their group order.
    public static func avail(_ groups: [GroupConfig]) -> [(group: GroupConfig, process: ProcessConfig)] {
        let all = groupsAscending(groups).flatMap { g in g.processes.map { (group: g, process: $0) } }
        return stableSorted(all) { pythonLess($0.process.name, $1.process.name) }
    }

    // Swift's sort is not documented as stable; break ties by position.
    private static func stableSorted<T>(_ items: [T], by less: (T, T) -> Bool) -> [T] {
        items.enumerated().sorted { a, b in
            if less(a.element, b.element) { return true }
            if less(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Python's `str` ordering: by code point, not by Swift's canonical
    /// (normalisation-aware) String ordering.
    static func pythonLess(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }
}
