// supervisorctl's status, avail and reread lines (supervisorctl.py
// _show_statuses, _formatConfigInfo, _formatChanges), byte for byte.

public enum StatusFormatter {
    /// `'%-{W}s%-10s%s' % (namespec, statename, description)` with
    /// W = max(30, longest namespec of this listing) + 3, in the given order
    /// (the daemon sends them sorted by group, then name). An empty description
    /// leaves the padding spaces at the end of the line, as supervisorctl does.
    public static func statusLines(_ infos: [ProcessSnapshot]) -> [String] {
        let specs = infos.map(\.namespec)
        let width = max(30, specs.map(pythonLength).max() ?? 0) + 3
        return zip(specs, infos).map { spec, info in
            pad(spec, width) + pad(info.statename, 10) + info.description
        }
    }

    /// `'%(name)-32s %(inuse)-9s %(autostart)-9s %(priority)s'`.
    public static func availLine(_ c: ConfigInfo) -> String {
        pad(c.namespec, 32) + " " + pad(c.inuse ? "in use" : "avail", 9) + " "
            + pad(c.autostart ? "auto" : "manual", 9) + " " + "\(c.groupPriority):\(c.processPriority)"
    }

    /// `name: available|changed|disappeared`, sorted by name (a group in two
    /// lists shows the later kind, as supervisorctl's dict update does), or
    /// `No config updates to processes`.
    public static func rereadLines(_ changes: [ConfigChange]) -> [String] {
        var kind: [String: String] = [:]
        for k in [ConfigChange.Kind.added, .changed, .removed] {
            for c in changes where c.kind == k {
                kind[c.group] = k == .added ? "available" : k == .changed ? "changed" : "disappeared"
            }
        }
        if kind.isEmpty { return ["No config updates to processes"] }
        return kind.keys.sorted(by: pythonLess).map { "\($0): \(kind[$0]!)" }
    }

    /// Python's `%-Ns`: pad to N code points, never truncate.
    public static func pad(_ s: String, _ width: Int) -> String {
        let n = pythonLength(s)
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }

    /// Python `len(str)`: code points.
    public static func pythonLength(_ s: String) -> Int { s.unicodeScalars.count }

    /// Python string order: by code point (Swift's `<` on String is by
    /// canonical equivalence, which can differ for non-ASCII).
    public static func pythonLess(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }
}
