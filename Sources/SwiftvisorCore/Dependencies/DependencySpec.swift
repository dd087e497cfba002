// `depends_on=` (swiftvisor only; docs/dependencies.md): what a program waits
// for before it starts. One item is a name (`prog`, `grp:proc`, `grp:*`) with
// an optional condition after a last colon (`db:ready`, `grp:*:exited_ok`).

/// When a dependency counts as met.
public enum DependencyCondition: Sendable, Equatable, Hashable {
    /// Spawned: STARTING or later (RUNNING, STOPPING, EXITED).
    case started
    /// RUNNING: started successfully (past `startsecs`, or ready when
    /// readiness is configured). The default.
    case running
    /// Written `ready`: the same as `running` (RUNNING means ready when
    /// readiness is configured), kept apart so `--dump-config` shows what was written.
    case ready
    /// EXITED with any code (a one-shot that must have run).
    case exited
    /// EXITED with a code in the dependency's `exitcodes` (a one-shot that must succeed).
    case exitedOK
    /// `dependent_startup_wait_for=name:running,exited` (the
    /// supervisord-dependent-startup listener's keys): met in any of these
    /// states; the listener never fails a waiting program, nor do we unless
    /// the dependency is FATAL and FATAL is not listed.
    case anyState([ProcessState])

    /// The words `depends_on=` accepts after a colon.
    public static let words = ["started", "running", "ready", "exited", "exited_ok"]

    public init?(word: String) {
        switch word {
        case "started": self = .started
        case "running": self = .running
        case "ready": self = .ready
        case "exited": self = .exited
        case "exited_ok": self = .exitedOK
        default: return nil
        }
    }

    public var word: String {
        switch self {
        case .started: return "started"
        case .running: return "running"
        case .ready: return "ready"
        case .exited: return "exited"
        case .exitedOK: return "exited_ok"
        case .anyState(let states): return states.map { $0.name.lowercased() }.joined(separator: ",")
        }
    }
}

/// One item of `depends_on=` as written, split into its name and condition.
public struct DependencySpec: Sendable, Equatable, Hashable {
    /// `prog`, `grp:proc` or `grp:*`.
    public var target: String
    public var condition: DependencyCondition
    public init(target: String, condition: DependencyCondition) {
        self.target = target
        self.condition = condition
    }

    /// The item as it is shown: `db:ready`, `cache:running`.
    public var text: String { "\(target):\(condition.word)" }

    /// Splits one item. A last part that is a condition word is the
    /// condition; otherwise the whole item is the name (default `running`).
    /// `isName` says whether a text names a process (`grp:proc`), so
    /// `db:bogus` is reported as a bad condition only when it names nothing.
    public static func parse(_ item: String, isName: (String) -> Bool) throws(ValueError) -> DependencySpec {
        let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let conditions = DependencyCondition.words.joined(separator: ", ")
        guard parts.allSatisfy({ !$0.isEmpty }), parts.count <= 3 else {
            throw ValueError("\(ValueTypes.quoted(item)) is not a dependency",
                             hint: "write NAME, GROUP:NAME or GROUP:* with an optional :CONDITION (\(conditions)), e.g. depends_on=db:ready")
        }
        if parts.count > 1, let condition = DependencyCondition(word: parts[parts.count - 1]) {
            return DependencySpec(target: parts.dropLast().joined(separator: ":"), condition: condition)
        }
        if parts.count == 3 || (parts.count == 2 && parts[1] != "*" && !isName(item)) {
            throw ValueError("\(ValueTypes.quoted(parts[parts.count - 1])) in \(ValueTypes.quoted(item)) is not a condition",
                             hint: "use one of \(conditions), e.g. depends_on=\(parts.dropLast().joined(separator: ":")):running")
        }
        return DependencySpec(target: item, condition: .running)
    }

    /// `depends_on=`: a comma (or whitespace) separated list; empty items are skipped.
    public static func parseList(_ value: String, isName: (String) -> Bool) throws(ValueError) -> [DependencySpec] {
        var out: [DependencySpec] = []
        for item in Self.items(value) {
            let spec = try parse(item, isName: isName)
            if !out.contains(spec) { out.append(spec) }
        }
        return out
    }

    /// `dependent_startup_wait_for=svc:running svc2:exited,fatal`: space
    /// separated `name:states`, states comma separated (the listener's format).
    public static func parseDependentStartup(_ value: String) throws(ValueError) -> [DependencySpec] {
        var out: [DependencySpec] = []
        for item in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) {
            guard let colon = item.lastIndex(of: ":"), colon != item.startIndex else {
                throw ValueError("\(ValueTypes.quoted(item)) is not NAME:STATES",
                                 hint: "write e.g. dependent_startup_wait_for=db:running migrate:exited")
            }
            let name = String(item[..<colon])
            var states: [ProcessState] = []
            for word in item[item.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
                guard let state = ProcessState.allCases.first(where: { $0.name == word.uppercased() }) else {
                    throw ValueError("\(ValueTypes.quoted(String(word))) in \(ValueTypes.quoted(item)) is not a process state",
                                     hint: "use supervisord's state names, e.g. running, exited, fatal")
                }
                if !states.contains(state) { states.append(state) }
            }
            out.append(DependencySpec(target: name, condition: .anyState(states)))
        }
        return out
    }

    static func items(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }
}

/// A dependency resolved against the whole configuration: one process.
public struct ResolvedDependency: Sendable, Equatable, Hashable {
    /// The dependency's namespec (`db`, `grp:proc`).
    public var namespec: String
    public var condition: DependencyCondition
    /// The item it came from, as shown in descriptions (`db:ready`).
    public var spec: DependencySpec
    public init(namespec: String, condition: DependencyCondition, spec: DependencySpec) {
        self.namespec = namespec
        self.condition = condition
        self.spec = spec
    }
}
