// An in-memory ConfigHost: files, directories and accounts are whatever the
// test says. A test double of the host interface, not of the OS.
@testable import SwiftvisorCore

struct FakeConfigHost: ConfigHost {
    var files: [String: String] = [:]
    /// Files given as bytes (not valid UTF-8, for example); read before `files`.
    var rawFiles: [String: [UInt8]] = [:]
    var directories: Set<String> = ["/", "/etc", "/tmp", "/var/log", "/home/alice"]
    var users: [HostUser] = [HostUser(name: "root", uid: 0, gid: 0, home: "/root"),
                             HostUser(name: "alice", uid: 1000, gid: 1000, home: "/home/alice")]
    var groups: [String: UInt32] = ["root": 0, "staff": 50]
    var environment: [String: String] = ["HOME": "/home/alice", "PATH": "/usr/bin:/bin"]
    var hostName = "box"
    var currentDirectory = "/srv"
    var tempDirectory = "/tmp"
    var currentUID: UInt32 = 0

    init(_ files: [String: String] = [:]) {
        self.files = files
        for path in files.keys { addParents(of: path) }
        directories.insert(currentDirectory)
    }

    mutating func addParents(of path: String) {
        var p = PythonSyntax.dirname(path)
        while !p.isEmpty && p != "/" { directories.insert(p); p = PythonSyntax.dirname(p) }
    }

    func readFile(_ path: String) -> [UInt8]? { rawFiles[path] ?? files[path].map { Array($0.utf8) } }
    func isDirectory(_ path: String) -> Bool { directories.contains(path) }
    func fileExists(_ path: String) -> Bool { rawFiles[path] != nil || files[path] != nil || directories.contains(path) }
    func glob(_ pattern: String) -> [String] {
        (Array(files.keys) + Array(directories)).filter { FakeConfigHost.matches(pattern, $0) }
    }
    func user(named: String) -> HostUser? { users.first { $0.name == named } }
    func user(uid: UInt32) -> HostUser? { users.first { $0.uid == uid } }
    func groupID(named: String) -> UInt32? { groups[named] }
    func groupExists(gid: UInt32) -> Bool { groups.values.contains(gid) }

    /// fnmatch per path segment: `*`, `?`, `[...]`; `*` does not cross `/` or match a leading dot.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        let ps = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let ss = path.split(separator: "/", omittingEmptySubsequences: false)
        guard ps.count == ss.count else { return false }
        return zip(ps, ss).allSatisfy { p, s in
            if s.hasPrefix(".") && !p.hasPrefix(".") { return false }
            return segment(Array(p), Array(s))
        }
    }

    static func segment(_ p: [Character], _ s: [Character]) -> Bool {
        if p.isEmpty { return s.isEmpty }
        switch p[0] {
        case "*":
            for i in 0...s.count where segment(Array(p.dropFirst()), Array(s.dropFirst(i))) { return true }
            return false
        case "?":
            return !s.isEmpty && segment(Array(p.dropFirst()), Array(s.dropFirst()))
        case "[":
            guard let close = p.dropFirst().firstIndex(of: "]"), !s.isEmpty else { return false }
            let set = p[1..<close]
            return set.contains(s[0]) && segment(Array(p[(close + 1)...]), Array(s.dropFirst()))
        default:
            return !s.isEmpty && s[0] == p[0] && segment(Array(p.dropFirst()), Array(s.dropFirst()))
        }
    }
}

/// `[supervisord]` with log files in /tmp, then `body`.
func mainConfig(_ body: String) -> String {
    "[supervisord]\nlogfile=/tmp/sv.log\npidfile=/tmp/sv.pid\n" + body
}

/// Load `/etc/sv.conf` holding `text` from a fake host.
func load(_ text: String, host: FakeConfigHost? = nil, overrides: ConfigOverrides = ConfigOverrides()) throws -> Configuration {
    var h = host ?? FakeConfigHost()
    h.files["/etc/sv.conf"] = text
    return try ConfigLoader(host: h).load(path: "/etc/sv.conf", overrides: overrides)
}

/// The error `text` is rejected with, as printed.
func rejection(_ text: String, host: FakeConfigHost? = nil, overrides: ConfigOverrides = ConfigOverrides()) -> String? {
    do {
        _ = try load(text, host: host, overrides: overrides)
        return nil
    } catch {
        return "\(error)"
    }
}
