/// The life cycle of one supervised process: supervisord's `Subprocess`
/// (process.py) as a pure value. The shell feeds it events with the time they
/// happened; it returns the actions to perform, in order.
///
/// Differences from supervisord, all deliberate:
/// - No 1-second tick. The machine asks for the one timer it needs (STARTING:
///   `laststart + startsecs`; BACKOFF: the retry time; STOPPING: the SIGKILL
///   escalation; EXITED: a rate-limited restart), so promotion to RUNNING and
///   retries happen on time, not up to a second late.
/// - Reaping is evaluated before promotion: a child that dies before
///   `startsecs` is always "too quick" (BACKOFF), never RUNNING then EXITED
///   (supervisord's race: supervisord.py `Supervisor.runforever` at 4.3.0 calls
///   `group.transition()` before `self.reap()`, and SIGCHLD does not wake its poll).
/// - EXITED restarts at once (supervisord waits for its next tick, up to 1 s),
///   see `restartIfWanted`: a run that ended as expected or lasted a second is
///   respawned within milliseconds; only a failing run (unexpected exit within
///   a second of its start) waits for one second since its start.
/// - A process that reaches UNKNOWN (a signal failed) is not stuck there once
///   its child is reaped: it goes to STOPPED or EXITED (see `childExited`).
/// - A stop that signalled the process group (`stopasgroup`, the `killasgroup`
///   SIGKILL, or a program in its own cgroup) is done when the group is
///   empty, not when its leader exits: the machine stays in STOPPING, asks the
///   shell to report `.groupExited`, and SIGKILLs the group at the deadline
///   (supervisord reports STOPPED at the leader's reap and leaves the rest).
public struct ProcessStateMachine: Sendable {
    /// The process's options. The daemon may replace it between events.
    public var config: ProcessConfig
    /// What the process is doing.
    public private(set) var state: ProcessState = .stopped
    /// The child's pid; 0 when there is none.
    public private(set) var pid: Int32 = 0
    /// The process group of the current run (its leader's pid, as spawned
    /// with its own group), kept after the leader's reap while a group stop
    /// waits for the group to empty; 0 when none is tracked.
    public private(set) var processGroup: Int32 = 0
    /// True from the leader's reap in a group stop until `.groupExited`: the
    /// state is still STOPPING, `pid` is 0, `processGroup` is not.
    public private(set) var awaitingGroup: Bool = false
    /// Set when this stop sent a signal to the whole group: then the group,
    /// not the leader, decides when the stop is done.
    private var signalledGroup: Bool = false
    /// When the last spawn was attempted; nil if never.
    public private(set) var laststart: Moment?
    /// When the last child was reaped; nil if never.
    public private(set) var laststop: Moment?
    /// supervisord's backoff counter: failed quick starts since the last success.
    public private(set) var backoff: Int = 0
    /// Why the last start failed (shown by `status` for BACKOFF/FATAL).
    public private(set) var spawnerr: String?
    /// How the last child ended; nil after a too-quick exit, as in supervisord.
    public private(set) var exitStatus: ExitStatus?
    /// What the operator asked for: up after `start`, down after `stop`
    /// (runit's `want`). Restarts require it.
    public private(set) var wantUp: Bool = false
    /// False while the daemon shuts down or reloads: no autorestart, no BACKOFF
    /// retry, and `stop` in BACKOFF gives up (FATAL), as supervisord's `stop_all`.
    public var restartsAllowed: Bool = true
    /// The state changes of the last `handle` call, with what supervisord's
    /// PROCESS_STATE events capture at each (the daemon turns them into events
    /// only when a listener subscribes).
    public private(set) var transitions: [StateTransition] = []
    /// The pid reaped by the event being handled: supervisord's `finish()`
    /// clears `pid` after its state change, so those events carry it.
    private var reapedPid: Int32 = 0

    /// The deadline of the armed timer, nil when none is armed. Kept so the
    /// machine can drop stale timers and cancel only what it armed.
    private var timerDeadline: Double?
    /// The readiness deadline passed and the process is being stopped for
    /// it: its exit is a failed start (BACKOFF), not a stop.
    private var readinessTimedOut = false
    /// Stopped because liveness failed: its exit is an unexpected exit.
    private var livenessKilled = false

