import XCTest
@testable import SwiftvisorCore

/// Drives the pure state machine with a fake clock and compares the exact
/// action lists (log texts checked against supervisor 4.3.0 process.py).
final class ProcessStateMachineTests: XCTestCase {
    // A process whose name differs from its namespec (`workers:worker_01`):
    // supervisord's log lines use the bare process name.
    private func config(_ edit: (inout ProcessConfig) -> Void = { _ in }) -> ProcessConfig {
        var c = ProcessConfig(name: "worker_01", programName: "worker", groupName: "workers", command: "/bin/worker")
        edit(&c)
        return c
    }

    /// t seconds after an arbitrary origin; wall and monotonic differ on purpose.
    private func t(_ s: Double) -> Moment { Moment(monotonic: 1000 + s, wall: 1_700_000_000 + s) }
    private func m(_ s: Double) -> Double { 1000 + s }

    private let term = SignalSpec(number: 15, name: "TERM")
    private let kill = SignalSpec(number: 9, name: "KILL")

    /// A machine that was started at 0 and got pid 42.
    private func spawnedMachine(_ edit: (inout ProcessConfig) -> Void = { _ in }) -> ProcessStateMachine {
        var sm = ProcessStateMachine(config: config(edit))
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        return sm
    }

    /// A machine RUNNING with pid 42 since 0 (startsecs=1, promoted at 1).
    private func runningMachine(_ edit: (inout ProcessConfig) -> Void = { _ in }) -> ProcessStateMachine {
        var sm = spawnedMachine(edit)
        if sm.state == .starting { _ = sm.handle(.timer, now: t(Double(sm.config.startsecs))) }
        XCTAssertEqual(sm.state, .running)
        return sm
    }

    private func successLog(_ secs: Int) -> ProcessAction {
        .log(.info, "success: worker_01 entered RUNNING state, process has stayed up for > than \(secs) seconds (startsecs)")
    }
    private let gaveUpLog = ProcessAction.log(.info, "gave up: worker_01 entered FATAL state, too many start retries too quickly")

    // MARK: - Start, spawn, promotion

    func test_init_isStoppedNeverStarted() {
        let sm = ProcessStateMachine(config: config())
        XCTAssertEqual(sm.state, .stopped)
        XCTAssertEqual(sm.pid, 0)
        XCTAssertNil(sm.laststart)
        XCTAssertNil(sm.laststop)
        XCTAssertEqual(sm.backoff, 0)
        XCTAssertNil(sm.spawnerr)
        XCTAssertNil(sm.exitStatus)
        XCTAssertFalse(sm.wantUp)
        XCTAssertTrue(sm.restartsAllowed)
    }

    func test_start_fromStopped_entersStartingAndAsksForSpawn() {
        var sm = ProcessStateMachine(config: config())
        XCTAssertEqual(sm.handle(.start, now: t(0)), [.stateChanged(from: .stopped, to: .starting), .spawn])
        XCTAssertEqual(sm.state, .starting)
        XCTAssertEqual(sm.laststart, t(0))
        XCTAssertTrue(sm.wantUp)
        XCTAssertEqual(sm.pid, 0)
    }

    func test_spawned_logsPidAndArmsStartsecsTimerFromLaststart() {
        var sm = ProcessStateMachine(config: config { $0.startsecs = 5 })
        _ = sm.handle(.start, now: t(0))
        XCTAssertEqual(sm.handle(.spawned(pid: 42), now: t(0.01)), [
            .log(.info, "spawned: 'worker_01' with pid 42"),
            .setTimer(at: m(5)),
        ])
        XCTAssertEqual(sm.pid, 42)
        XCTAssertEqual(sm.state, .starting)
    }

    func test_timer_atExactlyStartsecs_promotesToRunningAndResetsBackoff() {
        var sm = spawnedMachine { $0.startsecs = 5 }
        XCTAssertEqual(sm.handle(.timer, now: t(5)), [.stateChanged(from: .starting, to: .running), successLog(5)])
        XCTAssertEqual(sm.state, .running)
        XCTAssertEqual(sm.backoff, 0)
    }

    func test_timer_firedEarly_rearmsSameDeadlineWithoutPromoting() {
        var sm = spawnedMachine { $0.startsecs = 5 }
        XCTAssertEqual(sm.handle(.timer, now: t(4.999)), [.setTimer(at: m(5))])
        XCTAssertEqual(sm.state, .starting)
        XCTAssertEqual(sm.handle(.timer, now: t(5)), [.stateChanged(from: .starting, to: .running), successLog(5)])
    }

    func test_timer_whenNoneArmed_isIgnored() {
        var sm = runningMachine()
        XCTAssertEqual(sm.handle(.timer, now: t(50)), [])
        XCTAssertEqual(sm.state, .running)
        var fresh = ProcessStateMachine(config: config())
        XCTAssertEqual(fresh.handle(.timer, now: t(1)), [])
    }

    func test_startsecsZero_spawned_goesStraightToRunning() {
        var sm = ProcessStateMachine(config: config { $0.startsecs = 0 })
        _ = sm.handle(.start, now: t(0))
        XCTAssertEqual(sm.handle(.spawned(pid: 7), now: t(0)), [
            .log(.info, "spawned: 'worker_01' with pid 7"),
            .stateChanged(from: .starting, to: .running),
            successLog(0),
        ])
        XCTAssertEqual(sm.state, .running)
    }

