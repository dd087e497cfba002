// Whether one dependency meets its condition, from the dependency's state
// alone (docs/dependencies.md, "Conditions").

/// What a waiting program needs to know about one of its dependencies.
public struct DependencyStatus: Sendable, Equatable {
    public var state: ProcessState
    /// A child was spawned in the current run (STARTING with a pid counts).
    public var spawned: Bool
    /// For EXITED: whether the exit code is in the dependency's `exitcodes`.
    public var exitExpected: Bool
    /// The last exit code, for the failure text.
    public var exitCode: Int
    public init(state: ProcessState, spawned: Bool, exitExpected: Bool = true, exitCode: Int = 0) {
        self.state = state
        self.spawned = spawned
        self.exitExpected = exitExpected
        self.exitCode = exitCode
    }
}

public enum DependencyVerdict: Sendable, Equatable {
    case met
    /// Not yet: what it waits for, e.g. `db:running (now STARTING)`.
    case waiting(String)
    /// Never, for this start: the text names the dependency.
    case failed(String)
}

public enum DependencyCheck {
    public static func verdict(_ d: ResolvedDependency, _ status: DependencyStatus?) -> DependencyVerdict {
        guard let s = status else {
            return .failed("dependency \(d.namespec) is not in the running configuration")
        }
        let waiting = DependencyVerdict.waiting("\(d.namespec):\(d.condition.word) (now \(s.state.name))")
        if case .anyState(let states) = d.condition {
            if states.contains(s.state) { return .met }
            return s.state == .fatal ? .failed("dependency \(d.namespec) is FATAL") : waiting
        }
        if s.state == .fatal { return .failed("dependency \(d.namespec) is FATAL") }
        switch d.condition {
        case .started:
            switch s.state {
            case .running, .stopping, .exited: return .met
            case .starting: return s.spawned ? .met : waiting
            default: return waiting
            }
        case .running, .ready:
            return s.state == .running ? .met : waiting
        case .exited:
            return s.state == .exited ? .met : waiting
        case .exitedOK:
            guard s.state == .exited else { return waiting }
            return s.exitExpected ? .met
                : .failed("dependency \(d.namespec) exited with status \(s.exitCode) (not expected)")
        case .anyState:
            return waiting  // handled above
        }
    }

    /// All of a program's dependencies: the first failure, else the first
    /// one still waited for, else met.
    public static func verdict(_ deps: [ResolvedDependency], _ status: (String) -> DependencyStatus?) -> DependencyVerdict {
        var firstWait: DependencyVerdict? = nil
        for d in deps {
            switch verdict(d, status(d.namespec)) {
            case .met: continue
            case .failed(let why): return .failed(why)
            case .waiting(let what): if firstWait == nil { firstWait = .waiting(what) }
            }
        }
        return firstWait ?? .met
    }

    /// Whether a manual start pulls this dependency in: it does not meet its
    /// condition and nothing is on its way (stopped, exited or fatal).
    public static func needsPullIn(_ d: ResolvedDependency, _ status: DependencyStatus?) -> Bool {
        guard let s = status, s.state == .stopped || s.state == .exited || s.state == .fatal else { return false }
        return verdict(d, s) != .met
    }
}