    /// Readiness decides the STARTING → RUNNING edge instead of startsecs.
    public var usesReadiness: Bool { config.readiness.kind != .none }

    private static let sigkill = SignalSpec(number: 9, name: "KILL")

    /// A run that ends unexpectedly sooner than this after its start is a
    /// failing run: its restart waits until this long after its start, so a
    /// `startsecs=0` crash loop (which startretries never stops, supervisord
    /// issue #1285) runs at most once a second, as under supervisord's 1 s tick
    /// and runit's one-second rule. With `startsecs` ≥ 1 such a run never gets
    /// here: it exited too quickly and went through BACKOFF.
    public static let failingRunSeconds = 1.0
    /// The shortest time between two starts of a process whose runs end as
    /// expected: a worker that exits after each job is respawned at once, and
    /// a command that exits as expected at once (`/bin/true` with
    /// autorestart=true) still cannot take the daemon's one thread: at most
    /// 100 starts a second.
    public static let minimumRestartSeconds = 0.01

    /// A process in STOPPED that has never started.
    public init(config: ProcessConfig) {
        self.config = config
    }

    /// Drops `transitions` once the shell has read them, buffer and all: a
    /// machine at rest then holds no array (56 bytes for each of 10,000
    /// processes: docs/benchmarks.md, "Scale").
    public mutating func forgetTransitions() {
        transitions = []
    }

    /// Applies one event that happened at `now` and returns what the shell must
    /// do, in order. Events that make no sense in the current state (a stale
    /// timer, a second `start`) return no actions and change nothing.
    public mutating func handle(_ event: ProcessEvent, now: Moment) -> [ProcessAction] {
        var out: [ProcessAction] = []
        transitions.removeAll(keepingCapacity: true)
        reapedPid = 0
        switch event {
        case .start: start(now, &out)
        case .stop: stop(now, &out)
        case .spawned(let pid): spawned(pid, now, &out)
        case .spawnFailed(let reason): spawnFailed(reason, now, &out)
        case .exited(let status): childExited(status, now, &out)
        case .timer: timerFired(now, &out)
        case .signal(let spec): operatorSignal(spec, &out)
        case .signalFailed(let errno, let description): signalFailed(errno, description, &out)
        case .groupExited: groupExited(&out)
        case .dependencyFailed(let reason): dependencyFailed(reason, &out)
        case .ready(let how): becameReady(how, &out)
        case .livenessFailed(let reason): livenessFailed(reason, now, &out)
        }
        return out
    }

    // MARK: - Events

    private mutating func start(_ now: Moment, _ out: inout [ProcessAction]) {
        switch state {
        case .stopped, .exited, .fatal:
            wantUp = true
            spawn(now, &out)
        case .stopping:
            // STOPPING is not in RUNNING_STATES, so supervisord's startProcess
            // reaches spawn(), which refuses because the child still exists.
            out.append(.log(.warn, "process '\(config.name)' already running"))
        case .starting, .running, .backoff, .unknown:
            // Refused by the caller ("already started" / "unknown process state").
            break
        }
    }

    private mutating func stop(_ now: Moment, _ out: inout [ProcessAction]) {
        wantUp = false
        switch state {
        case .starting, .running:
            guard pid != 0 else {
                // Between `.spawn` and `.spawned`: nothing to signal yet.
                out.append(.log(.debug, "attempted to kill \(config.name) with sig \(ExitStatus.signalName(config.stopsignal.number)) but it wasn't running"))
                return
            }
            kill(config.stopsignal, toGroup: config.stopasgroup || config.cgroup, now, &out)
        case .backoff:
            if restartsAllowed {
                // A large startretries must not make `stop` wait for every retry.
                // `backoff` is deliberately not reset (supervisord quirk: process.py
                // `Subprocess.kill` at 4.3.0 goes BACKOFF → STOPPED keeping it).
                out.append(.log(.debug, "Attempted to kill \(config.name), which is in BACKOFF state."))
                change(to: .stopped, &out)
            } else {
                // Shutdown/reload: stop_all() gives up on BACKOFF, silently.
                giveUp(&out)
            }
            disarmTimer(&out)
        case .stopped, .exited, .fatal, .stopping, .unknown:
            // Nothing to signal. A pending EXITED restart timer is left armed:
            // when it fires, `wantUp == false` turns it into a no-op.
            break
        }
    }

