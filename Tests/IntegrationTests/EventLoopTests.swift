// EventLoop and Reaper with real timers, pipes, signals and processes.
import Glibc
import XCTest
import SwiftvisorCore
@testable import SwiftvisorOS

final class EventLoopTests: XCTestCase {
    func test_timers_runInDeadlineOrder_andCancelledOnesNever() throws {
        let loop = try EventLoop()
        let t0 = EventLoop.now()
        var fired: [String] = []
        loop.schedule(at: t0 + 0.03) { fired.append("c") }
        loop.schedule(at: t0 + 0.01) { fired.append("a") }
        let cancelled = loop.schedule(at: t0 + 0.02) { fired.append("cancelled") }
        loop.schedule(at: t0 + 0.02) { fired.append("b") }
        loop.schedule(at: t0 + 0.04) { fired.append("d"); loop.stop() }
        loop.cancel(cancelled)
        try loop.run()
        XCTAssertEqual(fired, ["a", "b", "c", "d"])
        XCTAssertGreaterThanOrEqual(EventLoop.now() - t0, 0.04)
    }

    func test_timers_neverFireBeforeTheirDeadline() throws {
        let loop = try EventLoop()
        var lateness: [Double] = []
        let t0 = EventLoop.now()
        for i in 1...20 {
            let deadline = t0 + Double(i) * 0.0037
            loop.schedule(at: deadline) { lateness.append(EventLoop.now() - deadline) }
        }
        loop.schedule(at: t0 + 0.1) { loop.stop() }
        try loop.run()
        XCTAssertEqual(lateness.count, 20)
        XCTAssertTrue(lateness.allSatisfy { $0 >= 0 }, "\(lateness)")
    }

    func test_timer_cancelledFromAnEarlierTimerInTheSameRound_doesNotRun() throws {
        let loop = try EventLoop()
        let t = EventLoop.now() - 1  // both already due: same round
        var second: EventLoop.TimerID = 0
        var ran = false
        loop.schedule(at: t) { loop.cancel(second) }
        second = loop.schedule(at: t + 0.5) { ran = true }
        loop.schedule(at: EventLoop.now() + 0.01) { loop.stop() }
        try loop.run()
        XCTAssertFalse(ran)
    }

    func test_watchReadable_deliversPipeData_andUnwatchStopsIt() throws {
        let loop = try EventLoop()
        let p = try Sys.pipe(flags: O_NONBLOCK)
        defer { close(p.read); close(p.write) }
        var got: [UInt8] = []
        loop.watchReadable(p.read) {
            var buf = [UInt8](repeating: 0, count: 16)
            let n = buf.withUnsafeMutableBytes { Glibc.read(p.read, $0.baseAddress, 16) }
            if n > 0 { got += buf[0..<n] }
            loop.unwatch(p.read)
            loop.stop()
        }
        loop.deferToNextRound { _ = Glibc.write(p.write, "hi", 2) }
        try loop.run()
        XCTAssertEqual(got, Array("hi".utf8))
    }

    func test_watchWritable_firesUntilUnwatched() throws {
        let loop = try EventLoop()
        let p = try Sys.pipe(flags: O_NONBLOCK)
        defer { close(p.read); close(p.write) }
        var calls = 0
        loop.watchWritable(p.write) {
            calls += 1
            if calls == 3 {
                loop.unwatchWritable(p.write)
                loop.schedule(at: EventLoop.now() + 0.02) { loop.stop() }
            }
        }
        try loop.run()
        XCTAssertEqual(calls, 3)
    }

    func test_deferred_runsAfterTheRoundsHandlers() throws {
        let loop = try EventLoop()
        var order: [String] = []
        let t = EventLoop.now() - 1
        loop.schedule(at: t) {
            order.append("timer1")
            loop.deferToNextRound { order.append("deferred"); loop.stop() }
        }
        loop.schedule(at: t) { order.append("timer2") }
        try loop.run()
        XCTAssertEqual(order, ["timer1", "timer2", "deferred"])
    }

    func test_signals_SIGCHLDWakesTheLoopAndReaperCollectsTheExitStatus() throws {
        guard try runningIsolated() else { return }
        let loop = try EventLoop()
        var results: [Int32: ExitStatus] = [:]
        var spawned: [Int32] = []
        try loop.onSignals([SIGCHLD]) { sig in
            XCTAssertEqual(sig, SIGCHLD)
            for r in Reaper.reapAll() { results[r.pid] = r.status }
            if spawned.allSatisfy({ results[$0] != nil }) { loop.stop() }
        }
        let a = try Spawner.spawn(OSTest.request(["/bin/sh", "-c", "exit 3"]), programName: "a")
        let b = try Spawner.spawn(OSTest.request(["/bin/sh", "-c", "kill -TERM $$"]), programName: "b")
        spawned = [a.pid, b.pid]
        defer { OSTest.closeFDs(a); OSTest.closeFDs(b) }
        var timedOut = false
        loop.schedule(at: EventLoop.now() + 10) { timedOut = true; loop.stop() }
        try loop.run()
        XCTAssertFalse(timedOut, "SIGCHLD never arrived through the signalfd")
        XCTAssertEqual(results[a.pid], .exited(code: 3))
        XCTAssertEqual(results[b.pid], .signaled(signal: SIGTERM, coreDumped: false))
        for pid in spawned where results[pid] == nil { OSTest.killAndReap(pid) }
    }

    func test_subreaper_reapsADoubleForkedGrandchild() throws {
        guard try runningIsolated() else { return }
        try Reaper.becomeSubreaper()
        defer { try? Reaper.stopBeingSubreaper() }
        // sh starts a background sleep, prints its pid and exits: the sleep is orphaned.
        let child = try Spawner.spawn(OSTest.request(["/bin/sh", "-c", "sleep 0.2 & echo $!"]), programName: "daemonizer")
        defer { OSTest.closeFDs(child) }
        guard let grandchild = Int32(OSTest.readString(child.stdout!).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return XCTFail("no grandchild pid")
        }
        defer { _ = kill(grandchild, SIGKILL) }
        var reaped: [Int32: ExitStatus] = [:]
        let deadline = EventLoop.now() + 10
        while reaped[grandchild] == nil && EventLoop.now() < deadline {
            for r in Reaper.reapAll() { reaped[r.pid] = r.status }
            usleep(5000)  // poll interval until the deadline
        }
        XCTAssertEqual(reaped[child.pid], .exited(code: 0))
        XCTAssertEqual(reaped[grandchild], .exited(code: 0), "the orphan was not re-parented to us")
    }

    func test_pidfd_signalsTheChildAndBecomesReadableWhenItExits() throws {
        let loop = try EventLoop()
        let child = try Spawner.spawn(OSTest.request(["/bin/sleep", "30"]), programName: "sleep")
        defer { OSTest.closeFDs(child) }
        let pidfd = try Sys.pidfdOpen(child.pid)
        defer { close(pidfd) }
        var exited = false
        loop.watchReadable(pidfd) { exited = true; loop.unwatch(pidfd); loop.stop() }
        var timedOut = false
        loop.schedule(at: EventLoop.now() + 10) { timedOut = true; loop.stop() }
        try Sys.pidfdSendSignal(pidfd, SIGTERM)
        try loop.run()
        XCTAssertTrue(exited)
        XCTAssertFalse(timedOut)
        XCTAssertEqual(OSTest.waitExit(child.pid), .signaled(signal: SIGTERM, coreDumped: false))
    }

    func test_reapAll_withNoChildren_returnsEmpty() throws {
        guard try runningIsolated() else { return }
        XCTAssertTrue(Reaper.reapAll().isEmpty)
    }
}
