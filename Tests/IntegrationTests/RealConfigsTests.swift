// Every config in shared/configs loads as supervisord 4.3.0 loads it: the
// groups, processes, commands, environments and log paths equal the view
// recorded from supervisord itself (Tests/Fixtures/record-supervisord-view.py).
// Host prerequisites the machine lacks are supplied by an overlay host (a test
// double of ConfigHost over the live one); on the live host alone the test
// asserts the precise error instead. No system accounts or directories are created.
import Foundation
import XCTest
import SwiftvisorCore
import SwiftvisorOS

/// The live host plus pretended directories and accounts, with cwd and temp dir moved to a scratch dir.
struct OverlayHost: ConfigHost {
    let live = LiveConfigHost()
    var dirs: Set<String> = []
    var users: [HostUser] = []
    var scratch: String
    func readFile(_ path: String) -> [UInt8]? { live.readFile(path) }
    func isDirectory(_ path: String) -> Bool { dirs.contains(path) || live.isDirectory(path) }
    func fileExists(_ path: String) -> Bool { dirs.contains(path) || live.fileExists(path) }
    func glob(_ pattern: String) -> [String] { live.glob(pattern) }
    func user(named: String) -> HostUser? { users.first { $0.name == named } ?? live.user(named: named) }
    func user(uid: UInt32) -> HostUser? { users.first { $0.uid == uid } ?? live.user(uid: uid) }
    func groupID(named: String) -> UInt32? { live.groupID(named: named) }
    func groupExists(gid: UInt32) -> Bool { live.groupExists(gid: gid) }
    var environment: [String: String] { live.environment }
    var hostName: String { live.hostName }
    var currentDirectory: String { scratch }
    var tempDirectory: String { scratch }
    var currentUID: UInt32 { live.currentUID }
}

enum Paths {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let configs = URL(fileURLWithPath: packageRoot + "/../shared/configs").standardizedFileURL.path
    static let fixtures = packageRoot + "/Tests/Fixtures/supervisord-views"

    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swv-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.resolvingSymlinksInPath().path
    }

    static func isFragment(_ path: String) throws -> Bool {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return !text.split(whereSeparator: \.isNewline).contains { $0.trimmingCharacters(in: .whitespaces) == "[supervisord]" }
    }

    /// The main config supervisord's README prescribes for a fragment.
    static func mainFor(fragment: String, scratch: String) throws -> String {
        let main = scratch + "/main.conf"
        try "[supervisord]\nlogfile=\(scratch)/supervisord.log\npidfile=\(scratch)/supervisord.pid\n[include]\nfiles=\(fragment)\n"
            .write(toFile: main, atomically: true, encoding: .utf8)
        return main
    }
}

/// Prerequisites per config (shared/configs/README.md), as the recorder pretends them.
let prerequisites: [String: (dirs: [String], users: [HostUser])] = [
    "Webador__SlmQueue__docs_7.WorkerManagement.md.conf": (["/var/log/supervisord"], []),
    "celery__celery__extra_supervisord_celeryd.conf": (["/var/log/celery"], []),
    "risd__webhook-server-open__webhook.conf": (["/var/log/memcached"], [HostUser(name: "webhook", uid: 4242, gid: 4242, home: "/home/webhook")]),
    "corridor__install-docs__supervisor-programs.conf": (["/var/log/corridor"], []),
]

/// The same projection the recorder prints, with the same key order and formatting.
func supervisordView(_ c: Configuration, scratch: String) -> String {
    func env(_ e: [EnvironmentVariable]?) -> JSONValue {
        guard let e, !e.isEmpty else { return .null }
        return .object(e.map { ($0.key, .string($0.value)) })
    }
    func log(_ t: LogTarget) -> JSONValue {
        switch t { case .none: return .string("NONE"); case .auto: return .string("AUTO"); case .path(let p): return .string(p) }
    }
    let groups: [JSONValue] = c.groups.map { g in
        .object([
            ("name", .string(g.name)), ("priority", .int(g.priority)),
            ("processes", .array(g.processes.map { p in
                .object([
                    ("name", .string(p.name)), ("command", .string(p.command)), ("directory", .optional(p.directory)),
                    ("umask", p.umask.map { .int(Int($0)) } ?? .null), ("priority", .int(p.priority)),
                    ("autostart", .bool(p.autostart)),
                    ("autorestart", p.autorestart == .unexpected ? .string("unexpected") : .bool(p.autorestart == .always)),
                    ("startsecs", .int(p.startsecs)), ("startretries", .int(p.startretries)),
                    ("exitcodes", .array(p.exitcodes.map { .int($0) })), ("stopsignal", .string(p.stopsignal.name)),
                    ("stopwaitsecs", .int(p.stopwaitsecs)), ("stopasgroup", .bool(p.stopasgroup)),
                    ("killasgroup", .bool(p.killasgroup)), ("user", .optional(p.user?.name)),
                    ("redirect_stderr", .bool(p.redirectStderr)),
                    ("stdout_logfile", log(p.stdout.target)), ("stdout_logfile_maxbytes", .int(p.stdout.maxbytes)),
                    ("stdout_logfile_backups", .int(p.stdout.backups)), ("stdout_syslog", .bool(p.stdout.syslog)),
                    ("stderr_logfile", log(p.stderr.target)), ("stderr_logfile_maxbytes", .int(p.stderr.maxbytes)),
                    ("stderr_logfile_backups", .int(p.stderr.backups)), ("stderr_syslog", .bool(p.stderr.syslog)),
                    ("environment", env(p.environment)),
                ])
            })),
        ])
    }
    let s = c.supervisord
    let view: JSONValue = .object([
        ("supervisord", .object([
            ("logfile", .string(s.logfile)), ("pidfile", .string(s.pidfile)), ("loglevel", .string(s.loglevel)),
            ("nodaemon", .bool(s.nodaemon)), ("identifier", .string(s.identifier)), ("childlogdir", .string(s.childlogdir)),
            ("environment", env(s.environment)),
        ])),
        ("groups", .array(groups)),
        ("warnings", .int(c.warnings.filter(\.supervisordWarns).count)),
    ])
    return view.serialized(indent: 2)
        .replacingOccurrences(of: scratch, with: "$SCRATCH")
        .replacingOccurrences(of: Paths.configs, with: "$CONFIGS")
}