    private mutating func spawned(_ newPid: Int32, _ now: Moment, _ out: inout [ProcessAction]) {
        guard state == .starting, pid == 0, let laststart else { return }
        pid = newPid
        processGroup = newPid
        signalledGroup = false
        spawnerr = nil
        out.append(.log(.info, "spawned: '\(config.name)' with pid \(newPid)"))
        if usesReadiness {
            // STARTING until the check passes; not ready within the start
            // period is a failed start (timerFired).
            readinessTimedOut = false
            armTimer(at: laststart.monotonic + Double(config.readiness.startPeriod), &out)
        } else if config.startsecs <= 0 {
            // supervisord promotes on the transition() the start RPC runs right
            // after spawning; there is nothing to wait for.
            enterRunning(&out)
        } else {
            armTimer(at: laststart.monotonic + Double(config.startsecs), &out)
        }
    }

    private mutating func spawnFailed(_ reason: String, _ now: Moment, _ out: inout [ProcessAction]) {
        guard state == .starting, pid == 0 else { return }
        spawnerr = reason
        out.append(.log(.info, "spawnerr: \(reason)"))
        enterBackoff(now, &out)
    }

    private mutating func childExited(_ status: ExitStatus, _ now: Moment, _ out: inout [ProcessAction]) {
        guard pid != 0 else { return }
        reapedPid = pid
        pid = 0
        laststop = now
        let expected = config.exitcodes.contains(status.supervisorCode)
        let name = config.name

        switch state {
        case .stopping where readinessTimedOut && wantUp && !signalledGroup:
            // Stopped because it never became ready: a failed start.
            readinessTimedOut = false
            processGroup = 0
            exitStatus = nil
            enterBackoff(now, &out, thenLog: .log(.warn, "exited: \(name) (\(status.description); not expected)"))

        case .stopping where livenessKilled && wantUp && !signalledGroup:
            processGroup = 0
            livenessExited(status, now, &out)

        case .stopping where signalledGroup:
            // The leader is gone but members it forked may live on (and keep
            // forking): STOPPED only once the group is empty. The SIGKILL
            // deadline stays armed for members that ignore the stop signal.
            exitStatus = status
            awaitingGroup = true
            out.append(.log(.debug, "\(name) (pid \(processGroup)) exited (\(status.description)); waiting for its process group to end"))
            out.append(.awaitGroupExit)

        case .stopping:
            // Reaped after a stop request: STOPPED whatever the status, and
            // never restarted. The level only reflects the exit code.
            exitStatus = status
            processGroup = 0
            disarmTimer(&out)
            change(to: .stopped, &out)
            out.append(.log(expected ? .info : .warn, "stopped: \(name) (\(status.description))"))

        case .starting where usesReadiness:
            // Any exit before the readiness check passed is a failed start.
            processGroup = 0
            exitStatus = nil
            spawnerr = "Exited before it was ready (readiness=\(config.readiness.kind.rawValue))"
            enterBackoff(now, &out, thenLog: .log(.warn, "exited: \(name) (\(status.description); not expected)"))

        case .starting where now.monotonic - (laststart?.monotonic ?? now.monotonic) < Double(config.startsecs):
            processGroup = 0
            // Too quick: the exit code is ignored, even one in exitcodes.
            exitStatus = nil
            spawnerr = "Exited too quickly (process log may have details)"
            enterBackoff(now, &out, thenLog: .log(.warn, "exited: \(name) (\(status.description); not expected)"))

        case .starting, .running:
            processGroup = 0
            backoff = 0
            exitStatus = status
            disarmTimer(&out)
            if state == .starting {
                // startsecs elapsed but the promotion timer had not been handled
                // yet: the process did stay up long enough, so report both steps.
                enterRunning(&out)
            }
            if expected {
                change(to: .exited, &out)
                out.append(.log(.info, "exited: \(name) (\(status.description); expected)"))
            } else {
                spawnerr = "Bad exit code \(status.supervisorCode)"
                change(to: .exited, &out)
                out.append(.log(.warn, "exited: \(name) (\(status.description); not expected)"))
            }
            restartIfWanted(now, &out)

        case .unknown where signalledGroup:
            // A group kill failed (EPERM): still, the stop ends with the group.
            exitStatus = status
            awaitingGroup = true
            out.append(.awaitGroupExit)

        case .unknown:
            // supervisord leaves UNKNOWN forever (and its finish() would trip an
            // assertion). The child is gone, so report what the operator asked:
            // STOPPED after a stop, else EXITED; no automatic restart either way.
            processGroup = 0
            leaveUnknown(status, &out)

        case .stopped, .backoff, .exited, .fatal:
            // Unreachable while pid != 0; kept total for the compiler.
            break
        }
    }

