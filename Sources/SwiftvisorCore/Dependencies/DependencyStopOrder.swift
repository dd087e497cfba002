// Stop order with dependencies (docs/dependencies.md, "Stop order"): a
// process stops only after every process that depends on it, as s6-rc and
// process-compose's ordered_shutdown do. Between processes that do not
// depend on each other supervisord's order stays: the sort below is stable
// over it, taking at each step the earliest process that may stop.

public enum DependencyStopOrder {
    /// For each selected process, the selected processes that depend on it,
    /// directly or through others (`stop all`, `stop grp:*`): it is stopped
    /// once they are all stopped.
    public static func blockers(_ selected: [String], groups: [GroupConfig]) -> [String: Set<String>] {
        let dependents = DependencyGraph.dependents(groups)
        guard !dependents.isEmpty else { return [:] }
        let chosen = Set(selected)
        var out: [String: Set<String>] = [:]
        for name in selected {
            var seen: Set<String> = [name]
            var queue = dependents[name] ?? []
            var found: Set<String> = []
            while let next = queue.popLast() {
                guard seen.insert(next).inserted else { continue }
                if chosen.contains(next) { found.insert(next) }
                queue += dependents[next] ?? []
            }
            if !found.isEmpty { out[name] = found }
        }
        return out
    }

    /// Shutdown and reload: supervisord stops one group at a time, highest
    /// priority first (`StartOrder.shutdownGroups`), every process of a group
    /// at once. With dependencies, dependents move ahead of what they depend
    /// on, and a group is split where one of its processes must wait for another.
    /// Each batch is stopped at once; the next starts when it is fully stopped.
    public static func shutdownBatches(_ groups: [GroupConfig]) -> [[ProcessConfig]] {
        let sequence = StartOrder.shutdownGroups(groups).flatMap { StartOrder.shutdownProcesses(in: $0) }
        let dependents = DependencyGraph.dependents(groups)
        let ordered = dependents.isEmpty ? sequence : stableOrder(sequence, dependents: dependents)
        var batches: [[ProcessConfig]] = []
        var current: [ProcessConfig] = []
        var inCurrent: Set<String> = []
        for p in ordered {
            let waitsForCurrent = (dependents[p.namespec] ?? []).contains { inCurrent.contains($0) }
            if let first = current.first, first.groupName != p.groupName || waitsForCurrent {
                batches.append(current)
                current = []
                inCurrent = []
            }
            current.append(p)
            inCurrent.insert(p.namespec)
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// Kahn's algorithm taking, at each step, the earliest process (in
    /// `sequence`) whose dependents have all been placed.
    static func stableOrder(_ sequence: [ProcessConfig], dependents: [String: [String]]) -> [ProcessConfig] {
        var index: [String: Int] = [:]
        for (i, p) in sequence.enumerated() { index[p.namespec] = i }
        var pending = [Int](repeating: 0, count: sequence.count)
        for (i, p) in sequence.enumerated() {
            pending[i] = Set(dependents[p.namespec] ?? []).filter { index[$0] != nil }.count
        }
        var ready = MinHeap()
        for i in sequence.indices where pending[i] == 0 { ready.push(i) }
        var out: [ProcessConfig] = []
        out.reserveCapacity(sequence.count)
        while let i = ready.pop() {
            let p = sequence[i]
            out.append(p)
            // p is placed: each of its dependencies has one dependent fewer to wait for.
            for d in Set(p.dependencies.map(\.namespec)) {
                guard let j = index[d] else { continue }
                pending[j] -= 1
                if pending[j] == 0 { ready.push(j) }
            }
        }
        // A cycle is refused at load; should one slip through, keep the rest in order.
        if out.count < sequence.count {
            let placed = Set(out.map(\.namespec))
            out += sequence.filter { !placed.contains($0.namespec) }
        }
        return out
    }

    /// A binary min-heap of indices.
    struct MinHeap {
        private var items: [Int] = []
        mutating func push(_ v: Int) {
            items.append(v)
            var c = items.count - 1
            while c > 0 {
                let parent = (c - 1) / 2
                guard items[c] < items[parent] else { break }
                items.swapAt(c, parent)
                c = parent
            }
        }
        mutating func pop() -> Int? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            guard !items.isEmpty else { return top }
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l] < items[m] { m = l }
                if r < items.count && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
            return top
        }
    }
}
