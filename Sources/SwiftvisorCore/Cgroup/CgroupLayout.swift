// Where the per-program cgroups of `cgroup=true` live, worked out from the
// text of /proc/self/mountinfo and /proc/self/cgroup (pure: the shell reads the
// files, docs/configuration.md "cgroup").
//
// Layout: <cgroup2 mount><the daemon's own cgroup>/swiftvisord.<daemon pid>/<group>:<process>
// The daemon creates a subtree under its own cgroup, so it needs no controller
// and touches nothing it was not given: under systemd that is the service's
// own cgroup (`Delegate=yes` hands it over officially), in a test a cgroup the
// test created. No controller is enabled anywhere, so cgroup v2's "no
// processes in inner nodes" rule does not apply to the daemon's own cgroup.

public enum CgroupLayout {
    /// The mount point of the cgroup v2 ("unified") hierarchy in a
    /// /proc/self/mountinfo text: field 5 is the mount point, and the
    /// filesystem type follows the " - " separator. The first one wins. Octal
    /// escapes (`\040` for a space) are decoded.
    public static func cgroup2Mount(mountinfo: String) -> String? {
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields.count > 4 else { continue }
            if fields[dash + 1] == "cgroup2" { return unescape(String(fields[4])) }
        }
        return nil
    }

    /// The process's cgroup v2 path (`/system.slice/x.service`) from a
    /// /proc/self/cgroup text: the line `0::<path>`. nil on a v1-only system.
    public static func ownCgroup(procSelfCgroup: String) -> String? {
        for line in procSelfCgroup.split(separator: "\n") where line.hasPrefix("0::") {
            let path = String(line.dropFirst(3))
            // " (deleted)" marks a removed cgroup; a relative path cannot be used.
            guard path.hasPrefix("/"), !path.hasSuffix(" (deleted)") else { return nil }
            return path
        }
        return nil
    }

    /// The daemon's subtree: `<mount><own>/swiftvisord.<pid>`.
    public static func daemonSubtree(mount: String, own: String, daemonPid: Int32) -> String {
        join(join(mount, own), "swiftvisord.\(daemonPid)")
    }

    /// The daemon pid in a subtree name `swiftvisord.<pid>`; nil for any other name.
    public static func daemonPid(subtreeName: String) -> Int32? {
        guard subtreeName.hasPrefix("swiftvisord.") else { return nil }
        guard let pid = Int32(subtreeName.dropFirst("swiftvisord.".count)), pid > 0 else { return nil }
        return pid
    }

    /// One process's cgroup directory name: `group:process`. Names never hold
    /// `/` (the config reader refuses it) and the `:` keeps them apart from the
    /// kernel's own `cgroup.*` files.
    public static func processCgroupName(group: String, process: String) -> String {
        "\(group):\(process)"
    }

    /// `populated 1` in a cgroup.events text (the cgroup or a descendant has a
    /// live process). nil when the line is missing.
    public static func populated(events: String) -> Bool? {
        for line in events.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "populated" { return parts[1] != "0" }
        }
        return nil
    }

    /// The pids listed in a cgroup.procs text (one per line); malformed or
    /// out-of-range lines are skipped.
    public static func pids(procs: String) -> [Int32] {
        procs.split(separator: "\n").compactMap { Int32($0) }.filter { $0 > 0 }
    }

    private static func join(_ a: String, _ b: String) -> String {
        let left = a.hasSuffix("/") ? String(a.dropLast()) : a
        let right = b.hasPrefix("/") ? String(b.dropFirst()) : b
        if right.isEmpty { return left.isEmpty ? "/" : left }
        return left + "/" + right
    }

    private static func unescape(_ s: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
               let v = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
