// `cgroup=true` (a swiftvisord extension): each process runs in a cgroup of
// its own under the daemon's subtree; stop ends every process in it, also a
// grandchild that left the process group with setsid; `status --json` counts
// them. The daemon runs inside a cgroup this test creates and removes, under
// the test process's own cgroup; without a writable cgroup v2 hierarchy the
// tests skip and say why.
import Foundation
import XCTest

final class CgroupStopTests: XCTestCase {
    var sandbox: Sandbox!
    /// The test's own cgroup (the daemon's parent cgroup), removed in tearDown.
    var testCgroup: String?
    var daemon: Process?

    override func setUpWithError() throws {
        sandbox = try Sandbox(name: name)
        testCgroup = try Self.makeTestCgroup()
    }

    override func tearDown() {
        if let daemon, daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        if let testCgroup { Self.removeTree(testCgroup) }
        sandbox.cleanup()
    }

    // MARK: - The test's cgroup

    /// `<cgroup2 mount><our cgroup>/swvtest-<uuid>`, or XCTSkip with the reason.
    static func makeTestCgroup() throws -> String {
        guard let mount = cgroup2Mounts().first else {
            throw XCTSkip("CgroupStopTests: no cgroup v2 hierarchy is mounted here; cgroup=true cannot be tested")
        }
        let own = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        let dir = (mount + own + "/swvtest-" + UUID().uuidString.prefix(8)).replacingOccurrences(of: "//", with: "/")
        guard mkdir(dir, 0o755) == 0 else {
            throw XCTSkip("CgroupStopTests: cannot create a cgroup at \(dir) (\(String(cString: strerror(errno)))): no writable cgroup v2 hierarchy")
        }
        guard access(dir + "/cgroup.procs", W_OK) == 0, access(dir + "/cgroup.events", R_OK) == 0 else {
            rmdir(dir)
            throw XCTSkip("CgroupStopTests: \(dir) has no writable cgroup.procs: no usable cgroup v2 hierarchy")
        }
        return dir
    }