    /// The readiness check passed: STARTING → RUNNING.
    private mutating func becameReady(_ how: String, _ out: inout [ProcessAction]) {
        guard state == .starting, pid != 0, usesReadiness else { return }
        backoff = 0
        disarmTimer(&out)
        change(to: .running, &out)
        out.append(.log(.info, "success: \(config.name) entered RUNNING state, ready (\(how))"))
    }

    /// Liveness gave up on a RUNNING process: stop it; childExited then
    /// reports an unexpected exit and autorestart applies.
    private mutating func livenessFailed(_ reason: String, _ now: Moment, _ out: inout [ProcessAction]) {
        guard state == .running, pid != 0 else { return }
        out.append(.log(.warn, "\(config.name): \(reason); stopping it"))
        livenessKilled = true
        spawnerr = reason
        kill(config.stopsignal, toGroup: config.stopasgroup || config.cgroup, now, &out)
    }

    /// The exit of a process stopped for failing liveness: EXITED, not
    /// expected whatever its code, then restarted as autorestart says.
    private mutating func livenessExited(_ status: ExitStatus, _ now: Moment, _ out: inout [ProcessAction]) {
        exitStatus = status
        disarmTimer(&out)
        change(to: .exited, &out)
        livenessKilled = false
        out.append(.log(.warn, "exited: \(config.name) (\(status.description); not expected: liveness)"))
        restartIfWanted(now, &out, forceUnexpected: true)
    }

    /// The start waited for a dependency that will not come: FATAL, not spawned.
    private mutating func dependencyFailed(_ reason: String, _ out: inout [ProcessAction]) {
        guard state == .stopped || state == .exited || state == .fatal else { return }
        wantUp = false
        spawnerr = reason
        disarmTimer(&out)
        backoff = 0
        change(to: .fatal, &out)
        out.append(.log(.info, "gave up: \(config.name) entered FATAL state, \(reason)"))
    }

    /// UNKNOWN → STOPPED after a stop, else EXITED (no automatic restart).
    private mutating func leaveUnknown(_ status: ExitStatus, _ out: inout [ProcessAction]) {
        let name = config.name
        let expected = config.exitcodes.contains(status.supervisorCode)
        exitStatus = status
        if wantUp {
            if !expected { spawnerr = "Bad exit code \(status.supervisorCode)" }
            change(to: .exited, &out)
            out.append(.log(expected ? .info : .warn, "exited: \(name) (\(status.description); \(expected ? "expected" : "not expected"))"))
        } else {
            change(to: .stopped, &out)
            out.append(.log(expected ? .info : .warn, "stopped: \(name) (\(status.description))"))
        }
    }

    /// The shell saw the process group (or the program's cgroup) empty after
    /// the leader's reap: the stop is done, with the leader's exit status.
    private mutating func groupExited(_ out: inout [ProcessAction]) {
        guard awaitingGroup, pid == 0, let status = exitStatus else { return }
        reapedPid = processGroup  // the leader's pid
        awaitingGroup = false
        signalledGroup = false
        processGroup = 0
        disarmTimer(&out)
        switch state {
        case .stopping where livenessKilled && wantUp:
            livenessExited(status, laststop ?? Moment(monotonic: 0, wall: 0), &out)
        case .stopping where readinessTimedOut && wantUp:
            readinessTimedOut = false
            exitStatus = nil
            enterBackoff(Moment(monotonic: laststop?.monotonic ?? 0, wall: laststop?.wall ?? 0), &out)
        case .stopping:
            change(to: .stopped, &out)
            let expected = config.exitcodes.contains(status.supervisorCode)
            out.append(.log(expected ? .info : .warn, "stopped: \(config.name) (\(status.description))"))
        case .unknown:
            leaveUnknown(status, &out)
        case .stopped, .starting, .running, .backoff, .exited, .fatal:
            break
        }
    }