    func test_start_fromFatal_spawnsAgainWithFreshCounters() {
        var sm = ProcessStateMachine(config: config { $0.startretries = 0 })
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawnFailed(reason: "can't find command 'x'"), now: t(0))
        XCTAssertEqual(sm.state, .fatal)
        XCTAssertEqual(sm.backoff, 0, "give_up() resets the counter")
        XCTAssertEqual(sm.handle(.start, now: t(10)), [.stateChanged(from: .fatal, to: .starting), .spawn])
        XCTAssertNil(sm.spawnerr, "spawn() clears spawnerr")
        XCTAssertEqual(sm.laststart, t(10))
    }

    func test_start_whenAlreadyStartingRunningBackoffOrUnknown_returnsNoActions() {
        var starting = spawnedMachine()
        XCTAssertEqual(starting.handle(.start, now: t(0.5)), [])
        var running = runningMachine()
        XCTAssertEqual(running.handle(.start, now: t(3)), [])
        var backoff = ProcessStateMachine(config: config())
        _ = backoff.handle(.start, now: t(0))
        _ = backoff.handle(.spawnFailed(reason: "nope"), now: t(0))
        XCTAssertEqual(backoff.state, .backoff)
        XCTAssertEqual(backoff.handle(.start, now: t(0.5)), [])
        XCTAssertEqual(backoff.state, .backoff)
        var unknown = runningMachine()
        _ = unknown.handle(.signalFailed(errno: 1, description: "Operation not permitted"), now: t(3))
        XCTAssertEqual(unknown.handle(.start, now: t(4)), [])
        XCTAssertEqual(unknown.state, .unknown)
    }

    func test_start_whileStopping_logsAlreadyRunningAndChangesNothing() {
        var sm = runningMachine()
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.start, now: t(4)), [.log(.warn, "process 'worker_01' already running")])
        XCTAssertEqual(sm.state, .stopping)
        XCTAssertFalse(sm.wantUp)
    }

    func test_spawned_whenNotWaitingForSpawn_isIgnored() {
        var sm = runningMachine()
        XCTAssertEqual(sm.handle(.spawned(pid: 99), now: t(3)), [])
        XCTAssertEqual(sm.pid, 42)
        var stopped = ProcessStateMachine(config: config())
        XCTAssertEqual(stopped.handle(.spawned(pid: 99), now: t(0)), [])
        XCTAssertEqual(stopped.handle(.spawnFailed(reason: "x"), now: t(0)), [])
        XCTAssertEqual(stopped.state, .stopped)
    }

    // MARK: - Spawn errors, too-quick exits, BACKOFF, FATAL

    func test_spawnFailed_recordsSpawnerrAndBacksOffOneSecond() {
        var sm = ProcessStateMachine(config: config())
        _ = sm.handle(.start, now: t(0))
        XCTAssertEqual(sm.handle(.spawnFailed(reason: "can't find command 'x'"), now: t(0)), [
            .log(.info, "spawnerr: can't find command 'x'"),
            .stateChanged(from: .starting, to: .backoff),
            .setTimer(at: m(1)),
        ])
        XCTAssertEqual(sm.spawnerr, "can't find command 'x'")
        XCTAssertEqual(sm.backoff, 1)
        XCTAssertEqual(sm.statusDescription(now: t(0.5), formatStopTime: { _ in "?" }), "can't find command 'x'")
        XCTAssertEqual(sm.handle(.timer, now: t(1)), [.stateChanged(from: .backoff, to: .starting), .spawn])
        XCTAssertNil(sm.spawnerr)
        XCTAssertEqual(sm.laststart, t(1))
    }

    func test_exitBeforeStartsecs_isTooQuickEvenWithExpectedCode() {
        var sm = spawnedMachine { $0.startsecs = 5 }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(4.9)), [
            .stateChanged(from: .starting, to: .backoff),
            .log(.warn, "exited: worker_01 (exit status 0; not expected)"),
            .setTimer(at: m(5.9)),
        ])
        XCTAssertEqual(sm.state, .backoff)
        XCTAssertEqual(sm.spawnerr, "Exited too quickly (process log may have details)")
        XCTAssertNil(sm.exitStatus, "supervisord stores None for a too-quick exit")
        XCTAssertEqual(sm.pid, 0)
        XCTAssertEqual(sm.laststop, t(4.9))
        XCTAssertEqual(sm.backoff, 1)
    }

    func test_crashLoop_withStartretries3_spawnsFourTimesAt0_1_3_6ThenFatal() {
        var sm = ProcessStateMachine(config: config { $0.startretries = 3 })
        var spawnTimes: [Double] = []
        var pid: Int32 = 100
        var actions = sm.handle(.start, now: t(0))
        var now = 0.0
        // Each child dies 10 ms after it is spawned; timers fire at their deadline.
        while true {
            if actions.contains(.spawn) {
                spawnTimes.append(now)
                pid += 1
                _ = sm.handle(.spawned(pid: pid), now: t(now))
                now += 0.01
                actions = sm.handle(.exited(.exited(code: 1)), now: t(now))
            }
            guard case .setTimer(let at)? = actions.last(where: { if case .setTimer = $0 { return true }; return false }) else { break }
            now = at - 1000
            actions = sm.handle(.timer, now: t(now))
        }
        XCTAssertEqual(spawnTimes.map { ($0 * 100).rounded() / 100 }, [0, 1.01, 3.02, 6.03])
        XCTAssertEqual(sm.state, .fatal)
        XCTAssertEqual(sm.backoff, 0)
        XCTAssertEqual(actions, [
            .stateChanged(from: .starting, to: .backoff),
            .log(.warn, "exited: worker_01 (exit status 1; not expected)"),
            .cancelTimer,
            .stateChanged(from: .backoff, to: .fatal),
            gaveUpLog,
        ])
        XCTAssertEqual(sm.statusDescription(now: t(7), formatStopTime: { _ in "?" }), "Exited too quickly (process log may have details)")
    }

    func test_backoffDelays_growByOneSecondPerFailure() {
        var sm = ProcessStateMachine(config: config { $0.startretries = 5 })
        _ = sm.handle(.start, now: t(0))
        XCTAssertEqual(sm.handle(.spawnFailed(reason: "e"), now: t(0)).last, .setTimer(at: m(1)))
        XCTAssertEqual(sm.handle(.timer, now: t(1)), [.stateChanged(from: .backoff, to: .starting), .spawn])
        XCTAssertEqual(sm.handle(.spawnFailed(reason: "e"), now: t(1)).last, .setTimer(at: m(3)))
        _ = sm.handle(.timer, now: t(3))
        XCTAssertEqual(sm.handle(.spawnFailed(reason: "e"), now: t(3)).last, .setTimer(at: m(6)))
        XCTAssertEqual(sm.backoff, 3)
    }

    func test_startretries0_firstQuickExitGoesFatal() {
        var sm = spawnedMachine { $0.startretries = 0 }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 2)), now: t(0.2)), [
            .stateChanged(from: .starting, to: .backoff),
            .log(.warn, "exited: worker_01 (exit status 2; not expected)"),
            .cancelTimer,
            .stateChanged(from: .backoff, to: .fatal),
            gaveUpLog,
        ])
        XCTAssertEqual(sm.state, .fatal)
    }

    func test_startretries0_spawnFailureGoesFatalWithoutTimer() {
        var sm = ProcessStateMachine(config: config { $0.startretries = 0 })
        _ = sm.handle(.start, now: t(0))
        XCTAssertEqual(sm.handle(.spawnFailed(reason: "command at '/x' is a directory"), now: t(0)), [
            .log(.info, "spawnerr: command at '/x' is a directory"),
            .stateChanged(from: .starting, to: .backoff),
            .stateChanged(from: .backoff, to: .fatal),
            gaveUpLog,
        ])
        XCTAssertEqual(sm.statusDescription(now: t(1), formatStopTime: { _ in "?" }), "command at '/x' is a directory")
    }

    func test_successfulStart_resetsBackoffCounter() {
        var sm = spawnedMachine()
        _ = sm.handle(.exited(.exited(code: 1)), now: t(0.1))
        _ = sm.handle(.timer, now: t(1.1))
        _ = sm.handle(.spawned(pid: 43), now: t(1.1))
        XCTAssertEqual(sm.backoff, 1)
        _ = sm.handle(.timer, now: t(2.1))
        XCTAssertEqual(sm.state, .running)
        XCTAssertEqual(sm.backoff, 0)
    }

    // MARK: - Exits from RUNNING, exitcodes, autorestart

    func test_exitInStarting_afterStartsecsBeforeTimer_reportsRunningThenExited() {
        var sm = spawnedMachine { $0.startsecs = 2 }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(2)), [
            .cancelTimer,
            .stateChanged(from: .starting, to: .running),
            successLog(2),
            .stateChanged(from: .running, to: .exited),
            .log(.info, "exited: worker_01 (exit status 0; expected)"),
        ])
        XCTAssertEqual(sm.exitStatus, .exited(code: 0))
        XCTAssertEqual(sm.backoff, 0)
    }

    func test_expectedExit_fromRunning_entersExitedWithoutRestart() {
        var sm = runningMachine()
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.info, "exited: worker_01 (exit status 0; expected)"),
        ])
        XCTAssertEqual(sm.state, .exited)
        XCTAssertEqual(sm.exitStatus, .exited(code: 0))
        XCTAssertEqual(sm.pid, 0)
        XCTAssertEqual(sm.laststop, t(30))
        XCTAssertNil(sm.spawnerr)
    }

    func test_unexpectedExit_autorestartUnexpected_restartsImmediately() {
        var sm = runningMachine()
        XCTAssertEqual(sm.handle(.exited(.exited(code: 1)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (exit status 1; not expected)"),
            .stateChanged(from: .exited, to: .starting),
            .spawn,
        ])
        XCTAssertEqual(sm.laststart, t(30))
        XCTAssertNil(sm.exitStatus, "spawn() clears the previous exit status")
    }

    func test_unexpectedExit_setsBadExitCodeSpawnerr_whenNotRestarted() {
        var sm = runningMachine { $0.autorestart = .never }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 3)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (exit status 3; not expected)"),
        ])
        XCTAssertEqual(sm.spawnerr, "Bad exit code 3")
        XCTAssertEqual(sm.exitStatus, .exited(code: 3))
    }

    func test_autorestartAlways_restartsAfterExpectedExit() {
        var sm = runningMachine { $0.autorestart = .always }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.info, "exited: worker_01 (exit status 0; expected)"),
            .stateChanged(from: .exited, to: .starting),
            .spawn,
        ])
    }

    func test_autorestartNever_doesNotRestartAfterCrash() {
        var sm = runningMachine { $0.autorestart = .never }
        _ = sm.handle(.exited(.signaled(signal: 11, coreDumped: true)), now: t(30))
        XCTAssertEqual(sm.state, .exited)
    }

    func test_exitcodes_decideExpectedAndRestart() {
        var sm = runningMachine { $0.exitcodes = [2, 3] }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 2)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.info, "exited: worker_01 (exit status 2; expected)"),
        ])
        var other = runningMachine { $0.exitcodes = [2, 3] }
        XCTAssertEqual(other.handle(.exited(.exited(code: 0)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (exit status 0; not expected)"),
            .stateChanged(from: .exited, to: .starting),
            .spawn,
        ])
    }

    func test_signalDeath_isNeverExpected() {
        var sm = runningMachine { $0.autorestart = .never }
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 11, coreDumped: true)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (terminated by SIGSEGV (core dumped); not expected)"),
        ])
        XCTAssertEqual(sm.spawnerr, "Bad exit code -1")
        XCTAssertEqual(sm.exitStatus?.supervisorCode, -1)
    }

    /// A startsecs=0 machine started at 0 with pid 42, restarting always.
    private func quickWorker(_ edit: (inout ProcessConfig) -> Void = { _ in }) -> ProcessStateMachine {
        var sm = ProcessStateMachine(config: config { $0.startsecs = 0; $0.autorestart = .always; edit(&$0) })
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        return sm
    }

    func test_workerWithStartsecs0_exitingAsExpectedAfterAJob_isRespawnedAtOnce() {
        var sm = quickWorker()
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(0.2)), [
            .stateChanged(from: .running, to: .exited),
            .log(.info, "exited: worker_01 (exit status 0; expected)"),
            .stateChanged(from: .exited, to: .starting),
            .spawn,
        ])
        XCTAssertEqual(sm.laststart, t(0.2))
    }

    func test_workerWithStartsecs0_exitingAsExpectedAgainAndAgain_isRespawnedAtOnceEveryTime() {
        var sm = quickWorker()
        var spawns: [Double] = []
        for job in 1...50 {
            let end = Double(job) * 0.05
            let actions = sm.handle(.exited(.exited(code: 0)), now: t(end))
            XCTAssertEqual(actions.last, .spawn, "run \(job): \(actions)")
            spawns.append(end)
            _ = sm.handle(.spawned(pid: 42), now: t(end))
        }
        XCTAssertEqual(spawns.count, 50, "50 runs of 50 ms in 2.5 s, none delayed")
        XCTAssertEqual(sm.state, .running)
    }

    func test_runEndingAsExpectedAtOnce_restartsAtMost100TimesASecond() {
        // `/bin/true` with autorestart=true: as expected, but no work was done.
        var sm = quickWorker()
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(0.001)), [
            .stateChanged(from: .running, to: .exited),
            .log(.info, "exited: worker_01 (exit status 0; expected)"),
            .setTimer(at: m(0.01)),
        ])
        XCTAssertEqual(sm.handle(.timer, now: t(0.01)), [.stateChanged(from: .exited, to: .starting), .spawn])
    }

    func test_failingRun_unexpectedExitWithStartsecs0UnderOneSecond_waitsUntilOneSecondAfterItsStart() {
        var sm = quickWorker()
        XCTAssertEqual(sm.handle(.exited(.exited(code: 1)), now: t(0.2)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (exit status 1; not expected)"),
            .setTimer(at: m(1)),
        ])
        XCTAssertEqual(sm.handle(.timer, now: t(1)), [.stateChanged(from: .exited, to: .starting), .spawn])
        XCTAssertEqual(sm.laststart, t(1))
    }

    func test_signalDeathWithStartsecs0UnderOneSecond_isAFailingRun() {
        var sm = quickWorker()
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 11, coreDumped: false)), now: t(0.3)).last, .setTimer(at: m(1)))
    }

    func test_unexpectedExitWithStartsecs0AfterOneSecond_isRespawnedAtOnce() {
        var sm = quickWorker()
        XCTAssertEqual(sm.handle(.exited(.exited(code: 1)), now: t(1.5)).suffix(2), [.stateChanged(from: .exited, to: .starting), .spawn])
    }

    func test_unexpectedExitSoonAfterStartsecs_isRespawnedAtOnce() {
        var sm = runningMachine()  // startsecs=1, RUNNING at 1
        XCTAssertEqual(sm.handle(.exited(.exited(code: 1)), now: t(1.2)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (exit status 1; not expected)"),
            .stateChanged(from: .exited, to: .starting),
            .spawn,
        ])
    }

    func test_expectedExitBeforeStartsecs_isStillTooQuick_backoffAsSupervisord() {
        var sm = spawnedMachine { $0.startsecs = 1; $0.autorestart = .always }
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(0.2)), [
            .stateChanged(from: .starting, to: .backoff),
            .log(.warn, "exited: worker_01 (exit status 0; not expected)"),
            .setTimer(at: m(1.2)),
        ])
    }

    func test_restartDelay_rule() {
        XCTAssertEqual(ProcessStateMachine.restartDelay(expected: true, ranFor: 0), 0.01)
        XCTAssertEqual(ProcessStateMachine.restartDelay(expected: true, ranFor: 0.2), 0.01)
        XCTAssertEqual(ProcessStateMachine.restartDelay(expected: false, ranFor: 0.999), 1)
        XCTAssertEqual(ProcessStateMachine.restartDelay(expected: false, ranFor: 1), 0.01)
    }

    func test_hotCrashLoop_withStartsecs0_restartsAtMostOncePerSecond() {
        var sm = ProcessStateMachine(config: config { $0.startsecs = 0 })
        var actions = sm.handle(.start, now: t(0))
        var now = 0.0
        var spawns: [Double] = []
        for _ in 0..<5 {
            if !actions.contains(.spawn) {
                guard case .setTimer(let at)? = actions.last else { return XCTFail("no timer: \(actions)") }
                now = at - 1000
                actions = sm.handle(.timer, now: t(now))
            }
            XCTAssertTrue(actions.contains(.spawn))
            spawns.append(now)
            _ = sm.handle(.spawned(pid: 42), now: t(now))
            now += 0.001
            actions = sm.handle(.exited(.exited(code: 1)), now: t(now))
        }
        XCTAssertEqual(spawns, [0, 1, 2, 3, 4], "startretries does not apply; one restart per second")
        XCTAssertEqual(sm.state, .exited)
    }

    func test_pendingRestart_isDroppedByStop() {
        var sm = ProcessStateMachine(config: config { $0.startsecs = 0; $0.autorestart = .always })
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        _ = sm.handle(.exited(.exited(code: 1)), now: t(0.2))  // a failing run: restart pending until 1
        XCTAssertEqual(sm.handle(.stop, now: t(0.5)), [], "EXITED is not running: nothing to signal")
        XCTAssertFalse(sm.wantUp)
        XCTAssertEqual(sm.handle(.timer, now: t(1)), [])
        XCTAssertEqual(sm.state, .exited)
    }

    func test_start_withPendingRestartTimer_cancelsItAndSpawnsNow() {
        var sm = ProcessStateMachine(config: config { $0.startsecs = 0; $0.autorestart = .always })
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawned(pid: 42), now: t(0))
        _ = sm.handle(.exited(.exited(code: 1)), now: t(0.2))  // a failing run: restart pending until 1
        XCTAssertEqual(sm.handle(.start, now: t(0.5)), [.cancelTimer, .stateChanged(from: .exited, to: .starting), .spawn])
    }

    func test_restartsNotAllowed_noAutorestartAndNoBackoffRetry() {
        var sm = runningMachine()
        sm.restartsAllowed = false
        XCTAssertEqual(sm.handle(.exited(.exited(code: 1)), now: t(30)), [
            .stateChanged(from: .running, to: .exited),
            .log(.warn, "exited: worker_01 (exit status 1; not expected)"),
        ])
        var backoff = ProcessStateMachine(config: config())
        _ = backoff.handle(.start, now: t(0))
        _ = backoff.handle(.spawnFailed(reason: "e"), now: t(0))
        backoff.restartsAllowed = false
        XCTAssertEqual(backoff.handle(.timer, now: t(1)), [])
        XCTAssertEqual(backoff.state, .backoff)
    }

    func test_restartsNotAllowed_stillPromotesStartingToRunning() {
        var sm = spawnedMachine()
        sm.restartsAllowed = false
        XCTAssertEqual(sm.handle(.timer, now: t(1)), [.stateChanged(from: .starting, to: .running), successLog(1)])
    }

    // MARK: - Stop, SIGKILL escalation

    func test_stop_running_signalsPidEntersStoppingArmsStopwaitsecs() {
        var sm = runningMachine()
        XCTAssertEqual(sm.handle(.stop, now: t(3)), [
            .log(.debug, "killing worker_01 (pid 42) with signal SIGTERM"),
            .stateChanged(from: .running, to: .stopping),
            .signal(term, toGroup: false),
            .setTimer(at: m(13)),
        ])
        XCTAssertFalse(sm.wantUp)
        XCTAssertEqual(sm.state, .stopping)
    }

    func test_stop_starting_cancelsPromotionAndStops() {
        var sm = spawnedMachine { $0.startsecs = 5; $0.stopwaitsecs = 2 }
        XCTAssertEqual(sm.handle(.stop, now: t(1)), [
            .log(.debug, "killing worker_01 (pid 42) with signal SIGTERM"),
            .stateChanged(from: .starting, to: .stopping),
            .signal(term, toGroup: false),
            .setTimer(at: m(3)),
        ])
    }

    func test_stop_withStopasgroupAndCustomSignal_targetsProcessGroup() {
        let int = SignalSpec(number: 2, name: "INT")
        var sm = runningMachine { $0.stopasgroup = true; $0.stopsignal = int }
        XCTAssertEqual(sm.handle(.stop, now: t(3)), [
            .log(.debug, "killing worker_01 (pid 42) process group with signal SIGINT"),
            .stateChanged(from: .running, to: .stopping),
            .signal(int, toGroup: true),
            .setTimer(at: m(13)),
        ])
    }

    func test_stop_childIgnoresSIGTERM_killsAfterStopwaitsecsAndRepeats() {
        var sm = runningMachine { $0.stopwaitsecs = 4 }
        _ = sm.handle(.stop, now: t(3))
        let sigkillRound: (Double) -> [ProcessAction] = { next in [
            .log(.warn, "killing 'worker_01' (42) with SIGKILL"),
            .log(.debug, "killing worker_01 (pid 42) with signal SIGKILL"),
            .signal(self.kill, toGroup: false),
            .setTimer(at: self.m(next)),
        ] }
        XCTAssertEqual(sm.handle(.timer, now: t(7)), sigkillRound(11))
        XCTAssertEqual(sm.handle(.timer, now: t(11)), sigkillRound(15))
        XCTAssertEqual(sm.handle(.timer, now: t(15)), sigkillRound(19))
        XCTAssertEqual(sm.state, .stopping)
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 9, coreDumped: false)), now: t(16)), [
            .cancelTimer,
            .stateChanged(from: .stopping, to: .stopped),
            .log(.warn, "stopped: worker_01 (terminated by SIGKILL)"),
        ])
    }

    func test_sigkillEscalation_withKillasgroup_targetsProcessGroup() {
        var sm = runningMachine { $0.killasgroup = true }
        XCTAssertEqual(sm.handle(.stop, now: t(3)).first(where: { if case .signal = $0 { return true }; return false }),
                       .signal(term, toGroup: false), "stopasgroup=false: the stop signal goes to the pid")
        XCTAssertEqual(sm.handle(.timer, now: t(13)), [
            .log(.warn, "killing 'worker_01' (42) with SIGKILL"),
            .log(.debug, "killing worker_01 (pid 42) process group with signal SIGKILL"),
            .signal(kill, toGroup: true),
            .setTimer(at: m(23)),
        ])
    }

    func test_stopwaitsecs0_sigkillAtOnceThenOncePerSecond() {
        var sm = runningMachine { $0.stopwaitsecs = 0 }
        XCTAssertEqual(sm.handle(.stop, now: t(3)).last, .setTimer(at: m(3)))
        XCTAssertEqual(sm.handle(.timer, now: t(3)).last, .setTimer(at: m(4)))
    }

    func test_reapWhileStopping_exitCodeInExitcodesLogsInfo() {
        var sm = runningMachine { $0.autorestart = .always }
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(3.5)), [
            .cancelTimer,
            .stateChanged(from: .stopping, to: .stopped),
            .log(.info, "stopped: worker_01 (exit status 0)"),
        ])
        XCTAssertEqual(sm.state, .stopped, "a stopped process is never autorestarted")
        XCTAssertEqual(sm.exitStatus, .exited(code: 0))
        XCTAssertEqual(sm.laststop, t(3.5))
    }

    func test_reapWhileStopping_bySIGTERMLogsWarn() {
        var sm = runningMachine()
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(3.5)), [
            .cancelTimer,
            .stateChanged(from: .stopping, to: .stopped),
            .log(.warn, "stopped: worker_01 (terminated by SIGTERM)"),
        ])
    }

    func test_stop_inBackoff_goesStoppedWithoutResettingBackoff() {
        var sm = spawnedMachine()
        _ = sm.handle(.exited(.exited(code: 1)), now: t(0.1))
        XCTAssertEqual(sm.handle(.stop, now: t(0.5)), [
            .log(.debug, "Attempted to kill worker_01, which is in BACKOFF state."),
            .stateChanged(from: .backoff, to: .stopped),
            .cancelTimer,
        ])
        XCTAssertEqual(sm.backoff, 1)
        XCTAssertFalse(sm.wantUp)
        // supervisord quirk: the old counter carries on after a new start.
        _ = sm.handle(.start, now: t(5))
        _ = sm.handle(.spawned(pid: 43), now: t(5))
        XCTAssertEqual(sm.handle(.exited(.exited(code: 1)), now: t(5.1)).last, .setTimer(at: m(7.1)))
        XCTAssertEqual(sm.backoff, 2)
    }

    func test_stop_inBackoffDuringShutdown_givesUpToFatal() {
        var sm = spawnedMachine()
        _ = sm.handle(.exited(.exited(code: 1)), now: t(0.1))
        sm.restartsAllowed = false
        XCTAssertEqual(sm.handle(.stop, now: t(0.5)), [
            .stateChanged(from: .backoff, to: .fatal),
            .cancelTimer,
        ])
        XCTAssertEqual(sm.backoff, 0)
    }

    func test_stop_whenNotRunning_returnsNoActions() {
        var stopped = ProcessStateMachine(config: config())
        XCTAssertEqual(stopped.handle(.stop, now: t(0)), [])
        var exited = runningMachine()
        _ = exited.handle(.exited(.exited(code: 0)), now: t(5))
        XCTAssertEqual(exited.handle(.stop, now: t(6)), [])
        var fatal = ProcessStateMachine(config: config { $0.startretries = 0 })
        _ = fatal.handle(.start, now: t(0))
        _ = fatal.handle(.spawnFailed(reason: "e"), now: t(0))
        XCTAssertEqual(fatal.handle(.stop, now: t(1)), [])
        XCTAssertEqual(fatal.state, .fatal)
    }

    func test_stop_whileStopping_sendsNothingNew() {
        var sm = runningMachine()
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.stop, now: t(4)), [])
        XCTAssertEqual(sm.handle(.timer, now: t(13)).count, 4, "the original SIGKILL deadline still holds")
    }

    func test_stop_betweenSpawnAndSpawned_logsNotRunning() {
        var sm = ProcessStateMachine(config: config())
        _ = sm.handle(.start, now: t(0))
        XCTAssertEqual(sm.handle(.stop, now: t(0)), [
            .log(.debug, "attempted to kill worker_01 with sig SIGTERM but it wasn't running"),
        ])
    }

    // MARK: - Group stops: done when the process group is empty

    func test_stopasgroup_leaderReaped_staysStoppingAndAwaitsTheGroup_thenStopped() {
        var sm = runningMachine { $0.stopasgroup = true; $0.killasgroup = true }
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(3.5)), [
            .log(.debug, "worker_01 (pid 42) exited (terminated by SIGTERM); waiting for its process group to end"),
            .awaitGroupExit,
        ], "the leader's reap alone does not end a group stop")
        XCTAssertEqual(sm.state, .stopping)
        XCTAssertEqual(sm.pid, 0)
        XCTAssertEqual(sm.processGroup, 42)
        XCTAssertTrue(sm.awaitingGroup)
        XCTAssertEqual(sm.handle(.groupExited, now: t(3.6)), [
            .cancelTimer,
            .stateChanged(from: .stopping, to: .stopped),
            .log(.warn, "stopped: worker_01 (terminated by SIGTERM)"),
        ])
        XCTAssertEqual(sm.processGroup, 0)
        XCTAssertFalse(sm.awaitingGroup)
        XCTAssertEqual(sm.laststop, t(3.5), "stopped when the leader was reaped, as supervisord records it")
    }

    func test_stopasgroup_groupOutlivesStopwaitsecs_sigkillsTheGroupByItsId_andRepeats() {
        var sm = runningMachine { $0.stopasgroup = true; $0.killasgroup = true; $0.stopwaitsecs = 4 }
        _ = sm.handle(.stop, now: t(3))
        _ = sm.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(3.1))
        XCTAssertEqual(sm.handle(.timer, now: t(7)), [
            .log(.warn, "killing 'worker_01' (42) with SIGKILL"),
            .log(.debug, "killing worker_01 (pid 42) process group with signal SIGKILL"),
            .signal(kill, toGroup: true),
            .setTimer(at: m(11)),
        ])
        XCTAssertEqual(sm.handle(.timer, now: t(11)).filter { if case .signal = $0 { return true }; return false },
                       [.signal(kill, toGroup: true)], "repeated until the group is gone")
        XCTAssertEqual(sm.handle(.groupExited, now: t(11.2)).last, .log(.warn, "stopped: worker_01 (terminated by SIGTERM)"))
        XCTAssertEqual(sm.state, .stopped)
    }

    func test_killasgroupOnly_leaderExitsOnTERM_isStoppedAtItsReap_likeSupervisord() {
        var sm = runningMachine { $0.killasgroup = true }
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(3.5)).last, .log(.info, "stopped: worker_01 (exit status 0)"),
                       "the group was never signalled: nothing to wait for")
        XCTAssertEqual(sm.state, .stopped)
    }

    func test_killasgroupOnly_afterTheGroupSIGKILL_awaitsTheGroup() {
        var sm = runningMachine { $0.killasgroup = true }
        _ = sm.handle(.stop, now: t(3))
        _ = sm.handle(.timer, now: t(13))
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 9, coreDumped: false)), now: t(13.1)).last, .awaitGroupExit)
        XCTAssertEqual(sm.state, .stopping)
    }

    func test_cgroupProgram_stopSignalsTheWholeGroup_andAwaitsIt() {
        var sm = runningMachine { $0.cgroup = true }
        XCTAssertTrue(sm.handle(.stop, now: t(3)).contains(.signal(term, toGroup: true)))
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(3.5)).last, .awaitGroupExit)
    }

    func test_awaitingGroup_startIsRefused_staleGroupExitedIgnored_newRunForgetsTheGroup() {
        var sm = runningMachine { $0.stopasgroup = true; $0.killasgroup = true }
        XCTAssertEqual(sm.handle(.groupExited, now: t(2)), [], "not awaiting: ignored")
        _ = sm.handle(.stop, now: t(3))
        _ = sm.handle(.exited(.exited(code: 0)), now: t(3.5))
        XCTAssertEqual(sm.handle(.start, now: t(4)), [.log(.warn, "process 'worker_01' already running")])
        _ = sm.handle(.groupExited, now: t(4.5))
        XCTAssertEqual(sm.handle(.groupExited, now: t(4.6)), [], "a second report changes nothing")
        _ = sm.handle(.start, now: t(5))
        _ = sm.handle(.spawned(pid: 77), now: t(5))
        XCTAssertEqual(sm.processGroup, 77)
        XCTAssertFalse(sm.awaitingGroup)
    }

    func test_awaitingGroup_groupKillFails_goesUnknown_thenStoppedWhenTheGroupEnds() {
        var sm = runningMachine { $0.stopasgroup = true; $0.killasgroup = true }
        _ = sm.handle(.stop, now: t(3))
        _ = sm.handle(.exited(.exited(code: 0)), now: t(3.5))
        _ = sm.handle(.timer, now: t(13))
        XCTAssertEqual(sm.handle(.signalFailed(errno: 1, description: "Operation not permitted"), now: t(13)), [
            .log(.critical, "unknown problem killing worker_01 (42):[Errno 1] Operation not permitted"),
            .cancelTimer,
            .stateChanged(from: .stopping, to: .unknown),
        ])
        XCTAssertEqual(sm.handle(.groupExited, now: t(14)), [
            .stateChanged(from: .unknown, to: .stopped),
            .log(.info, "stopped: worker_01 (exit status 0)"),
        ])
    }

    // MARK: - UNKNOWN

    func test_stopSignalFails_entersUnknownAndStopsEscalating() {
        var sm = runningMachine()
        _ = sm.handle(.stop, now: t(3))
        XCTAssertEqual(sm.handle(.signalFailed(errno: 1, description: "Operation not permitted"), now: t(3)), [
            .log(.critical, "unknown problem killing worker_01 (42):[Errno 1] Operation not permitted"),
            .cancelTimer,
            .stateChanged(from: .stopping, to: .unknown),
        ])
        XCTAssertEqual(sm.handle(.timer, now: t(13)), [])
        XCTAssertEqual(sm.statusDescription(now: t(14), formatStopTime: { _ in "?" }), "")
    }

    func test_signalCommandFails_inRunning_entersUnknown() {
        var sm = runningMachine()
        XCTAssertEqual(sm.handle(.signalFailed(errno: 1, description: "Operation not permitted"), now: t(3)), [
            .log(.critical, "unknown problem sending sig worker_01 (42):[Errno 1] Operation not permitted"),
            .stateChanged(from: .running, to: .unknown),
        ])
    }

    /// The operator's `signal` verb goes through the machine (supervisord's Subprocess.signal).
    func test_operatorSignal_sendsToTheProcessAlone_withSupervisordsDebugLine_andChangesNoState() {
        var sm = runningMachine { $0.stopasgroup = true }
        let hup = SignalSpec(number: 1, name: "HUP")
        XCTAssertEqual(sm.handle(.signal(hup), now: t(3)), [
            .log(.debug, "sending worker_01 (pid 42) sig SIGHUP"),
            .signal(hup, toGroup: false),
        ])
        XCTAssertEqual(sm.state, .running)
    }

    func test_operatorSignal_withoutAChild_isLoggedOnly() {
        var sm = ProcessStateMachine(config: config())
        XCTAssertEqual(sm.handle(.signal(SignalSpec(number: 1, name: "HUP")), now: t(0)),
                       [.log(.debug, "attempted to send worker_01 sig SIGHUP but it wasn't running")])
    }

    func test_signalFailed_whenNothingRunning_isIgnored() {
        var sm = ProcessStateMachine(config: config())
        XCTAssertEqual(sm.handle(.signalFailed(errno: 1, description: "x"), now: t(0)), [])
        XCTAssertEqual(sm.state, .stopped)
    }

    func test_reapInUnknown_afterStop_goesStopped() {
        var sm = runningMachine()
        _ = sm.handle(.stop, now: t(3))
        _ = sm.handle(.signalFailed(errno: 1, description: "Operation not permitted"), now: t(3))
        XCTAssertEqual(sm.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(4)), [
            .stateChanged(from: .unknown, to: .stopped),
            .log(.warn, "stopped: worker_01 (terminated by SIGTERM)"),
        ])
        XCTAssertEqual(sm.pid, 0)
    }

    func test_reapInUnknown_whileWantedUp_goesExitedWithoutRestart() {
        var sm = runningMachine { $0.autorestart = .always }
        _ = sm.handle(.signalFailed(errno: 1, description: "Operation not permitted"), now: t(3))
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(4)), [
            .stateChanged(from: .unknown, to: .exited),
            .log(.info, "exited: worker_01 (exit status 0; expected)"),
        ])
    }

    func test_exited_withoutChild_isIgnored() {
        var sm = ProcessStateMachine(config: config())
        XCTAssertEqual(sm.handle(.exited(.exited(code: 0)), now: t(0)), [])
        XCTAssertNil(sm.laststop)
    }

    // MARK: - statusDescription

    private func describe(_ sm: ProcessStateMachine, at now: Moment) -> String {
        sm.statusDescription(now: now, formatStopTime: { "stop@\(Int($0))" })
    }

    func test_status_running_showsPidAndUptime() {
        let sm = runningMachine()
        XCTAssertEqual(describe(sm, at: t(5)), "pid 42, uptime 0:00:05")
        XCTAssertEqual(describe(sm, at: t(3600 + 62)), "pid 42, uptime 1:01:02")
        XCTAssertEqual(describe(sm, at: t(86_400 + 2 * 3600 + 3 * 60 + 4)), "pid 42, uptime 1 day, 2:03:04")
        XCTAssertEqual(describe(sm, at: t(2 * 86_400 + 59)), "pid 42, uptime 2 days, 0:00:59")
    }

    func test_status_running_truncatesBothTimesToWholeSeconds() {
        var sm = ProcessStateMachine(config: config())
        let start = Moment(monotonic: 0, wall: 100.9)
        _ = sm.handle(.start, now: start)
        _ = sm.handle(.spawned(pid: 5894), now: start)
        _ = sm.handle(.timer, now: start.adding(1))
        XCTAssertEqual(sm.statusDescription(now: Moment(monotonic: 1.2, wall: 102.1), formatStopTime: { _ in "" }),
                       "pid 5894, uptime 0:00:02")
    }

    func test_status_running_wallClockSetBack_clampsUptimeToZero() {
        let sm = runningMachine()
        XCTAssertEqual(sm.statusDescription(now: Moment(monotonic: m(10), wall: 1_600_000_000), formatStopTime: { _ in "" }),
                       "pid 42, uptime 0:00:00")
    }

    func test_status_neverStarted_isNotStarted() {
        XCTAssertEqual(describe(ProcessStateMachine(config: config()), at: t(0)), "Not started")
    }

    func test_status_stoppedOrExited_showsFormattedStopTime() {
        var sm = runningMachine()
        _ = sm.handle(.exited(.exited(code: 0)), now: t(30.7))
        XCTAssertEqual(describe(sm, at: t(40)), "stop@1700000030")
        _ = sm.handle(.start, now: t(50))
        _ = sm.handle(.spawned(pid: 43), now: t(50))
        _ = sm.handle(.timer, now: t(51))
        _ = sm.handle(.stop, now: t(60))
        _ = sm.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: t(61))
        XCTAssertEqual(describe(sm, at: t(70)), "stop@1700000061")
    }

    func test_status_stoppedFromBackoffNeverReaped_formatsEpochLikeSupervisord() {
        var sm = ProcessStateMachine(config: config())
        _ = sm.handle(.start, now: t(0))
        _ = sm.handle(.spawnFailed(reason: "e"), now: t(0))
        _ = sm.handle(.stop, now: t(0.5))
        XCTAssertEqual(describe(sm, at: t(1)), "stop@0")
    }

    func test_status_backoffOrFatalWithoutSpawnerr_suggestsTail() {
        var backoff = ProcessStateMachine(config: config())
        _ = backoff.handle(.start, now: t(0))
        _ = backoff.handle(.spawnFailed(reason: ""), now: t(0))
        XCTAssertEqual(backoff.state, .backoff)
        XCTAssertEqual(describe(backoff, at: t(0.5)), "unknown error (try \"tail worker_01\")")
        var fatal = ProcessStateMachine(config: config { $0.startretries = 0 })
        _ = fatal.handle(.start, now: t(0))
        _ = fatal.handle(.spawnFailed(reason: ""), now: t(0))
        XCTAssertEqual(fatal.state, .fatal)
        XCTAssertEqual(describe(fatal, at: t(0.5)), "unknown error (try \"tail worker_01\")")
    }

    func test_status_startingAndStopping_areEmpty() {
        var sm = spawnedMachine()
        XCTAssertEqual(describe(sm, at: t(0.5)), "")
        _ = sm.handle(.stop, now: t(0.6))
        XCTAssertEqual(describe(sm, at: t(0.7)), "")
    }

    func test_formatTimedelta_matchesPythonStr() {
        XCTAssertEqual(ProcessStateMachine.formatTimedelta(0), "0:00:00")
        XCTAssertEqual(ProcessStateMachine.formatTimedelta(59), "0:00:59")
        XCTAssertEqual(ProcessStateMachine.formatTimedelta(36_000), "10:00:00")
        XCTAssertEqual(ProcessStateMachine.formatTimedelta(86_399), "23:59:59")
        XCTAssertEqual(ProcessStateMachine.formatTimedelta(86_400), "1 day, 0:00:00")
        XCTAssertEqual(ProcessStateMachine.formatTimedelta(400 * 86_400 + 1), "400 days, 0:00:01")
    }

    // MARK: - Value types

    func test_exitStatus_describesLikeDecodeWaitStatus() {
        XCTAssertEqual(ExitStatus.exited(code: 1).description, "exit status 1")
        XCTAssertEqual(ExitStatus.exited(code: 1).supervisorCode, 1)
        XCTAssertEqual(ExitStatus.signaled(signal: 15, coreDumped: false).description, "terminated by SIGTERM")
        XCTAssertEqual(ExitStatus.signaled(signal: 11, coreDumped: true).description, "terminated by SIGSEGV (core dumped)")
        XCTAssertEqual(ExitStatus.signaled(signal: 40, coreDumped: false).description, "terminated by signal 40")
        XCTAssertEqual(ExitStatus.signaled(signal: 9, coreDumped: false).supervisorCode, -1)
    }

    func test_signalName_followsPythonSignameForAliasesAndRealtime() {
        XCTAssertEqual(ExitStatus.signalName(6), "SIGABRT")
        XCTAssertEqual(ExitStatus.signalName(17), "SIGCHLD")
        XCTAssertEqual(ExitStatus.signalName(29), "SIGPOLL")
        XCTAssertEqual(ExitStatus.signalName(31), "SIGSYS")
        XCTAssertEqual(ExitStatus.signalName(32), "signal 32")
        XCTAssertEqual(ExitStatus.signalName(34), "SIGRTMIN")
        XCTAssertEqual(ExitStatus.signalName(35), "signal 35")
        XCTAssertEqual(ExitStatus.signalName(64), "SIGRTMAX")
        XCTAssertEqual(ExitStatus.signalName(0), "signal 0")
    }

    func test_processState_namesAndSets() {
        let all: [ProcessState] = [.stopped, .starting, .running, .backoff, .stopping, .exited, .fatal, .unknown]
        XCTAssertEqual(all.map(\.name), ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"])
        XCTAssertEqual(all.map(\.rawValue), [0, 10, 20, 30, 40, 100, 200, 1000])
        XCTAssertEqual(all.filter(\.isRunning), [.starting, .running, .backoff])
        XCTAssertEqual(all.filter(\.isStopped), [.stopped, .exited, .fatal, .unknown])
        XCTAssertEqual(all.filter(\.isSignallable), [.starting, .running, .stopping])
    }

    func test_logLevel_tagsAndValues() {
        let all: [LogLevel] = [.critical, .error, .warn, .info, .debug, .trace, .blather]
        XCTAssertEqual(all.map(\.tag), ["CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"])
        XCTAssertEqual(all.map(\.rawValue), [50, 40, 30, 20, 10, 5, 3])
    }

    func test_moment_ordersByMonotonicClock() {
        XCTAssertLessThan(Moment(monotonic: 1, wall: 500), Moment(monotonic: 2, wall: 100))
        XCTAssertEqual(Moment(monotonic: 1, wall: 2).adding(3), Moment(monotonic: 4, wall: 5))
    }
}

