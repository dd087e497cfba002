// Starts that wait for their dependencies (docs/dependencies.md): a pure
// value the daemon holds beside its process table. A start request of a
// process with `depends_on` enters the gate; every state change of a
// dependency, and the gate's one timer (`depends_on_timeout`), re-judge the
// waiters that depend on it, in the order they were requested (so programs
// released together start in priority order, as supervisord starts them).

public struct StartGate: Sendable {
    public enum Action: Sendable, Equatable {
        /// Every dependency is met: start the process now.
        case start(String)
        /// A dependency failed or the wait timed out: the process goes FATAL
        /// with this description and is not started.
        case fail(String, reason: String)
    }

    struct Waiter: Sendable {
        var dependencies: [ResolvedDependency]
        var since: Double
        var deadline: Double?
        var timeout: Int
    }

    private var waiters: [String: Waiter] = [:]
    /// Request order, for deterministic release order.
    private var order: [String] = []

    public init() {}

    public var isEmpty: Bool { waiters.isEmpty }
    public func isWaiting(_ namespec: String) -> Bool { waiters[namespec] != nil }
    /// The waiting processes, in request order.
    public var waiting: [String] { order }

    /// The earliest `depends_on_timeout` deadline; nil when none is pending.
    public var nextDeadline: Double? { waiters.values.compactMap(\.deadline).min() }

    /// A start of `p` was requested at `now`: start it, fail it, or wait.
    public mutating func request(_ p: ProcessConfig, now: Double, status: (String) -> DependencyStatus?) -> [Action] {
        switch DependencyCheck.verdict(p.dependencies, status) {
        case .met: return [.start(p.namespec)]
        case .failed(let why): return [.fail(p.namespec, reason: why)]
        case .waiting:
            if waiters[p.namespec] == nil { order.append(p.namespec) }
            waiters[p.namespec] = Waiter(dependencies: p.dependencies, since: now,
                                         deadline: p.dependsOnTimeout > 0 ? now + Double(p.dependsOnTimeout) : nil,
                                         timeout: p.dependsOnTimeout)
            return []
        }
    }

    /// The operator stopped a waiting process (or its group was removed).
    @discardableResult
    public mutating func cancel(_ namespec: String) -> Bool {
        guard waiters.removeValue(forKey: namespec) != nil else { return false }
        order.removeAll { $0 == namespec }
        return true
    }

    /// Everything is being stopped: no waiter will start.
    public mutating func cancelAll() -> [String] {
        let all = order
        waiters = [:]
        order = []
        return all
    }

    /// `changed` entered a new state: re-judge the waiters that depend on it.
    public mutating func stateChanged(_ changed: String, status: (String) -> DependencyStatus?) -> [Action] {
        var out: [Action] = []
        for name in order {
            guard let w = waiters[name], w.dependencies.contains(where: { $0.namespec == changed }) else { continue }
            switch DependencyCheck.verdict(w.dependencies, status) {
            case .waiting: continue
            case .met: out.append(.start(name))
            case .failed(let why): out.append(.fail(name, reason: why))
            }
        }
        for case .start(let n) in out { cancel(n) }
        for case .fail(let n, _) in out { cancel(n) }
        return out
    }

    /// The gate's timer fired at `now`: waiters past `depends_on_timeout` fail.
    public mutating func timer(now: Double, status: (String) -> DependencyStatus?) -> [Action] {
        var out: [Action] = []
        for name in order {
            guard let w = waiters[name], let deadline = w.deadline, now >= deadline else { continue }
            let what: String
            if case .waiting(let text) = DependencyCheck.verdict(w.dependencies, status) { what = text } else { what = "its dependencies" }
            out.append(.fail(name, reason: "dependency \(what) not met after \(w.timeout)s (depends_on_timeout)"))
        }
        for case .fail(let n, _) in out { cancel(n) }
        return out
    }

    /// What a waiting process waits for, for `status` and `health`:
    /// `waiting for db:running (now STARTING)`; nil when it is not waiting.
    public func description(_ namespec: String, status: (String) -> DependencyStatus?) -> String? {
        guard let w = waiters[namespec] else { return nil }
        if case .waiting(let what) = DependencyCheck.verdict(w.dependencies, status) { return "waiting for \(what)" }
        return "waiting for its dependencies"
    }
}