    private mutating func timerFired(_ now: Moment, _ out: inout [ProcessAction]) {
        guard let deadline = timerDeadline else { return }  // stale: cancelled or replaced
        guard now.monotonic >= deadline else {
            // Woken early (clock granularity): ask again rather than lose the timer.
            out.append(.setTimer(at: deadline))
            return
        }
        timerDeadline = nil

        switch state {
        case .starting:
            // The deadline is laststart + startsecs, so `>=` holds here: a timer
            // fires at its deadline, unlike supervisord's strict `>` on a 1 s tick.
            guard pid != 0 else { return }
            if usesReadiness {
                // Not ready within readiness_start_period: stop it; its exit
                // is then a failed start (childExited), counted against startretries.
                spawnerr = "readiness check (\(config.readiness.label)) did not pass within \(config.readiness.startPeriod) seconds (readiness_start_period)"
                out.append(.log(.warn, "\(config.name): \(spawnerr ?? "")"))
                readinessTimedOut = true
                kill(config.stopsignal, toGroup: config.stopasgroup || config.cgroup, now, &out)
                return
            }
            enterRunning(&out)
        case .backoff:
            // backoff > startretries never waits here: it gave up on entry.
            if restartsAllowed && wantUp && backoff <= config.startretries {
                spawn(now, &out)
            }
        case .stopping:
            // Once the leader is reaped only its group is left to kill; the
            // line names the group's id, which was the leader's pid.
            out.append(.log(.warn, "killing '\(config.name)' (\(awaitingGroup ? processGroup : pid)) with SIGKILL"))
            kill(Self.sigkill, toGroup: awaitingGroup || config.killasgroup || config.cgroup, now, &out)
        case .exited:
            restartIfWanted(now, &out)
        case .stopped, .running, .fatal, .unknown:
            break
        }
    }

    /// supervisord's `Subprocess.signal`: debug lines, and the signal to the
    /// process alone (not its group). A failure comes back as `.signalFailed`
    /// (UNKNOWN); ESRCH is ignored by the shell, the reap follows.
    private func operatorSignal(_ spec: SignalSpec, _ out: inout [ProcessAction]) {
        let signame = ExitStatus.signalName(spec.number)
        guard pid != 0, state.isSignallable else {
            out.append(.log(.debug, "attempted to send \(config.name) sig \(signame) but it wasn't running"))
            return
        }
        out.append(.log(.debug, "sending \(config.name) (pid \(pid)) sig \(signame)"))
        out.append(.signal(spec, toGroup: false))
    }

    private mutating func signalFailed(_ errno: Int32, _ description: String, _ out: inout [ProcessAction]) {
        guard state.isSignallable, pid != 0 || awaitingGroup else { return }
        // The machine only signals from STOPPING (kill() enters STOPPING before
        // calling kill(2)), so a failure elsewhere came from the `signal` command.
        let what = state == .stopping ? "killing" : "sending sig"
        // supervisord appends a Python traceback here; we give the errno instead.
        out.append(.log(.critical, "unknown problem \(what) \(config.name) (\(awaitingGroup ? processGroup : pid)):[Errno \(errno)] \(description)"))
        disarmTimer(&out)
        change(to: .unknown, &out)
    }

    // MARK: - Steps shared by several events

    /// supervisord's spawn(): from STOPPED/EXITED/FATAL/BACKOFF to STARTING.
    private mutating func spawn(_ now: Moment, _ out: inout [ProcessAction]) {
        spawnerr = nil
        exitStatus = nil
        laststart = now
        livenessKilled = false
        // A pending restart timer must not fire into the new run.
        disarmTimer(&out)
        change(to: .starting, &out)
        out.append(.spawn)
    }

    /// STARTING → RUNNING after startsecs: the start counts as a success.
    private mutating func enterRunning(_ out: inout [ProcessAction]) {
        backoff = 0
        disarmTimer(&out)
        change(to: .running, &out)
        out.append(.log(.info, "success: \(config.name) entered RUNNING state, process has stayed up for > than \(config.startsecs) seconds (startsecs)"))
    }

