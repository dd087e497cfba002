// `swiftvisord --check`: one line that says the config is good and what it
// holds, followed by every warning with its file and line.

extension Configuration {
    /// `<file>: OK: 2 programs, 5 processes, 2 groups, 1 warning` then one line
    /// per warning, then one per swiftvisord-only option in use.
    public func summary() -> String {
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        let processes = groups.reduce(0) { $0 + $1.processes.count }
        var out = "\(configFile): OK: \(plural(programSections.count, "program")), \(plural(processes, "process").replacing("processs", with: "processes")), \(plural(groups.count, "group")), \(plural(warnings.count, "warning"))"
        for w in warnings { out += "\nwarning: \(w)" }
        for e in extensions { out += "\nextension: \(e)" }
        for line in DependencyGraph.describe(groups) { out += "\ndepends: \(line)" }
        return out
    }
}