final class RealConfigsTests: XCTestCase {
    func configNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Paths.configs).filter { $0.hasSuffix(".conf") }.sorted()
    }

    func load(_ name: String, host: OverlayHost) throws -> Configuration {
        let path = Paths.configs + "/" + name
        let main = try Paths.isFragment(path) ? Paths.mainFor(fragment: path, scratch: host.scratch) : path
        return try ConfigLoader(host: host).load(path: main)
    }

    func test_everySharedConfig_loadsAsSupervisord430DerivesIt() throws {
        let names = try configNames()
        XCTAssertGreaterThanOrEqual(names.count, 13, "shared/configs not found at \(Paths.configs)")
        for name in names {
            let scratch = try Paths.scratch()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let pre = prerequisites[name] ?? ([], [])
            let host = OverlayHost(dirs: Set(pre.dirs), users: pre.users, scratch: scratch)
            let config: Configuration
            do { config = try load(name, host: host) } catch {
                XCTFail("\(name): \(error)"); continue
            }
            let expected = try String(contentsOfFile: Paths.fixtures + "/\(name).json", encoding: .utf8)
            XCTAssertEqual(supervisordView(config, scratch: scratch) + "\n", expected, name)
        }
    }

    /// Without the overlay, a missing prerequisite is the precise error, with file and line.
    func test_sharedConfigs_onLiveHostWithoutPrerequisites_nameTheMissingDirectoryOrAccount() throws {
        let expected: [String: (String, [String], String?)] = [
            "Webador__SlmQueue__docs_7.WorkerManagement.md.conf":
                (":2: [supervisord] logfile: the directory \"/var/log/supervisord\" named in \"/var/log/supervisord/supervisord.log\" does not exist (create /var/log/supervisord or choose a path in an existing directory)", ["/var/log/supervisord"], nil),
            "celery__celery__extra_supervisord_celeryd.conf":
                (":11: [program:celery] stdout_logfile: the directory \"/var/log/celery\" named in \"/var/log/celery/worker.log\" does not exist (create /var/log/celery or choose a path in an existing directory)", ["/var/log/celery"], nil),
            "corridor__install-docs__supervisor-programs.conf":
                (":3: [program:corridor-app] stdout_logfile: the directory \"/var/log/corridor\" named in \"/var/log/corridor/corridor-app.log\" does not exist (create /var/log/corridor or choose a path in an existing directory)", ["/var/log/corridor"], nil),
            "risd__webhook-server-open__webhook.conf":
                (":13: [program:memcached] stdout_logfile: the directory \"/var/log/memcached\" named in \"/var/log/memcached/stdout.log\" does not exist (create /var/log/memcached or choose a path in an existing directory)", ["/var/log/memcached"], "webhook"),
        ]
        let live = LiveConfigHost()
        for (name, (suffix, dirs, user)) in expected.sorted(by: { $0.key < $1.key }) {
            let scratch = try Paths.scratch()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let dirMissing = dirs.contains { !live.isDirectory($0) }
            let host = OverlayHost(scratch: scratch)
            if !dirMissing && (user == nil || live.user(named: user!) != nil) {
                XCTAssertNoThrow(try load(name, host: host), name)
                continue
            }
            guard dirMissing else { continue }  // only the account is missing: covered by the next test
            XCTAssertThrowsError(try load(name, host: host), name) { error in
                XCTAssertEqual("\(error)", Paths.configs + "/" + name + suffix, name)
            }
        }
    }

    func test_webhookConfig_withLogDirButWithoutAccount_namesTheAccountAndLine() throws {
        let name = "risd__webhook-server-open__webhook.conf"
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let host = OverlayHost(dirs: ["/var/log/memcached"], scratch: scratch)
        if host.live.user(named: "webhook") != nil { throw XCTSkip("this machine has a webhook account") }
        XCTAssertThrowsError(try load(name, host: host)) { error in
            XCTAssertEqual("\(error)", Paths.configs + "/" + name + ":23: [program:cron] user: user \"webhook\" does not exist on this host (name an existing account or create it first)")
        }
    }
}