    /// STARTING → BACKOFF (`change_state` does `backoff += 1`, retry after
    /// `backoff` seconds), then FATAL at once when the retries are used up:
    /// 1 + startretries attempts in all.
    private mutating func enterBackoff(_ now: Moment, _ out: inout [ProcessAction], thenLog log: ProcessAction? = nil) {
        backoff += 1
        change(to: .backoff, &out)
        if let log { out.append(log) }
        if backoff > config.startretries {
            disarmTimer(&out)
            giveUp(&out)
            out.append(.log(.info, "gave up: \(config.name) entered FATAL state, too many start retries too quickly"))
        } else {
            armTimer(at: now.monotonic + Double(backoff), &out)
        }
    }

    /// supervisord's give_up(): BACKOFF → FATAL, counter reset.
    private mutating func giveUp(_ out: inout [ProcessAction]) {
        backoff = 0
        change(to: .fatal, &out)
    }

    /// supervisord's kill(): signal, STOPPING, and the SIGKILL deadline.
    private mutating func kill(_ signal: SignalSpec, toGroup: Bool, _ now: Moment, _ out: inout [ProcessAction]) {
        // Already STOPPING means this is the SIGKILL escalation.
        let escalating = state == .stopping
        let asGroup = toGroup ? "process group " : ""
        out.append(.log(.debug, "killing \(config.name) (pid \(awaitingGroup ? processGroup : pid)) \(asGroup)with signal \(ExitStatus.signalName(signal.number))"))
        if !escalating { signalledGroup = false }
        if toGroup { signalledGroup = true }
        change(to: .stopping, &out)
        out.append(.signal(signal, toGroup: toGroup))
        // The first deadline honours stopwaitsecs exactly (0 = SIGKILL at once);
        // repeated SIGKILLs wait at least 1 s, so a child stuck in D state
        // cannot make the loop spin (supervisord's tick gave the same bound).
        let wait = escalating ? max(config.stopwaitsecs, 1) : max(config.stopwaitsecs, 0)
        armTimer(at: now.monotonic + Double(wait), &out)
    }

    /// After an EXITED transition: restart if config, operator and daemon all
    /// want it, at once unless the run was failing (`restartDelay`).
    private mutating func restartIfWanted(_ now: Moment, _ out: inout [ProcessAction], forceUnexpected: Bool = false) {
        guard state == .exited, restartsAllowed, wantUp, let exitStatus else { return }
        let expected = !forceUnexpected && config.exitcodes.contains(exitStatus.supervisorCode)
        switch config.autorestart {
        case .never: return
        case .unexpected where expected: return
        case .always, .unexpected: break
        }
        let started = laststart?.monotonic ?? now.monotonic
        let ranFor = (laststop?.monotonic ?? now.monotonic) - started
        let earliest = started + Self.restartDelay(expected: expected, ranFor: ranFor)
        if now.monotonic >= earliest {
            spawn(now, &out)
        } else {
            armTimer(at: earliest, &out)
        }
    }

    /// How long after a run's start the next one may start, for a run that
    /// reached EXITED (so it outlived `startsecs`). A run that ended as expected
    /// or lasted `failingRunSeconds` is not failing: the next start is due as
    /// soon as `minimumRestartSeconds` have passed since this one's, which a
    /// worker that did any work has already spent. A failing run waits for
    /// `failingRunSeconds` since its start.
    static func restartDelay(expected: Bool, ranFor: Double) -> Double {
        let failing = !expected && ranFor < failingRunSeconds
        return failing ? failingRunSeconds : minimumRestartSeconds
    }

    private mutating func change(to newState: ProcessState, _ out: inout [ProcessAction]) {
        // supervisord's change_state() is a no-op for the same state (no event).
        guard newState != state else { return }
        out.append(.stateChanged(from: state, to: newState))
        // A run stopped for failing liveness ends unexpectedly whatever its code.
        let expected = !livenessKilled && (exitStatus.map { config.exitcodes.contains($0.supervisorCode) } ?? true)
        transitions.append(StateTransition(from: state, to: newState, tries: backoff, expected: expected,
                                           pid: pid != 0 ? pid : reapedPid))
        state = newState
    }

    private mutating func armTimer(at deadline: Double, _ out: inout [ProcessAction]) {
        timerDeadline = deadline
        out.append(.setTimer(at: deadline))
    }

    private mutating func disarmTimer(_ out: inout [ProcessAction]) {
        guard timerDeadline != nil else { return }
        timerDeadline = nil
        out.append(.cancelTimer)
    }
}