/// What PROCESS_STATE events capture: supervisord's values at each change.
final class ProcessStateTransitionRecordTests: XCTestCase {
    func test_transitions_carryTriesExpectedAndTheReapedPid() {
        var pc = ProcessConfig(name: "crash", programName: "crash", groupName: "crash", command: "/bin/false")
        pc.startsecs = 1
        pc.startretries = 2
        var m = ProcessStateMachine(config: pc)
        var t = 0.0
        func at() -> Moment { Moment(monotonic: t, wall: t) }
        var seen: [StateTransition] = []
        func step(_ e: ProcessEvent) { _ = m.handle(e, now: at()); seen += m.transitions }
        step(.start)
        step(.spawned(pid: 10)); t += 0.1
        step(.exited(.exited(code: 1))); t += 1
        step(.timer)
        step(.spawned(pid: 11)); t += 0.1
        step(.exited(.exited(code: 1))); t += 2
        step(.timer)
        step(.spawned(pid: 12)); t += 0.1
        step(.exited(.exited(code: 1)))
        XCTAssertEqual(seen.map { "\($0.to.name):\($0.tries)" },
                       ["STARTING:0", "BACKOFF:1", "STARTING:1", "BACKOFF:2", "STARTING:2", "BACKOFF:3", "FATAL:0"])

        var q = ProcessStateMachine(config: pc)
        _ = q.handle(.start, now: at())
        _ = q.handle(.spawned(pid: 42), now: at()); t += 2
        _ = q.handle(.timer, now: at())
        XCTAssertEqual(q.transitions, [StateTransition(from: .starting, to: .running, tries: 0, expected: true, pid: 42)])
        _ = q.handle(.stop, now: at())
        XCTAssertEqual(q.transitions.map(\.pid), [42])
        _ = q.handle(.exited(.signaled(signal: 15, coreDumped: false)), now: at())
        XCTAssertEqual(q.transitions, [StateTransition(from: .stopping, to: .stopped, tries: 0, expected: false, pid: 42)], "STOPPED carries the old pid")
    }

