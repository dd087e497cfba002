/// What start, stop and signal do to one selected process, decided from its
/// state: supervisord's rpcinterface.py (`startProcess`, `stopProcess`,
/// `signalProcess`, and `make_allfunc` for groups) as pure functions. The
/// supervisor asks before acting and, for the waiting verbs, asks again on
/// every state the process enters.
public enum ProcessVerbRules {
    /// Before acting.
    public enum Precheck: Sendable, Equatable {
        /// Act (start, stop, signal).
        case proceed
        /// A group or `all` selection leaves this process out of the reply.
        case skip
        /// Reply with this result now, do nothing.
        case result(FaultCode, detail: String?)
    }

    /// `start`: a running process is ALREADY_STARTED when named (skipped in a
    /// group); UNKNOWN is FAILED.
    public static func start(_ state: ProcessState, namespec: String, explicit: Bool) -> Precheck {
        if state.isRunning { return explicit ? .result(.alreadyStarted, detail: nil) : .skip }
        if state == .unknown { return .result(.failed, detail: "\(namespec) is in an unknown process state") }
        return .proceed
    }

    /// `start` once it acted, and on each state entered while waiting: the
    /// code to reply with, or nil to keep waiting (STARTING). A spawn error
    /// (BACKOFF with spawnerr) is SPAWN_ERROR; any other end is ABNORMAL_TERMINATION.
    public static func startOutcome(_ state: ProcessState, spawnFailed: Bool) -> FaultCode? {
        if spawnFailed && state == .backoff { return .spawnError }
        switch state {
        case .running: return .success
        case .starting: return nil
        default: return .abnormalTermination
        }
    }

    /// `start --nowait`: success unless the spawn already failed.
    public static func startNoWaitOutcome(spawnFailed: Bool) -> FaultCode {
        spawnFailed ? .spawnError : .success
    }

    /// `stop`: only a running process (STARTING, RUNNING, BACKOFF) is stopped.
    public static func stop(_ state: ProcessState, explicit: Bool) -> Precheck {
        state.isRunning ? .proceed : (explicit ? .result(.notRunning, detail: nil) : .skip)
    }

    /// `stop` right after it acted (`waited` false: UNKNOWN means the stop
    /// signal failed, FAILED), and on each state entered while waiting
    /// (supervisord's onwait: any stopped state, UNKNOWN included, is done).
    /// nil while STOPPING.
    public static func stopOutcome(_ state: ProcessState, waited: Bool) -> FaultCode? {
        if !waited && state == .unknown { return .failed }
        return state.isStopped ? .success : nil
    }

    /// `signal`: only a process with a child (STARTING, RUNNING, STOPPING).
    public static func signal(_ state: ProcessState, hasPid: Bool, explicit: Bool) -> Precheck {
        state.isSignallable && hasPid ? .proceed : (explicit ? .result(.notRunning, detail: nil) : .skip)
    }

    /// `sendProcessStdin`: NOT_RUNNING without a child or while stopping, NO_FILE without a stdin pipe.
    public static func writeStdin(_ state: ProcessState, hasPid: Bool, hasStdin: Bool) -> FaultCode? {
        guard hasPid, state != .stopping else { return .notRunning }
        return hasStdin ? nil : .noFile
    }

    /// One process's result line: `OK`, or the fault text naming `detail`
    /// (the namespec when there is none).
    public static func result(_ key: ProcessKey, _ code: FaultCode, _ detail: String? = nil) -> NameResult {
        let description = code == .success ? "OK" : ControlFault(code, detail ?? key.namespec).message
        return NameResult(group: key.group, name: key.name, code: code, description: description)
    }

    /// `signal` with a name that is not a signal: supervisord checks the
    /// signal before the state, so a process named explicitly gets BAD_SIGNAL
    /// whatever its state, while a group or `all` selection lists only its
    /// `signallable` processes (make_allfunc filters before it calls
    /// signalProcess), each with BAD_SIGNAL.
    public static func badSignal(_ signal: String, _ selections: [NameSelection],
                                 signallable: (ProcessKey) -> Bool) -> [NameResult] {
        selections.flatMap { selection -> [NameResult] in
            let bad = { (k: ProcessKey) in
                NameResult(group: k.group, name: k.name, code: .badSignal, description: ControlFault(.badSignal, signal).message)
            }
            switch selection {
            case .fault(let r): return [r]
            case .process(let k): return [bad(k)]
            case .group(_, let keys), .all(let keys): return keys.filter(signallable).map(bad)
            }
        }
    }
}
