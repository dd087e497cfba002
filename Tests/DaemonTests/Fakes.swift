// Fake seams for the in-process daemon tests: a loop whose time moves only
// when the test says so, and a process host that spawns nothing and signals
// nobody (it records what it was asked, and the test decides who exits).
import Foundation
@testable import SwiftvisorCore
@testable import SwiftvisorDaemon
import SwiftvisorOS

final class FakeLoop: EventScheduling {
    private(set) var time = 1000.0
    private var timers: [(id: EventLoop.TimerID, at: Double, body: () -> Void)] = []
    private var nextID: EventLoop.TimerID = 1
    private var deferred: [() -> Void] = []

    func now() -> Double { time }
    func wallNow() -> Double { 1_700_000_000 + time }

    func schedule(at deadline: Double, _ handler: @escaping () -> Void) -> EventLoop.TimerID {
        defer { nextID += 1 }
        timers.append((nextID, deadline, handler))
        return nextID
    }
    func cancel(_ id: EventLoop.TimerID) { timers.removeAll { $0.id == id } }
    var pendingTimerCount: Int { timers.count }
    func deferToNextRound(_ body: @escaping () -> Void) { deferred.append(body) }
    func watchReadable(_ fd: Int32, _ handler: @escaping () -> Void) {}
    func watchWritable(_ fd: Int32, _ handler: @escaping () -> Void) {}
    func unwatchWritable(_ fd: Int32) {}
    func unwatch(_ fd: Int32) {}

    /// The end of a loop round: what was deferred to the next one runs.
    func endRound() {
        while !deferred.isEmpty {
            let bodies = deferred
            deferred = []
            bodies.forEach { $0() }
        }
    }

    /// Move time forward, firing every timer that comes due, in deadline order.
    func advance(by seconds: Double) {
        let end = time + seconds
        while let next = timers.filter({ $0.at <= end }).min(by: { ($0.at, $0.id) < ($1.at, $1.id) }) {
            timers.removeAll { $0.id == next.id }
            time = max(time, next.at)
            next.body()
            endRound()
        }
        time = end
    }
}

final class FakeHost: ProcessHost {
    struct Failure: Error {}
    private var nextPid: Int32 = 40_000
    /// Program name → pids it was given, in spawn order.
    private(set) var spawned: [(name: String, pid: Int32)] = []
    /// Every signal sent, in order: (pid, or -pgid; signal number).
    private(set) var signals: [(pid: Int32, signal: Int32)] = []
    /// Exits the next reap returns.
    private var exits: [(pid: Int32, status: ExitStatus)] = []
    /// kill(2) fails with this errno for these pids.
    var failSignals: [Int32: Int32] = [:]

    func spawn(_ request: SpawnRequest, programName: String) throws(SpawnError) -> SpawnedChild {
        nextPid += 1
        spawned.append((programName, nextPid))
        return SpawnedChild(pid: nextPid, stdin: -1, stdout: nil, stderr: nil)
    }
    func signal(_ pid: Int32, _ signal: Int32) throws(SystemError) {
        if let e = failSignals[abs(pid)] { throw SystemError(call: "kill", errno: e) }
        signals.append((pid, signal))
    }
    func reapAll() -> [(pid: Int32, status: ExitStatus)] {
        defer { exits = [] }
        return exits
    }
    func children(of pid: Int32) -> [Int32] { [] }

    func pid(of name: String) -> Int32? { spawned.last { $0.name == name }?.pid }
    /// The names the pids of `signals` belong to, for one signal number.
    func signalled(_ signal: Int32) -> [String] {
        signals.filter { $0.signal == signal }.compactMap { s in spawned.last { $0.pid == abs(s.pid) }?.name }
    }
    func exit(_ name: String, _ status: ExitStatus = .signaled(signal: SignalNumber.SIGTERM, coreDumped: false)) {
        if let pid = pid(of: name) { exits.append((pid, status)) }
    }
}

/// A daemon built in-process on the fakes, with its main log in a temp file.
final class Harness {
    let loop = FakeLoop()
    let host = FakeHost()
    let daemon: Daemon
    let logPath: String
    /// What the next `reread`/`reload` reads.
    var nextConfig: Result<Configuration, ConfigError>

    init(_ groups: [GroupConfig], file: StaticString = #filePath) throws {
        let dir = NSTemporaryDirectory() + "daemontests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        logPath = dir + "/main.log"
        var config = Configuration(configFile: dir + "/supervisord.conf")
        config.supervisord.logfile = logPath
        config.supervisord.childlogdir = dir
        config.supervisord.pidfile = dir + "/supervisord.pid"
        config.groups = StartOrder.groupsAscending(groups)
        nextConfig = .success(config)
        let log = try MainLog(path: logPath, maxbytes: 0, backups: 0, threshold: .debug, echoToStdout: false)
        var load: () -> Result<Configuration, ConfigError> = { .failure(ConfigError(reason: "unset")) }
        daemon = try Daemon(launch: DaemonLaunch(loadConfig: { load() }, programName: "swiftvisord"),
                            config: config, log: log, scheduler: loop, host: host)
        load = { [unowned self] in self.nextConfig }
        daemon.startSupervising()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: (logPath as NSString).deletingLastPathComponent)
    }

    var mainLog: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    func logLines(containing text: String) -> [String] {
        mainLog.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// Send one request through the line protocol's front end; the reply, if
    /// it came, and the main log as it was when the reply went out.
    @discardableResult
    func request(_ r: ControlRequest, then: () -> Void = {}) -> (reply: ControlResponse?, logAtReply: String) {
        var reply: ControlResponse?
        var logAtReply = ""
        daemon.controlService.perform(r, peer: PeerCredentials(pid: 1, uid: 0, gid: 0)) { response in
            reply = response
            logAtReply = self.mainLog
        }
        then()
        return (reply, logAtReply)
    }

    /// Child `name` exits (the test's SIGCHLD).
    func childExits(_ name: String, _ status: ExitStatus = .signaled(signal: SignalNumber.SIGTERM, coreDumped: false)) {
        host.exit(name, status)
        daemon.handleSignal(SignalNumber.SIGCHLD)
        loop.endRound()
    }

    func state(_ namespec: String) -> ProcessState? {
        daemon.supervisor.byNamespec[namespec]?.machine.state
    }
}

func program(_ name: String, group: String? = nil, priority: Int = 999, startsecs: Int = 0,
             autostart: Bool = true) -> ProcessConfig {
    var p = ProcessConfig(name: name, programName: name, groupName: group ?? name, command: "/bin/sh")
    p.priority = priority
    p.startsecs = startsecs
    p.autostart = autostart
    p.stdout.target = .none
    p.stderr.target = .none
    return p
}

func programGroup(_ p: ProcessConfig) -> GroupConfig {
    GroupConfig(name: p.name, priority: p.priority, kind: .program, processes: [p])
}
