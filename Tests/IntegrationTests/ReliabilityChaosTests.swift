// Chaos: 200 programs; for a while (quick mode: a few seconds, long: a
// minute) random children are SIGKILLed and SIGSTOPped, programs are started,
// stopped and restarted, 20 control clients hammer status and tail, and one
// child floods its log. The daemon never dies or stalls, and at the end every
// autorestart program runs again, exactly once.
import Foundation
import XCTest

final class ReliabilityChaosTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func name(_ i: Int) -> String { String(format: "p%03d", i) }

    func test_chaos_signalsControlTrafficAndAFlood_daemonSurvives_andEveryAutorestartProgramRunsAgain() throws {
        let programs = 200
        let duration = Reliability.seconds(quick: 4, long: 60)
        let dir = sandbox.dir
        _ = try sandbox.write("while :; do sleep 1; done\n", to: "prog.sh")
        var body = ""
        for i in 0..<programs {
            // Every tenth program is not restarted automatically.
            body += """
            [program:\(name(i))]
            command=/bin/sh \(dir)/prog.sh \(name(i)) end
            startsecs=0
            autorestart=\(i % 10 == 9 ? "false" : "true")
            stopasgroup=true
            killasgroup=true
            stopwaitsecs=2
            stdout_logfile=NONE
            redirect_stderr=true

            """
        }
        body += """
        [program:flood]
        command=/usr/bin/yes chaos-flood-line-with-some-padding-to-make-it-longer
        startsecs=0
        stdout_logfile=\(dir)/flood.log
        stdout_logfile_maxbytes=1MB
        stdout_logfile_backups=2

        """
        try sandbox.writeConfig(body)
        let daemon = try sandbox.startDaemon()
        let dpid = daemon.processIdentifier
        waitUntil("all running", timeout: 30) { sandbox.logLines(containing: "success: p").count >= programs }

        let control = sandbox.controlClient() != nil
        // The probe connection is closed by the daemon when it sees EOF: take
        // the baseline once the descriptor count stops moving.
        let baselineFDs = settledFDCount(dpid)
        let socketPath = sandbox.socketPath
        let stop = ManagedAtomicFlag()
        let stats = ChaosStats()
        let group = DispatchGroup()
        if control {
            // 20 clients: 10 status, 10 tail (readlog), fresh connection every 10 requests.
            for c in 0..<20 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    var client: ControlClient?
                    var n = 0
                    while !stop.isSet {
                        if client == nil || n % 10 == 0 { client = ControlClient(path: socketPath) }
                        n += 1
                        // pacing: retry a failed connect every 10 ms until the chaos phase ends
                        guard let cl = client else { stats.record(failure: "connect"); usleep(10_000); continue }  // until stop
                        let t0 = monotonicNow()
                        let outcome = c < 10 ? cl.request("status", timeout: 5) : cl.request("readlog flood stdout -1024 0", timeout: 5)
                        let dt = monotonicNow() - t0
                        if case .ok = outcome { stats.record(latency: dt, status: c < 10) } else { stats.record(failure: "\(outcome)") }
                    }
                }
            }
        }
        // The operator: start, stop and restart random programs.
        if control {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let cl = ControlClient(path: socketPath) else { return }
                while !stop.isSet {
                    let p = String(format: "p%03d", Int.random(in: 0..<programs))
                    let verb = ["start", "stop", "restart"].randomElement()!
                    if verb == "restart" {
                        _ = cl.request("stop \(p)", timeout: 10)
                        _ = cl.request("start \(p)", timeout: 10)
                    } else {
                        _ = cl.request("\(verb) \(p)", timeout: 10)
                    }
                    stats.record(operation: verb)
                }
            }
        }
        // Signals: SIGKILL and SIGSTOP random children, SIGCONT some stopped ones.
        var stopped: Set<Int32> = []
        var kills = 0
        let end = monotonicNow() + duration
        var children = childPids(of: dpid)
        var refreshed = monotonicNow()
        while monotonicNow() < end {
            if monotonicNow() - refreshed > 0.25 { children = childPids(of: dpid); refreshed = monotonicNow() }
            guard let victim = children.randomElement() else { usleep(10_000); continue }  // pacing until the deadline `end`
            switch Int.random(in: 0..<10) {
            case 0..<6: kill(victim, SIGKILL); kills += 1
            case 6..<8: kill(victim, SIGSTOP); stopped.insert(victim)
            default: if let s = stopped.randomElement() { kill(s, SIGCONT); stopped.remove(s) }
            }
            XCTAssertTrue(daemon.isRunning, "the daemon died")
            if !daemon.isRunning { break }
            usleep(5_000)  // pacing: one fault every 5 ms until the deadline `end`
        }
        stop.set()
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success, "control clients finished")
        for s in stopped { kill(s, SIGCONT) }
        XCTAssertTrue(daemon.isRunning, "the daemon survived")

        // Every autorestart program runs again, exactly once. Programs the
        // operator thread stopped are started again first.
        if control, let cl = sandbox.controlClient() {
            _ = cl.request("start all", timeout: 60)
        }
        waitUntil("every autorestart program running once", timeout: 30) {
            (0..<programs).filter { $0 % 10 != 9 }.allSatisfy { processesMentioning("\(dir)/prog.sh \(name($0)) end").count == 1 }
        }
        for i in 0..<programs {
            XCTAssertLessThanOrEqual(processesMentioning("\(dir)/prog.sh \(name(i)) end").count, 1, "\(name(i)) runs twice")
        }
        if control, let cl = sandbox.controlClient(), case .ok(let items) = cl.request("status", timeout: 10) {
            let states = ControlClient.states(items)
            for i in 0..<programs where i % 10 != 9 {
                XCTAssertEqual(states[name(i)], "RUNNING", name(i))
            }
            XCTAssertEqual(states["flood"], "RUNNING")
        }
        if control {
            // Everything runs again, as at the start, and every client left: so
            // the daemon holds exactly as many descriptors as it did then.
            waitUntil("descriptors back to baseline \(baselineFDs)", timeout: 10) { openFDCount(dpid) == baselineFDs }
        }
        let report = stats.summary()
        print("ReliabilityChaosTests: \(kills) SIGKILLs, \(report)")
        if control {
            XCTAssertEqual(stats.failures, [], "control requests failed")
            // A stall is a status slower than 100 ms (the issue's bound). Quick
            // mode shares 2 cores with the build and other tests, so it only
            // flags outright stalls (500 ms); long mode holds the 100 ms bound.
            let bound = Reliability.isLong ? 0.1 : 0.5
            XCTAssertLessThanOrEqual(stats.maxStatusLatency, bound, "slowest status reply")
        }
        XCTAssertEqual(sandbox.stopDaemon(timeout: 60), 0)
        // Flood log accounted for: the retained files (oldest first) are an
        // unbroken run of the flood line; only the very first line may be cut
        // (rotation splits at byte boundaries).
        var flood = ""
        for suffix in [".2", ".1", ""] {
            flood += (try? String(contentsOfFile: dir + "/flood.log" + suffix, encoding: .utf8)) ?? ""
        }
        let floodLines = flood.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast()
        XCTAssertGreaterThan(floodLines.count, 1000, "the flood was logged")
        let bad = floodLines.filter { $0 != "chaos-flood-line-with-some-padding-to-make-it-longer" }
        XCTAssertTrue(bad.isEmpty, "\(bad.count) damaged flood lines, first: \(bad.first ?? "")")
        XCTAssertTrue(flood.hasSuffix("\n"), "the flood log ends with a whole line")
        XCTAssertTrue(zombieChildren(of: dpid).isEmpty)
        sandbox.auditAfterShutdown()
    }
}

/// A flag set by one thread and read by others.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// Latencies and failures seen by the chaos clients.
final class ChaosStats: @unchecked Sendable {
    private let lock = NSLock()
    private var statusLatencies: [Double] = []
    private var tailCount = 0
    private(set) var failures: [String] = []
    private var operations: [String: Int] = [:]

    func record(latency: Double, status: Bool) {
        lock.lock(); defer { lock.unlock() }
        if status { statusLatencies.append(latency) } else { tailCount += 1 }
    }
    func record(failure: String) { lock.lock(); failures.append(failure); lock.unlock() }
    func record(operation: String) { lock.lock(); operations[operation, default: 0] += 1; lock.unlock() }
    var maxStatusLatency: Double { lock.lock(); defer { lock.unlock() }; return statusLatencies.max() ?? 0 }
    func summary() -> String {
        lock.lock(); defer { lock.unlock() }
        let sorted = statusLatencies.sorted()
        let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        return "\(sorted.count) status (p99 \(Int(p99 * 1000)) ms, max \(Int((sorted.last ?? 0) * 1000)) ms), \(tailCount) tails, operations \(operations), \(failures.count) failures"
    }
}
