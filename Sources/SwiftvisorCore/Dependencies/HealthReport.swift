// What `status --json` and `swiftvisorctl health` show of a process's
// dependencies and checks (docs/dependencies.md, "Seeing it"): extra fields
// of the status reply, present only for processes that use the options, so
// every other process's reply and status line stay exactly as before.

public struct HealthReport: Sendable, Equatable {
    /// The check in progress, as the daemon knows it.
    public struct Check: Sendable, Equatable {
        public var liveness: Bool
        public var failures: Int
        public var last: String?
        /// An `exec` check's output (stdout and stderr, its last 4 KiB), once one finished.
        public var output: [UInt8]?
        public init(liveness: Bool, failures: Int, last: String?, output: [UInt8]? = nil) {
            self.liveness = liveness; self.failures = failures; self.last = last; self.output = output
        }
    }

    /// The extra fields for one process; empty when it has neither
    /// dependencies nor checks.
    public static func fields(config: ProcessConfig, state: ProcessState, waitingFor: String?,
                              check: Check?, notifyStatus: String?) -> [ControlField] {
        var out: [ControlField] = []
        if !config.dependencies.isEmpty {
            out.append(ControlField("depends_on", config.dependencies.map { "\($0.namespec):\($0.condition.word)" }.joined(separator: ",")))
        }
        if let waitingFor { out.append(ControlField("waiting_for", waitingFor)) }
        if config.readiness.kind != .none {
            out.append(ControlField("readiness", config.readiness.label))
            let verdict: String
            switch state {
            case .starting: verdict = "pending"
            case .running, .stopping: verdict = "ready"
            case .stopped, .backoff, .exited, .fatal, .unknown: verdict = "-"
            }
            out.append(ControlField("readiness_state", verdict))
            if let check, !check.liveness, let last = check.last { out.append(ControlField("readiness_last", last)) }
            if let check, !check.liveness, let output = check.output { out.append(ControlField("readiness_output", output)) }
            if let notifyStatus { out.append(ControlField("notify_status", notifyStatus)) }
        }
        if let l = config.liveness {
            out.append(ControlField("liveness", l.label))
            if let check, check.liveness {
                out.append(ControlField("liveness_failures", String(check.failures)))
                if let last = check.last { out.append(ControlField("liveness_last", last)) }
                if let output = check.output { out.append(ControlField("liveness_output", output)) }
            }
        }
        return out
    }

    /// The keys above, for the client.
    public static let keys: Set<String> = ["depends_on", "waiting_for", "readiness", "readiness_state", "readiness_last",
                                           "notify_status", "liveness", "liveness_failures", "liveness_last",
                                           "readiness_output", "liveness_output"]

    /// One `swiftvisorctl health` line: name, state, then what is known;
    /// nil for a process without dependencies or checks.
    public static func line(_ p: ProcessSnapshot) -> String? {
        var f: [String: String] = [:]
        for field in p.extra where keys.contains(field.key) { f[field.key] = field.string }
        guard !f.isEmpty else { return nil }
        var parts: [String] = []
        if let r = f["readiness"] {
            var s = "readiness \(r): \(f["readiness_state"] ?? "-")"
            if let last = f["readiness_last"] { s += " (last check: \(last))" }
            if let output = f["readiness_output"] { s += " (output: \(shown(output)))" }
            if let st = f["notify_status"] { s += " (STATUS=\(st))" }
            parts.append(s)
        }
        if let l = f["liveness"] {
            var s = "liveness \(l)"
            if let n = f["liveness_failures"] { s += ": \(n == "0" ? "ok" : "\(n) failure\(n == "1" ? "" : "s")")" }
            if let last = f["liveness_last"], last != "passed" { s += " (last check: \(last))" }
            if let output = f["liveness_output"] { s += " (output: \(shown(output)))" }
            parts.append(s)
        }
        if let w = f["waiting_for"] { parts.append(w) } else if let d = f["depends_on"] { parts.append("depends on \(d)") }
        return StatusFormatter.pad(p.namespec, 32) + " " + StatusFormatter.pad(p.statename, 9) + " " + parts.joined(separator: "; ")
    }

    /// A check's output on one line: surrounding blank space dropped, line
    /// breaks shown as `\n`, other control characters as `?`.
    static func shown(_ text: String) -> String {
        var out = ""
        for ch in text.trimmingPythonWhitespace().unicodeScalars {
            switch ch {
            case "\n": out += "\\n"
            case "\r": continue
            case "\t": out += " "
            default: out.unicodeScalars.append(ch.value < 0x20 || ch.value == 0x7f ? "?" : ch)
            }
        }
        return "\"" + out + "\""
    }
}

