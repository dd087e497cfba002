// Fuzz target "config": the whole config reader (INI dialect, `%` expansion,
// value types, [include] through an in-memory ConfigHost) on arbitrary
// bytes, swiftvisorctl's reading of the same bytes (two sections kept, the
// others skipped on their bytes, checked against the full read), then each
// line through the value-type converters directly.
//
// Input: the main file /etc/sv.conf. A line `#@file NAME` (a comment to the
// INI reader) starts another file, /etc/NAME, which `[include] files=` can
// name, e.g. `files=conf.d/*.conf` after `#@file conf.d/a.conf`.

enum ConfigReaderFuzzTarget: FuzzTarget {
    static let name = "config"

    static func run(_ input: [UInt8]) {
        let host = MemoryConfigHost(splitting: input)
        if let config = try? ConfigLoader(host: host).load(path: "/etc/sv.conf") {
            _ = config.dump().serialized()
            _ = config.summary()
            for group in config.groups {
                for p in group.processes { _ = try? splitCommandLine(p.command) }
            }
        }
        checkKeepingOnly(input)
        _ = try? CtlConfig.parse(String(decoding: input, as: UTF8.self), file: "/etc/sv.conf", here: "/etc", cwd: "/",
                                 environment: ["HOME": "/root", "X": "%(X)s"])
        for line in fuzzLines(input).prefix(64) {
            let value = String(decoding: line, as: UTF8.self)
            _ = try? Expansion.expand(value, names: ["here": .string("/etc"), "process_num": .int(-7), "n": .int(Int.min)])
            _ = try? ValueTypes.integerOption(value, option: "numprocs")
            _ = try? ValueTypes.byteSize(value, option: "logfile_maxbytes")
            _ = try? ValueTypes.octal(value, option: "umask")
            _ = try? ValueTypes.signal(value, option: "stopsignal")
            _ = try? ValueTypes.exitcodes(value, option: "exitcodes")
            _ = try? ValueTypes.inetAddress(value, option: "port")
            _ = try? ValueTypes.userAndGroup(value, host: host)
            _ = try? EnvironmentSyntax.parse(value)
            _ = try? EnvironmentSyntax.parse(value, legacy: true)
        }
    }
}

/// swiftvisorctl reads only two sections of a config and skips the lines of
/// the others on their bytes (`INIDocument.keepingOnly`). That shortcut must
/// give the same section list, the same error and the same kept section as
/// the full read, for any bytes: a difference traps, so the fuzzer reports it.
private func checkKeepingOnly(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    var all = INIDocument(), some = INIDocument()
    some.keepingOnly = ["supervisorctl"]
    var errors: [String?] = [nil, nil]
    do { try all.read(text, file: "f.conf") } catch { errors[0] = "\(error)" }
    do { try some.read(text, file: "f.conf") } catch { errors[1] = "\(error)" }
    precondition(errors[0] == errors[1], "keepingOnly changed the error: \(errors)")
    precondition(all.sectionNames == some.sectionNames, "keepingOnly changed the sections")
    precondition(all.section("supervisorctl") == some.section("supervisorctl"), "keepingOnly changed a kept section")
    precondition(all.defaults == some.defaults, "keepingOnly changed [DEFAULT]")
}

/// A machine that holds only the fuzz input's files.
struct MemoryConfigHost: ConfigHost {
    var files: [String: [UInt8]] = [:]
    let directories: Set<String> = ["/", "/etc", "/etc/conf.d", "/tmp", "/var/log", "/root"]

    init(splitting input: [UInt8]) {
        let marker = Array("#@file ".utf8)
        var name = "sv.conf"
        var current: [UInt8] = []
        for line in fuzzLines(input) {
            if line.starts(with: marker) {
                files["/etc/" + name] = current
                name = String(decoding: line.dropFirst(marker.count), as: UTF8.self)
                current = []
            } else {
                current += line
                current.append(0x0A)
            }
        }
        files["/etc/" + name] = current
    }

    func readFile(_ path: String) -> [UInt8]? { files[path] }
    func isDirectory(_ path: String) -> Bool { directories.contains(path) }
    func fileExists(_ path: String) -> Bool { files[path] != nil || directories.contains(path) }
    func glob(_ pattern: String) -> [String] { files.keys.filter { Self.matches(Array(pattern.utf8), Array($0.utf8)) } }
    func user(named: String) -> HostUser? { named == "root" ? Self.root : nil }
    func user(uid: UInt32) -> HostUser? { uid == 0 ? Self.root : nil }
    func groupID(named: String) -> UInt32? { named == "root" ? 0 : nil }
    func groupExists(gid: UInt32) -> Bool { gid == 0 }
    var environment: [String: String] { ["HOME": "/root", "PATH": "/usr/bin:/bin", "EMPTY": ""] }
    var hostName: String { "fuzzhost" }
    var currentDirectory: String { "/" }
    var tempDirectory: String { "/tmp" }
    var currentUID: UInt32 { 0 }

    static let root = HostUser(name: "root", uid: 0, gid: 0, home: "/root")

    /// fnmatch with `*` (not crossing `/`) and `?`, in O(pattern × name) so
    /// that the fuzz host itself never stalls on a pattern like `****…x`.
    static func matches(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        var reach = [Bool](repeating: false, count: s.count + 1)
        reach[0] = true
        for c in p {
            var next = [Bool](repeating: false, count: s.count + 1)
            for i in 0...s.count where reach[i] {
                if c == UInt8(ascii: "*") {
                    var j = i
                    next[j] = true
                    while j < s.count, s[j] != UInt8(ascii: "/") { j += 1; next[j] = true }
                } else if i < s.count, c == s[i] || (c == UInt8(ascii: "?") && s[i] != UInt8(ascii: "/")) {
                    next[i + 1] = true
                }
            }
            reach = next
        }
        return reach[s.count]
    }
}
