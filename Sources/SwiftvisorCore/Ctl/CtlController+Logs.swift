// swiftvisorctl's log verbs: tail (and tail -f over several processes, in
// CtlFollow), maintail, fg (its streaming and stdin protocol in CtlForeground)
// (supervisorctl.py do_tail, do_maintail, do_fg).

extension CtlController {
    // MARK: tail, maintail

    func doTail(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        var args = arg.pythonSplit()
        if args.isEmpty {
            output("Error: too few arguments")
            exitStatus = CtlExitStatus.generic
            help("tail")
            return
        }
        var modifier: String? = nil
        if args[0].hasPrefix("-") { modifier = args.removeFirst() }
        // swiftvisor extension (opt-in): `tail -f a b:* ...` follows several
        // processes; supervisorctl rejects these argument lists, so no existing
        // invocation changes meaning.
        if modifier == "-f", CtlFollow.isMultiTarget(args) {
            try CtlFollow.run(self, args: args)
            return
        }
        if args.count > (modifier == nil ? 3 : 2) {
            output("Error: too many arguments")
            exitStatus = CtlExitStatus.generic
            help("tail")
            return
        }
        let name: String
        var channel = "stdout"
        if args.count == 1 {
            name = args[0]
        } else if !args.isEmpty {
            name = args[0]
            channel = args[args.count - 1].lowercased()
            guard channel == "stdout" || channel == "stderr" else {
                output("Error: bad channel \(pythonRepr(channel))")
                exitStatus = CtlExitStatus.generic
                return
            }
        } else {
            output("Error: tail requires process name")
            exitStatus = CtlExitStatus.generic
            return
        }
        var bytes = 1600
        if let modifier {
            switch tailModifier(modifier) {
            case nil: return
            case .follow:
                try followOne(.process(name: name, channel: LogChannel(rawValue: channel)!),
                              path: "/logtail/\(name)/\(channel)")
                return
            case .bytes(let n): bytes = n
            }
        }
        try printLog(.readLog(name: name, channel: LogChannel(rawValue: channel)!, offset: -bytes, length: 0), name: name,
                     badName: "no such process name")
    }

    /// What follows the dash of tail's and maintail's `-f` / `-N` (supervisorctl
    /// do_tail and do_maintail); nil once supervisorctl's "bad argument" is
    /// printed. The request asks for offset `-N`, and Int.min has no negation,
    /// so `--9223372036854775808` is a bad argument rather than a trap.
    enum TailModifier: Equatable { case follow, bytes(Int) }

    func tailModifier(_ modifier: String) -> TailModifier? {
        let what = String(modifier.dropFirst())
        if what == "f" { return .follow }
        guard let n = Int(pythonInt: what), n != Int.min else {
            output("Error: bad argument \(modifier)")
            exitStatus = CtlExitStatus.generic
            return nil
        }
        return .bytes(n)
    }

    /// tail/maintail without -f: the bytes and supervisorctl's extra newline, or
    /// `NAME: ERROR (...)` (exit 1) for the faults it knows.
    func printLog(_ request: ControlRequest, name: String, badName: String?) throws(CtlAbort) {
        switch try send(request) {
        case .ok(let items):
            var data: [UInt8] = []
            for case .log(let chunk) in items { data += chunk }
            output(bytes: data)
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            switch f.code {
            case .noFile: output("\(name): ERROR (no log file)")
            case .failed: output("\(name): ERROR (unknown error reading log)")
            case .badName where badName != nil: output("\(name): ERROR (\(badName!))")
            default: throw .unexpectedFault(f)
            }
        }
    }

    /// supervisorctl's _tailf: banner, stream until Ctrl-C, then an empty line.
    /// A refused follow is its HTTP 404 message on stderr (exit status unchanged).
    func followOne(_ target: FollowTarget, path: String) throws(CtlAbort) {
        output("==> Press Ctrl-C to exit <==")
        noteMidLineStart(target)
        let fault: ControlFault?
        do {
            fault = try transport.follow([target]) { _, bytes in self.terminal.write(bytes); self.terminal.flush() }
        } catch {
            throw .transport(error)
        }
        if fault != nil {
            terminal.writeError("\(serverURL)\(path) Cannot read, status code 404")
            return
        }
        output("")
    }

    /// The stream starts 1024 bytes before the end (supervisord's
    /// tail_f_producer), usually inside a line. stdout stays supervisorctl's
    /// byte for byte; a note on stderr says the first line is cut and which
    /// verb starts at a whole line. Checked with one small read just before
    /// the follow (a line written in between can make the note wrong, never
    /// the stream).
    private func noteMidLineStart(_ target: FollowTarget) {
        guard case .process(let name, let channel) = target,
              case .ok(let items)? = try? transport.send(.readLog(name: name, channel: channel, offset: -(ControlProtocol.followBacklog + 1), length: 0))
        else { return }
        var data: [UInt8] = []
        for case .log(let chunk) in items { data += chunk }
        guard data.count > ControlProtocol.followBacklog, data[0] != 0x0A else { return }
        terminal.writeError("swiftvisorctl: tail -f begins 1024 bytes before the end of the log, here inside a line; `swiftvisorctl logs -f \(name)` begins at a whole line")
    }

    func doMaintail(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let args = arg.pythonSplit()
        var bytes = 1600
        if args.count > 1 {
            output("Error: too many arguments")
            exitStatus = CtlExitStatus.generic
            help("maintail")
            return
        } else if args.count == 1 {
            guard args[0].hasPrefix("-") else {
                output("Error: bad argument \(args[0])")
                exitStatus = CtlExitStatus.generic
                return
            }
            switch tailModifier(args[0]) {
            case nil: return
            case .follow:
                try followOne(.mainLog, path: "/mainlogtail")
                return
            case .bytes(let n): bytes = n
            }
        }
        try printLog(.readMainLog(offset: -bytes, length: 0), name: "supervisord", badName: nil)
    }


    func doFg(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        guard !names.isEmpty else {
            output("ERROR: no process name supplied")
            exitStatus = CtlExitStatus.generic
            help("fg")
            return
        }
        guard names.count == 1 else {
            output("ERROR: too many process names supplied")
            exitStatus = CtlExitStatus.generic
            return
        }
        let all = try allProcesses()
        let keys = all.map { ProcessKey(group: $0.group, name: $0.name) }
        guard let key = NameResolution.process(names[0], in: keys),
              let info = all.first(where: { $0.group == key.group && $0.name == key.name }) else {
            output("ERROR: bad process name supplied")
            exitStatus = CtlExitStatus.generic
            return
        }
        guard info.state == 20 else {
            output("ERROR: process not running")
            exitStatus = CtlExitStatus.generic
            return
        }
        output("==> Press Ctrl-C to exit <==")
        foreground?(self, names[0])
    }
}
