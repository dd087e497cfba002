// swiftvisorctl's `tail -f` over several processes (an extension:
// supervisorctl follows one process and one channel): `tail -f web,'worker:*'`
// or `tail -f 'worker:*'` streams both channels of every named process, each
// line prefixed `name | `.

enum CtlFollow {
    /// Whether `tail -f ARGS` asks for the multi-process form: one argument
    /// that is a group selector (`g:*`, `g:`, `all`) or a comma-separated
    /// list of names (`web,worker:*`), optionally followed by `stdout` or
    /// `stderr`. Only argument lists that supervisorctl would send to the
    /// server as a name no process has: every other list gets supervisorctl's
    /// own answer (do_tail at 4.3.0: `tail -f -200 web` is `Error: bad channel
    /// 'web'`, `tail -f web stderr x` is `Error: too many arguments`).
    static func isMultiTarget(_ args: [String]) -> Bool {
        guard args.count == 1 || (args.count == 2 && LogChannel(rawValue: args[1].lowercased()) != nil) else { return false }
        guard !args[0].hasPrefix("-") else { return false }
        let (names, _) = split(args)
        return names.count > 1 || names.contains(where: isSelector)
    }

    static func isSelector(_ name: String) -> Bool {
        name == "all" || NameResolution.split(name).process == nil
    }

    static func split(_ args: [String]) -> (names: [String], channels: [LogChannel]) {
        let names = args.first.map { $0.split(separator: ",", omittingEmptySubsequences: true).map(String.init) } ?? []
        if args.count == 2, let ch = LogChannel(rawValue: args[1].lowercased()) {
            return (names, [ch])
        }
        return (names, [.stdout, .stderr])
    }

    /// The processes `names` select in `all`, each once, in selection order;
    /// `NAME: ERROR (no such process name)` (exit 1) for a name that selects none.
    static func resolve(_ ctl: CtlController, _ names: [String], in all: [ProcessSnapshot]) -> [ProcessKey] {
        let keys = all.map { ProcessKey(group: $0.group, name: $0.name) }
        var chosen: [ProcessKey] = []
        for selection in NameResolution.select(names, from: keys) {
            switch selection {
            case .all(let ks), .group(_, let ks): chosen += ks
            case .process(let k): chosen.append(k)
            case .fault(let r):
                ctl.output("\(r.arg ?? r.namespec): ERROR (no such process name)")
                ctl.setExitStatus(CtlExitStatus.generic)
            }
        }
        var seen = Set<ProcessKey>()
        return chosen.filter { seen.insert($0).inserted }
    }

    static func run(_ ctl: CtlController, args: [String]) throws(CtlAbort) {
        let (names, channels) = split(args)
        let all = try ctl.allProcesses()
        let chosen = resolve(ctl, names, in: all)
        // Only channels that have a log file: the daemon refuses a follow whose
        // targets include one without (NO_FILE), e.g. stderr with redirect_stderr.
        var targets: [FollowTarget] = []
        var labels: [String] = []
        for key in chosen {
            guard let info = all.first(where: { $0.group == key.group && $0.name == key.name }) else { continue }
            for ch in channels {
                let path = ch == .stdout ? info.stdoutLogfile : info.stderrLogfile
                if path.isEmpty { continue }
                targets.append(.process(name: key.namespec, channel: ch))
                labels.append(key.namespec)
            }
        }
        guard !targets.isEmpty else { return }
        ctl.output("==> Press Ctrl-C to exit <==")
        var prefixer = LinePrefixer(labels: labels)
        let fault: ControlFault?
        do {
            fault = try ctl.transport.follow(targets) { index, bytes in
                let out = prefixer.feed(target: index, bytes)
                if !out.isEmpty { ctl.terminal.write(out); ctl.terminal.flush() }
            }
        } catch {
            throw .transport(error)
        }
        let rest = prefixer.flush()
        if !rest.isEmpty { ctl.terminal.write(rest) }
        if let fault {
            ctl.terminal.writeError("\(ctl.serverURL) follow refused: \(fault.message)")
            ctl.setExitStatus(CtlExitStatus.generic)
            return
        }
        ctl.output("")
    }
}

/// Turns chunks from several streams into whole lines prefixed `label | `.
/// Pure, so the interleaving rules are unit-tested.
struct LinePrefixer {
    let labels: [String]
    private var partial: [[UInt8]]

    init(labels: [String]) {
        self.labels = labels
        self.partial = Array(repeating: [], count: labels.count)
    }

    /// The complete lines of target `index` now available, prefixed.
    mutating func feed(target index: Int, _ bytes: [UInt8]) -> [UInt8] {
        guard labels.indices.contains(index) else { return [] }
        var out: [UInt8] = []
        partial[index] += bytes
        while let nl = partial[index].firstIndex(of: 0x0A) {
            out += Array((labels[index] + " | ").utf8)
            out += partial[index][...nl]
            partial[index].removeSubrange(...nl)
        }
        return out
    }

    /// Unterminated line ends, each completed with a newline (at exit).
    mutating func flush() -> [UInt8] {
        var out: [UInt8] = []
        for i in partial.indices where !partial[i].isEmpty {
            out += Array((labels[i] + " | ").utf8) + partial[i] + [0x0A]
            partial[i] = []
        }
        return out
    }
}