    /// Mount points of the cgroup v2 hierarchy (field 5 of /proc/self/mountinfo, type after " - ").
    static func cgroup2Mounts() -> [String] {
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return mountinfo.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: " ")
            guard let dash = f.firstIndex(of: "-"), dash + 1 < f.count, f[dash + 1] == "cgroup2", f.count > 4 else { return nil }
            return String(f[4])
        }
    }

    /// Kill whatever is left in `dir` and its descendants, then remove them, deepest first.
    static func removeTree(_ dir: String) {
        let subdirs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .map { dir + "/" + $0 }
            .filter { var isDir: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue }
        for sub in subdirs { removeTree(sub) }
        for pid in pids(in: dir) { kill(pid, SIGKILL) }
        waitUntil("cgroup \(dir) empty", timeout: 10) { pids(in: dir).isEmpty }
        waitUntil("cgroup \(dir) removed", timeout: 10) { rmdir(dir) == 0 || errno == ENOENT }
    }

    static func pids(in cgroup: String) -> [Int32] {
        ((try? String(contentsOfFile: cgroup + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// Start swiftvisord inside the test cgroup: a shell joins it, then execs the daemon.
    @discardableResult
    func startDaemonInTestCgroup() throws -> Process {
        let cg = try XCTUnwrap(testCgroup)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "echo $$ > \"$1\"/cgroup.procs && exec \"$2\" -n -c \"$3\"", "sh", cg, Binaries.swiftvisord, sandbox.configPath]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        daemon = p
        waitUntil("daemon ready", timeout: 15) { FileManager.default.fileExists(atPath: sandbox.pidfilePath) || !p.isRunning }
        return p
    }

    func stopDaemon() -> Int32? {
        guard let p = daemon else { return nil }
        kill(p.processIdentifier, SIGTERM)
        waitUntil("daemon exit", timeout: 30) { !p.isRunning }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        daemon = nil
        return p.terminationStatus
    }

    var daemonSubtree: String { testCgroup! + "/swiftvisord.\(daemon!.processIdentifier)" }

    private func statusJSON(_ name: String) throws -> [String: Any] {
        let r = try sandbox.ctl("status", "--json", name)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr)
        return try XCTUnwrap((obj["processes"] as? [[String: Any]])?.first, r.stdout)
    }

    // MARK: - Tests

    func test_stop_cgroupProgram_endsASetsidGrandchild_thatAStopasgroupStopMisses() throws {
        try sandbox.writeConfig("""
        [program:escaper]
        command=/bin/sh -c "setsid -f sleep 1001; exec sleep 1002"
        startsecs=0
        cgroup=true
        stopwaitsecs=5
        [program:plain]
        command=/bin/sh -c "setsid -f sleep 1003; exec sleep 1004"
        startsecs=0
        stopasgroup=true
        """)
        try startDaemonInTestCgroup()
        let leader = try sandbox.spawnedPid("escaper")
        let cg = daemonSubtree + "/escaper:escaper"
        // `setsid -f` forks: until its child has called setsid(), the cgroup's
        // second member is still in the leader's session and group.
        waitUntil("the grandchild joined the cgroup and left the session") {
            Self.pids(in: cg).contains { $0 != leader && getsid($0) == $0 }
        }
        let members = Self.pids(in: cg)
        XCTAssertTrue(members.contains(leader), "the leader runs in its cgroup: \(members)")
        let grandchild = try XCTUnwrap(members.first { $0 != leader && getsid($0) == $0 })
        sandbox.track(pid: grandchild)
        XCTAssertEqual(getsid(grandchild), grandchild, "the grandchild left the session and the process group")
        XCTAssertNotEqual(getpgid(grandchild), leader)

        XCTAssertEqual(try sandbox.ctl("stop", "escaper").stdout, "escaper: stopped\n")
        XCTAssertNil(processState(grandchild), "the setsid grandchild outlived stop")
        XCTAssertTrue(sandbox.logLines(containing: "with SIGKILL").isEmpty, "SIGTERM reached it: no SIGKILL needed\n" + sandbox.mainLog)
        XCTAssertEqual(sandbox.logLines(containing: "stopped: escaper (terminated by SIGTERM)").count, 1, sandbox.mainLog)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cg), "the stopped process's cgroup is removed")

        // Without cgroup=true the same grandchild survives a stopasgroup stop (as in supervisord).
        let plainLeader = try sandbox.spawnedPid("plain")
        var escaped: Int32?
        waitUntil("plain's grandchild") {
            escaped = descendants(of: daemon!.processIdentifier).first { getsid($0) == $0 && $0 != plainLeader }
            return escaped != nil
        }
        sandbox.track(pid: try XCTUnwrap(escaped))
        XCTAssertEqual(try sandbox.ctl("stop", "plain").stdout, "plain: stopped\n")
        XCTAssertNotNil(processState(escaped!), "a process-group stop cannot reach a setsid grandchild")
        kill(escaped!, SIGKILL)

        XCTAssertEqual(stopDaemon(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemonSubtreePath(leader: leader)), "the daemon removed its subtree at exit")
    }

    /// The subtree path of the daemon that ran `leader` (the daemon may be gone).
    private func daemonSubtreePath(leader: Int32) -> String {
        ((try? FileManager.default.contentsOfDirectory(atPath: testCgroup!)) ?? [])
            .first { $0.hasPrefix("swiftvisord.") }.map { testCgroup! + "/" + $0 } ?? testCgroup! + "/swiftvisord.none"
    }

    func test_statusJSON_countsTheProcessesOfACgroupProgram_andStopKillsMembersIgnoringTERM() throws {
        _ = try sandbox.write("""
        #!/bin/sh
        trap '' TERM
        sleep 1001 &
        setsid -f sleep 1002
        exec sleep 1003
        """, to: "stubborn.sh", executable: true)
        try sandbox.writeConfig("""
        [program:stubborn]
        command=\(sandbox.dir)/stubborn.sh
        startsecs=0
        cgroup=true
        stopwaitsecs=1
        [program:other]
        command=/bin/sleep 1000
        startsecs=0
        """)
        try startDaemonInTestCgroup()
        let leader = try sandbox.spawnedPid("stubborn")
        sandbox.track(pid: leader)
        let cg = daemonSubtree + "/stubborn:stubborn"
        waitUntil("three processes") { Self.pids(in: cg).count == 3 }
        Self.pids(in: cg).forEach(sandbox.track)
        XCTAssertEqual(try statusJSON("stubborn")["process_count"] as? Int, 3)
        XCTAssertNil(try statusJSON("other")["process_count"], "only cgroup=true programs are counted")

        XCTAssertEqual(try sandbox.ctl("stop", "stubborn").stdout, "stubborn: stopped\n")
        XCTAssertEqual(Self.pids(in: cg), [])
        XCTAssertEqual(sandbox.logLines(containing: "killing 'stubborn' (\(leader)) with SIGKILL").count, 1, sandbox.mainLog)
        XCTAssertEqual(try statusJSON("stubborn")["process_count"] as? Int, 0)
        XCTAssertEqual(stopDaemon(), 0)
    }

    func test_cgroupStops_repeated_leakNoDescriptor_andLeaveNoWakeupsBehind() throws {
        try sandbox.writeConfig("""
        [program:tree]
        command=/bin/sh -c "setsid -f sleep 1001; sleep 1002 & exec sleep 1003"
        startsecs=0
        cgroup=true
        autostart=false
        [program:group]
        command=/bin/sh -c "sleep 1004 & exec sleep 1005"
        startsecs=0
        stopasgroup=true
        autostart=false
        """)
        let d = try startDaemonInTestCgroup()
        let pid = d.processIdentifier
        func wakeups() -> Int {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
                .flatMap { Int($0.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? -1
        }
        // One cycle first, so lazily created state (the cgroup subtree) exists before counting.
        for _ in 0..<6 {
            XCTAssertEqual(try sandbox.ctl("start", "tree", "group").stdout, "tree: started\ngroup: started\n")
            XCTAssertEqual(try sandbox.ctl("stop", "tree", "group").stdout, "tree: stopped\ngroup: stopped\n")
        }
        // Settled counts: the daemon closes a connection just after its client does.
        let before = settledFDCount(pid)
        for _ in 0..<5 {
            _ = try sandbox.ctl("start", "tree", "group")
            _ = try sandbox.ctl("stop", "tree", "group")
        }
        XCTAssertEqual(settledFDCount(pid), before, "descriptors leaked by cgroup or group stops")
        XCTAssertEqual(descendants(of: pid), [], "nothing survives the stops")
        // Idle: no timer or watch is left from the stops. First the last
        // stop settles: the children state file is rewritten 1 s after a change.
        waitUntilSteady("the last stop settles", quiet: 1.2) { wakeups() }
        let idleStart = wakeups()
        assertStays("the idle daemon is not woken", for: 1.5, interval: 0.1) { wakeups() == idleStart }
        XCTAssertEqual(stopDaemon(), 0)
    }

    func test_noCgroupV2ForTheDaemon_cgroupProgramIsASpawnError_neverRunsUnconfined() throws {
        // A mount namespace without the cgroup2 mount stands in for a machine
        // without cgroup v2.
        let mounts = Self.cgroup2Mounts()
        let probe = try sandbox.run("/usr/bin/env", ["unshare", "--mount", "--propagation", "private", "/bin/true"])
        guard probe.status == 0 else {
            throw XCTSkip("CgroupStopTests: cannot create a mount namespace (unshare: \(probe.stderr)); the no-cgroup case is not tested")
        }
        try sandbox.writeConfig("""
        [program:confined]
        command=/bin/sleep 1000
        startsecs=0
        startretries=0
        cgroup=true
        [program:plain]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let umounts = mounts.map { "umount -l '\($0)' && " }.joined()
        p.arguments = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                       "\(umounts)exec \"$0\" -n -c \"$1\"", Binaries.swiftvisord, sandbox.configPath]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        daemon = p
        waitUntil("confined gave up") { !sandbox.logLines(containing: "gave up: confined entered FATAL state").isEmpty }
        XCTAssertEqual(sandbox.logLines(containing: "spawnerr: cgroup=true: no cgroup v2 hierarchy is mounted").count, 1, sandbox.mainLog)
        XCTAssertTrue(sandbox.logLines(containing: "spawned: 'confined'").isEmpty, "ran without its cgroup")
        XCTAssertEqual(sandbox.logLines(containing: "spawned: 'plain'").count, 1, "other programs are not affected")
        let status = try sandbox.ctl("status", "confined").stdout
        XCTAssertTrue(status.contains("FATAL") && status.contains("cgroup=true: no cgroup v2 hierarchy is mounted"), status)
        XCTAssertEqual(stopDaemon(), 0)
    }

    func test_daemonSIGKILLed_nextDaemonKillsWhatItsCgroupsHeld_andRemovesTheirSubtree() throws {
        try sandbox.writeConfig("""
        [program:escaper]
        command=/bin/sh -c "setsid -f sleep 1001; exec sleep 1002"
        startsecs=0
        cgroup=true
        """)
        let first = try startDaemonInTestCgroup()
        let oldSubtree = daemonSubtree
        let cg = oldSubtree + "/escaper:escaper"
        waitUntil("two processes in the first daemon's cgroup") { Self.pids(in: cg).count == 2 }
        let leftovers = Self.pids(in: cg)
        leftovers.forEach(sandbox.track)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        try FileManager.default.removeItem(atPath: sandbox.pidfilePath)
        daemon = nil

        try startDaemonInTestCgroup()
        waitUntil("the old subtree removed") { !FileManager.default.fileExists(atPath: oldSubtree) }
        for pid in leftovers { waitUntil("leftover \(pid) gone") { processState(pid) == nil || processState(pid) == "Z" } }
        waitUntil("the removal logged") { sandbox.logLines(containing: "removed the cgroup \(oldSubtree) of a daemon that is gone").count == 1 }
        XCTAssertEqual(sandbox.logLines(containing: "removed the cgroup \(oldSubtree) of a daemon that is gone").count, 1, sandbox.mainLog)
        XCTAssertTrue(FileManager.default.fileExists(atPath: daemonSubtree + "/escaper:escaper"), "the new daemon runs escaper in its own subtree")
        XCTAssertEqual(stopDaemon(), 0)
    }
}
