// Every config of a corpus loads as supervisord 4.3.0 loads it: the groups,
// processes, commands, environments and log paths equal the view recorded from
// supervisord itself (Tests/Fixtures/record-supervisord-view.py). Two corpora:
// the project's own configs (Tests/Fixtures/configs, always present), written
// to exercise what real deployments write (groups, numprocs, %(ENV_x)s with a
// program's environment=, continuation lines, /dev/stdout logs, includes that
// match nothing, missing log directories and accounts), and real-world configs
// written by others, kept outside the repository beside the checkout
// (`ConfigCorpus.shared`): those tests skip, saying so, when it is absent.
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

/// A directory of configs with the views supervisord 4.3.0 derived from them
/// and what each needs from the host, as the recorder pretends it.
struct ConfigCorpus {
    typealias Prerequisites = [String: (dirs: [String], users: [HostUser])]
    let configs: String
    let views: String
    let prerequisites: Prerequisites

    /// The project's own configs; prerequisites from configs/prerequisites.json (the recorder reads it too).
    static let owned: ConfigCorpus = {
        let dir = Paths.packageRoot + "/Tests/Fixtures/configs"
        var pre: Prerequisites = [:]
        if let data = FileManager.default.contents(atPath: dir + "/prerequisites.json"),
           let json = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] {
            for (name, entry) in json {
                let dirs = entry["dirs"] as? [String] ?? []
                let users = (entry["users"] as? [[String: Any]] ?? []).compactMap { u -> HostUser? in
                    guard let n = u["name"] as? String, let uid = u["uid"] as? Int, let gid = u["gid"] as? Int,
                          let home = u["home"] as? String, let uid32 = UInt32(exactly: uid), let gid32 = UInt32(exactly: gid)
                    else { return nil }
                    return HostUser(name: n, uid: uid32, gid: gid32, home: home)
                }
                pre[name] = (dirs, users)
            }
        }
        return ConfigCorpus(configs: dir, views: dir + "/views", prerequisites: pre)
    }()

    /// Real-world configs written by others, outside the repository (their README lists the prerequisites).
    static let shared = ConfigCorpus(
        configs: URL(fileURLWithPath: Paths.packageRoot + "/../shared/configs").standardizedFileURL.path,
        views: Paths.packageRoot + "/Tests/Fixtures/supervisord-views",
        prerequisites: [
            "Webador__SlmQueue__docs_7.WorkerManagement.md.conf": (["/var/log/supervisord"], []),
            "celery__celery__extra_supervisord_celeryd.conf": (["/var/log/celery"], []),
            "risd__webhook-server-open__webhook.conf": (["/var/log/memcached"], [HostUser(name: "webhook", uid: 4242, gid: 4242, home: "/home/webhook")]),
            "corridor__install-docs__supervisor-programs.conf": (["/var/log/corridor"], []),
        ])

    /// The shared corpus, or a skip that says why the test did not run.
    static func sharedOrSkip() throws -> ConfigCorpus {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: shared.configs, isDirectory: &isDir), isDir.boolValue else {
            throw XCTSkip("real-world configs not found at \(shared.configs) (a `shared/configs` directory beside the checkout): only the project's own configs (Tests/Fixtures/configs) were checked")
        }
        return shared
    }

    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: configs).filter { $0.hasSuffix(".conf") }.sorted()
    }

    func path(_ name: String) -> String { configs + "/" + name }

    func load(_ name: String, host: OverlayHost) throws -> Configuration {
        let main = try Paths.isFragment(path(name)) ? Paths.mainFor(fragment: path(name), scratch: host.scratch) : path(name)
        return try ConfigLoader(host: host).load(path: main)
    }
}