    func test_forgetTransitions_dropsTheLastStepsRecords() {
        let pc = ProcessConfig(name: "w", programName: "w", groupName: "w", command: "/bin/true")
        var m = ProcessStateMachine(config: pc)
        _ = m.handle(.start, now: Moment(monotonic: 0, wall: 0))
        XCTAssertEqual(m.transitions.map(\.to), [.starting])
        m.forgetTransitions()
        XCTAssertEqual(m.transitions, [])
        XCTAssertEqual(m.transitions.capacity, 0, "no buffer is kept")
        XCTAssertEqual(m.state, .starting, "only the record goes")
        _ = m.handle(.spawned(pid: 5), now: Moment(monotonic: 0, wall: 0))
        _ = m.handle(.stop, now: Moment(monotonic: 0.5, wall: 0.5))
        XCTAssertEqual(m.transitions.map(\.to), [.stopping])
        XCTAssertEqual(m.transitions.map(\.pid), [5])
    }

    func test_exitedExpected_andBackoffStop_hasPidZero() {
        var pc = ProcessConfig(name: "q", programName: "q", groupName: "q", command: "/bin/true")
        pc.startsecs = 0
        pc.autorestart = .never
        var m = ProcessStateMachine(config: pc)
        _ = m.handle(.start, now: Moment(monotonic: 0, wall: 0))
        _ = m.handle(.spawned(pid: 823), now: Moment(monotonic: 0, wall: 0))
        _ = m.handle(.exited(.exited(code: 0)), now: Moment(monotonic: 5, wall: 5))
        XCTAssertEqual(m.transitions, [StateTransition(from: .running, to: .exited, tries: 0, expected: true, pid: 823)])

        var b = ProcessStateMachine(config: pc)
        b.config.startsecs = 5
        _ = b.handle(.start, now: Moment(monotonic: 0, wall: 0))
        _ = b.handle(.spawned(pid: 9), now: Moment(monotonic: 0, wall: 0))
        _ = b.handle(.exited(.exited(code: 0)), now: Moment(monotonic: 0.1, wall: 0.1))
        _ = b.handle(.stop, now: Moment(monotonic: 0.2, wall: 0.2))
        XCTAssertEqual(b.transitions, [StateTransition(from: .backoff, to: .stopped, tries: 1, expected: true, pid: 0)])
    }
}