/// The same projection the recorder prints, with the same key order and formatting.
func supervisordView(_ c: Configuration, scratch: String, configs: String) -> String {
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
            ("processes", .array(g.processes.map { pc in
                let p = pc.options
                return .object([
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
        .replacingOccurrences(of: configs, with: "$CONFIGS")
}

final class RealConfigsTests: XCTestCase {
    /// Every config of `corpus` loads into the view supervisord 4.3.0 derived, prerequisites pretended.
    func checkEveryConfigLoadsAsRecorded(_ corpus: ConfigCorpus, atLeast: Int) throws {
        let names = try corpus.names()
        XCTAssertGreaterThanOrEqual(names.count, atLeast, "configs missing from \(corpus.configs)")
        for name in names {
            let scratch = try Paths.scratch()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let pre = corpus.prerequisites[name] ?? ([], [])
            let host = OverlayHost(dirs: Set(pre.dirs), users: pre.users, scratch: scratch)
            let config: Configuration
            do { config = try corpus.load(name, host: host) } catch {
                XCTFail("\(name): \(error)"); continue
            }
            guard let expected = try? String(contentsOfFile: corpus.views + "/\(name).json", encoding: .utf8) else {
                XCTFail("\(name): no recorded view in \(corpus.views) (run Tests/Fixtures/record-supervisord-view.py)"); continue
            }
            XCTAssertEqual(supervisordView(config, scratch: scratch, configs: corpus.configs) + "\n", expected, name)
        }
    }

    /// Without the overlay, a missing prerequisite is the precise error, with file and line.
    func checkMissingPrerequisitesAreNamed(_ corpus: ConfigCorpus, _ expected: [String: (String, [String], String?)]) throws {
        XCTAssertEqual(Set(expected.keys), Set(corpus.prerequisites.keys), "every config with prerequisites has its expected error")
        let live = LiveConfigHost()
        for (name, (suffix, dirs, user)) in expected.sorted(by: { $0.key < $1.key }) {
            let scratch = try Paths.scratch()
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let dirMissing = dirs.contains { !live.isDirectory($0) }
            let host = OverlayHost(scratch: scratch)
            if !dirMissing && (user == nil || live.user(named: user!) != nil) {
                XCTAssertNoThrow(try corpus.load(name, host: host), name)
                continue
            }
            guard dirMissing else { continue }  // only the account is missing: covered by the account test
            XCTAssertThrowsError(try corpus.load(name, host: host), name) { error in
                XCTAssertEqual("\(error)", corpus.path(name) + suffix, name)
            }
        }
    }

    /// With the log directory pretended but not the account, the error names the account and its line.
    func checkMissingAccountIsNamed(_ corpus: ConfigCorpus, name: String, dir: String, user: String, suffix: String) throws {
        let scratch = try Paths.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let host = OverlayHost(dirs: [dir], scratch: scratch)
        if host.live.user(named: user) != nil { throw XCTSkip("this machine has a \(user) account") }
        XCTAssertThrowsError(try corpus.load(name, host: host)) { error in
            XCTAssertEqual("\(error)", corpus.path(name) + suffix)
        }
    }

    func test_everyProjectConfig_loadsAsSupervisord430DerivesIt() throws {
        try checkEveryConfigLoadsAsRecorded(.owned, atLeast: 12)
    }

    func test_projectConfigs_onLiveHostWithoutPrerequisites_nameTheMissingDirectoryOrAccount() throws {
        try checkMissingPrerequisitesAreNamed(.owned, [
            "queue-worker.conf":
                (":2: [supervisord] logfile: the directory \"/var/log/swv-fixture-queue\" named in \"/var/log/swv-fixture-queue/supervisord.log\" does not exist (create /var/log/swv-fixture-queue or choose a path in an existing directory)", ["/var/log/swv-fixture-queue"], nil),
            "fragment-logdir.conf":
                (":6: [program:tasks] stdout_logfile: the directory \"/var/log/swv-fixture-tasks\" named in \"/var/log/swv-fixture-tasks/worker.log\" does not exist (create /var/log/swv-fixture-tasks or choose a path in an existing directory)", ["/var/log/swv-fixture-tasks"], nil),
            "fragment-continuation.conf":
                (":3: [program:platform-app] stdout_logfile: the directory \"/var/log/swv-fixture-platform\" named in \"/var/log/swv-fixture-platform/platform-app.log\" does not exist (create /var/log/swv-fixture-platform or choose a path in an existing directory)", ["/var/log/swv-fixture-platform"], nil),
            "fragment-accounts.conf":
                (":13: [program:cache] stdout_logfile: the directory \"/var/log/swv-fixture-cache\" named in \"/var/log/swv-fixture-cache/stdout.log\" does not exist (create /var/log/swv-fixture-cache or choose a path in an existing directory)", ["/var/log/swv-fixture-cache"], "swvfixture"),
        ])
    }

    func test_projectAccountsConfig_withLogDirButWithoutAccount_namesTheAccountAndLine() throws {
        try checkMissingAccountIsNamed(.owned, name: "fragment-accounts.conf", dir: "/var/log/swv-fixture-cache", user: "swvfixture",
            suffix: ":17: [program:cron] user: user \"swvfixture\" does not exist on this host (name an existing account or create it first)")
    }

    func test_everySharedConfig_loadsAsSupervisord430DerivesIt() throws {
        try checkEveryConfigLoadsAsRecorded(try ConfigCorpus.sharedOrSkip(), atLeast: 13)
    }

    func test_sharedConfigs_onLiveHostWithoutPrerequisites_nameTheMissingDirectoryOrAccount() throws {
        try checkMissingPrerequisitesAreNamed(try ConfigCorpus.sharedOrSkip(), [
            "Webador__SlmQueue__docs_7.WorkerManagement.md.conf":
                (":2: [supervisord] logfile: the directory \"/var/log/supervisord\" named in \"/var/log/supervisord/supervisord.log\" does not exist (create /var/log/supervisord or choose a path in an existing directory)", ["/var/log/supervisord"], nil),
            "celery__celery__extra_supervisord_celeryd.conf":
                (":11: [program:celery] stdout_logfile: the directory \"/var/log/celery\" named in \"/var/log/celery/worker.log\" does not exist (create /var/log/celery or choose a path in an existing directory)", ["/var/log/celery"], nil),
            "corridor__install-docs__supervisor-programs.conf":
                (":3: [program:corridor-app] stdout_logfile: the directory \"/var/log/corridor\" named in \"/var/log/corridor/corridor-app.log\" does not exist (create /var/log/corridor or choose a path in an existing directory)", ["/var/log/corridor"], nil),
            "risd__webhook-server-open__webhook.conf":
                (":13: [program:memcached] stdout_logfile: the directory \"/var/log/memcached\" named in \"/var/log/memcached/stdout.log\" does not exist (create /var/log/memcached or choose a path in an existing directory)", ["/var/log/memcached"], "webhook"),
        ])
    }

    func test_webhookConfig_withLogDirButWithoutAccount_namesTheAccountAndLine() throws {
        try checkMissingAccountIsNamed(try ConfigCorpus.sharedOrSkip(), name: "risd__webhook-server-open__webhook.conf",
            dir: "/var/log/memcached", user: "webhook",
            suffix: ":23: [program:cron] user: user \"webhook\" does not exist on this host (name an existing account or create it first)")
    }
}
