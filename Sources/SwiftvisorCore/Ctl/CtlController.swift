// swiftvisorctl's commands: supervisorctl.py's Controller and
// DefaultControllerPlugin re-expressed over the SWV1 protocol, printing the
// same lines and setting the same exit codes. Transport and terminal are
// injected, so every command is unit-tested against a scripted daemon.

/// Why a command stopped early; `onecmd` turns it into supervisorctl's output.
enum CtlAbort: Error {
    case transport(CtlTransportError)
    /// A fault the command does not handle: supervisorctl lets the xmlrpclib
    /// Fault escape and prints `error: <class 'xmlrpc.client.Fault'>, ...`.
    case unexpectedFault(ControlFault)
    /// supervisorctl's `raise ValueError('Unknown result code ...')`.
    case unknownResult(code: FaultCode, name: String)
}

/// One swiftvisorctl session: a one-shot command or the interactive shell.
public final class CtlController {
    /// The exit status so far (supervisorctl's `exitstatus`).
    public private(set) var exitStatus: Int32 = CtlExitStatus.success
    /// The server URL as the user gave it, for messages (`unix:///run/sv.sock`).
    public private(set) var serverURL: String
    public private(set) var username: String?
    public private(set) var password: String?
    /// Interactive shell: confirmations are asked and 401 prompts for credentials.
    public let interactive: Bool
    /// The shell prompt without `> `.
    public let prompt: String
    let transport: CtlTransport
    let terminal: CtlTerminal
    /// Runs `fg NAME` after the checks passed and the banner is printed:
    /// streams output, forwards stdin lines, prints the closing lines.
    public var foreground: ((CtlController, String) -> Void)?

    public init(serverURL: String, username: String?, password: String?, interactive: Bool, prompt: String,
                transport: CtlTransport, terminal: CtlTerminal) {
        self.serverURL = serverURL; self.username = username; self.password = password
        self.interactive = interactive; self.prompt = prompt
        self.transport = transport; self.terminal = terminal
    }

    // MARK: output

    /// supervisorctl's `output`: the message and a newline.
    public func output(_ line: String) { terminal.write(Array(line.utf8) + [0x0A]) }
    func output(bytes: [UInt8]) { terminal.write(bytes + [0x0A]) }
    func setExit(_ status: Int32?) { if let status { exitStatus = status } }
    /// Force an exit status (fg's outcomes).
    public func setExitStatus(_ status: Int32) { exitStatus = status }

    func help(_ topic: String) { for line in CtlHelp.text(topic) ?? [] { output(line) } }

    // MARK: the command loop

    /// Run the interactive shell: `status` first, then lines from the terminal
    /// until quit/exit/EOF. supervisorctl's shell always exits 0.
    public func runShell() -> Int32 {
        _ = onecmd("status")
        while let line = terminal.readLine(prompt: prompt + "> ") {
            if onecmd(line) { return CtlExitStatus.success }
        }
        _ = onecmd("EOF")
        return CtlExitStatus.success
    }

    /// Run one command line (Python cmd.Cmd.onecmd + supervisorctl's override).
    /// Returns true when the shell should stop (EOF, quit, exit).
    @discardableResult
    public func onecmd(_ rawLine: String) -> Bool {
        var line = rawLine.trimmingPythonWhitespace()
        if line.isEmpty { return false }
        if line.hasPrefix("?") { line = "help " + line.dropFirst() }
        // cmd.Cmd: the command is the leading run of identchars, the rest is the argument.
        let identEnd = line.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) } ?? line.endIndex
        let cmd = String(line[..<identEnd])
        let arg = String(line[identEnd...]).trimmingPythonWhitespace()
        guard !cmd.isEmpty, let action = action(for: cmd) else {
            output("*** Unknown syntax: \(line)")
            exitStatus = CtlExitStatus.generic
            return false
        }
        do {
            return try action(arg)
        } catch CtlAbort.transport(.authRequired) {
            output("Server requires authentication")
            if interactive {
                let user = terminal.readLine(prompt: "Username:") ?? ""
                let pass = terminal.readPassword(prompt: "Password:") ?? ""
                output("")
                username = user; password = pass
                transport.reset(serverURL: serverURL, username: user, password: pass)
                return onecmd(rawLine)
            }
            // supervisorctl calls the command a second time after the message and
            // prints the resulting ProtocolError (supervisorctl.py onecmd).
            pythonError("xmlrpc.client.ProtocolError", "<ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>")
        } catch let abort as CtlAbort {
            report(abort)
        } catch {
            pythonError("Exception", "\(error)")
        }
        return false
    }

    private func report(_ abort: CtlAbort) {
        switch abort {
        case .transport(let e):
            switch e {
            case .noSuchFile: pythonError("FileNotFoundError", "[Errno 2] No such file or directory")
            case .refused: pythonError("ConnectionRefusedError", "[Errno 111] Connection refused")
            case .authRequired: pythonError("xmlrpc.client.ProtocolError", "<ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>")
            case .incompatible(let v): pythonError("ValueError", "server speaks protocol \(v), expected \(ControlProtocol.version)")
            case .unsupportedURL(let u): pythonError("NotImplementedError", "swiftvisorctl connects only to unix:// and http://host:port server URLs, not \(u)")
            case .unknownProtocol(let u): pythonError("ValueError", "Unknown protocol for serverurl \(u)")
            case .system(let call, let errno):
                pythonError(Self.pythonErrorClass(errno), "[Errno \(errno)] \(Self.errnoText[errno] ?? "\(call) failed")")
            case .closed: pythonError("http.client.RemoteDisconnected", "Remote end closed connection without response")
            case .timedOut(let what, let seconds): pythonError("TimeoutError", "no answer while waiting for \(what) (\(seconds) s)")
            case .replyLineTooLong:
                pythonError("ValueError", "reply line from \(serverURL) longer than \(ControlProtocol.maxReplyLine) bytes: not a swiftvisord reply")
            }
        case .unexpectedFault(let f):
            pythonError("xmlrpc.client.Fault", "<Fault \(f.code.rawValue): \(pythonRepr(f.message))>")
        case .unknownResult(let code, let name):
            pythonError("ValueError", "Unknown result code \(code.rawValue) for \(name)")
        }
    }

    /// supervisorctl's catch-all line: `error: <class 'X'>, msg: file: F line: N`.
    func pythonError(_ cls: String, _ message: String) {
        output("error: <class '\(cls)'>, \(message): file: swiftvisorctl line: 0")
        exitStatus = CtlExitStatus.generic
    }

    /// Linux strerror() of the errnos a client socket can meet: Python's OSError
    /// prints `[Errno 104] Connection reset by peer` (kept here, as Core has no libc).
    static let errnoText: [Int32: String] = [
        1: "Operation not permitted", 2: "No such file or directory", 4: "Interrupted system call",
        11: "Resource temporarily unavailable", 13: "Permission denied", 20: "Not a directory",
        32: "Broken pipe", 36: "File name too long", 40: "Too many levels of symbolic links",
        88: "Socket operation on non-socket", 104: "Connection reset by peer",
        110: "Connection timed out", 111: "Connection refused",
    ]

    static func pythonErrorClass(_ errno: Int32) -> String {
        switch errno {
        case 1, 13: return "PermissionError"
        case 32: return "BrokenPipeError"
        case 104: return "ConnectionResetError"
        case 111: return "ConnectionRefusedError"
        case 2: return "FileNotFoundError"
        default: return "OSError"
        }
    }

    private func action(for cmd: String) -> ((String) throws -> Bool)? {
        func run(_ f: @escaping (String) throws -> Void) -> (String) throws -> Bool { { try f($0); return false } }
        switch cmd {
        case "help": return run(doHelp)
        case "EOF", "quit", "exit": return { _ in self.output(""); return true }
        case "status": return run(doStatus)
        case "pid": return run(doPid)
        case "start": return run(doStart)
        case "stop": return run(doStop)
        case "restart": return run(doRestart)
        case "signal": return run(doSignal)
        case "tail": return run(doTail)
        case "maintail": return run(doMaintail)
        case "clear": return run(doClear)
        case "reread": return run(doReread)
        case "update": return run(doUpdate)
        case "add": return run(doAdd)
        case "remove": return run(doRemove)
        case "avail": return run(doAvail)
        case "reload": return run(doReload)
        case "shutdown": return run(doShutdown)
        case "version": return run(doVersion)
        case "open": return run(doOpen)
        case "fg": return run(doFg)
        default: return nil
        }
    }

    // MARK: requests

    func send(_ request: ControlRequest) throws(CtlAbort) -> ControlResponse {
        do { return try transport.send(request) } catch { throw .transport(error) }
    }

    /// Send and insist on success.
    func items(_ request: ControlRequest) throws(CtlAbort) -> [ControlItem] {
        switch try send(request) {
        case .ok(let items): return items
        case .fault(let f): throw .unexpectedFault(f)
        }
    }

    /// supervisorctl's `upcheck`: can we talk to a compatible daemon? Prints
    /// the connection problem and sets the exit status when not.
    func upcheck() throws(CtlAbort) -> Bool {
        do {
            switch try transport.send(.version) {
            case .ok(let items):
                for case .version(let v) in items where v.api != ControlProtocol.apiVersion {
                    output("Sorry, this version of supervisorctl expects to talk to a server with API version \(ControlProtocol.apiVersion), but the remote version is \(v.api).")
                    exitStatus = CtlExitStatus.notInstalled
                    return false
                }
                return true
            case .fault(let f) where f.code == .unknownMethod:
                output("Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).")
                exitStatus = CtlExitStatus.unimplementedFeature
                return false
            case .fault(let f):
                exitStatus = CtlExitStatus.generic
                throw CtlAbort.unexpectedFault(f)
            }
        } catch let e as CtlTransportError {
            switch e {
            case .refused:
                output("\(serverURL) refused connection")
                exitStatus = CtlExitStatus.insufficientPrivileges
                return false
            case .noSuchFile:
                output("\(serverURL) no such file")
                exitStatus = CtlExitStatus.notRunning
                return false
            case .incompatible(let v):
                output("Sorry, this version of supervisorctl expects to talk to a server with API version \(ControlProtocol.apiVersion), but the remote version is \(v).")
                exitStatus = CtlExitStatus.notInstalled
                return false
            case .unsupportedURL(let url):
                // https://, a bad port, another scheme: say what would work.
                output("\(url) is not a server URL swiftvisorctl can use: set [supervisorctl] serverurl= (or -s) to unix:///path for [unix_http_server] or http://host:port for [inet_http_server]")
                exitStatus = CtlExitStatus.insufficientPrivileges
                return false
            default:
                exitStatus = CtlExitStatus.generic
                throw .transport(e)
            }
        } catch let e as CtlAbort {
            throw e
        } catch {
            throw .transport(.closed)
        }
    }

    /// Every process, sorted as the daemon sends them (lexical).
    func allProcesses() throws(CtlAbort) -> [ProcessSnapshot] {
        try items(.status(names: [])).compactMap { if case .process(let p) = $0 { return p } else { return nil } }
    }

    // MARK: help

    func doHelp(_ arg: String) {
        if arg == "help" { help("help"); return }
        if arg.isEmpty { CtlHelp.overview().forEach(output); return }
        if let text = CtlHelp.text(arg) { text.forEach(output) } else { output("*** No help on \(arg)") }
    }

    // MARK: status, pid

    func doStatus(_ arg: String) throws(CtlAbort) {
        var words = arg.pythonSplit()
        let json = words.contains("--json")
        words.removeAll { $0 == "--json" }
        guard try upcheck() else {
            exitStatus = CtlExitStatus.statusUnknown
            return
        }
        let reply = try items(.status(names: words))
        var infos: [ProcessSnapshot] = []
        var bad: [NameResult] = []
        for item in reply {
            switch item {
            case .process(let p): infos.append(p)
            case .result(let r): bad.append(r)
            default: break
            }
        }
        if json {
            output(CtlJSON.status(infos, errors: bad))
        } else {
            // The daemon answers each name once; supervisorctl prints a line per
            // name as typed (`status web web` shows web twice): expand again here.
            var lines = infos
            var lineErrors = bad
            if !words.isEmpty && !words.contains("all") {
                lines = []
                lineErrors = []
                for item in NameResolution.statusItems(words, all: infos) {
                    switch item {
                    case .process(let p): lines.append(p)
                    case .result(let r): lineErrors.append(r)
                    default: break
                    }
                }
            }
            for r in lineErrors { output(Self.statusError(r)) }
            StatusFormatter.statusLines(lines).forEach(output)
        }
        if !bad.isEmpty { exitStatus = CtlExitStatus.statusUnknown }
        if infos.contains(where: \.isStopped) { exitStatus = CtlExitStatus.statusNotRunning }
    }

    static func statusError(_ r: NameResult) -> String {
        r.name == nil ? "\(r.group): ERROR (no such group)" : "\(r.arg ?? r.namespec): ERROR (no such process)"
    }

    func doPid(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        if names.isEmpty {
            for case .pid(let pid) in try items(.pid) { output(String(pid)) }
            return
        }
        let all = try allProcesses()
        if names.contains("all") {
            for p in all { output(String(p.pid)) }
            return
        }
        let keys = all.map { ProcessKey(group: $0.group, name: $0.name) }
        for name in names {
            guard let key = NameResolution.process(name, in: keys),
                  let info = all.first(where: { $0.group == key.group && $0.name == key.name }) else {
                exitStatus = CtlExitStatus.generic
                output("No such process \(name)")
                continue
            }
            output(String(info.pid))
            if info.pid == 0 { exitStatus = CtlExitStatus.notRunning }
        }
    }

    // MARK: start, stop, restart, signal, clear

    func results(_ reply: [ControlItem]) -> [NameResult] {
        reply.compactMap { if case .result(let r) = $0 { return r } else { return nil } }
    }

    func doStart(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return usageError("start", "start requires a process name", exit: CtlExitStatus.invalidArgs) }
        try printResults(.start(names: names, wait: true), groupFaultExit: CtlExitStatus.invalidArgs, ignoring: .alreadyStarted) { (r) throws(CtlAbort) -> String in
            switch r.code {
            case .badName: return "\(r.namespec): ERROR (no such process)"
            case .noFile: return "\(r.namespec): ERROR (no such file)"
            case .notExecutable: return "\(r.namespec): ERROR (file is not executable)"
            case .alreadyStarted: return "\(r.namespec): ERROR (already started)"
            case .spawnError: return "\(r.namespec): ERROR (spawn error)"
            case .abnormalTermination: return "\(r.namespec): ERROR (abnormal termination)"
            case .success: return "\(r.namespec): started"
            default: throw .unknownResult(code: r.code, name: r.namespec)
            }
        }
    }

    /// The per-name results of start/stop/signal, printed as supervisorctl does:
    /// a group that does not exist is `g: ERROR (no such group)` with
    /// `groupFaultExit`; every other result is `line(r)` and sets the exit
    /// status unless it is SUCCESS or `ignoring`.
    func printResults(_ request: ControlRequest, groupFaultExit: Int32, ignoring: FaultCode? = nil,
                      _ line: (NameResult) throws(CtlAbort) -> String) throws(CtlAbort) {
        for r in results(try items(request)) {
            if r.name == nil {
                output("\(r.group): ERROR (no such group)")
                exitStatus = groupFaultExit
                continue
            }
            output(try line(r))
            setExit(CtlExitStatus.forResult(r.code, ignoring: ignoring))
        }
    }

    /// supervisorctl's _signalresult (stop uses it with "stopped").
    func signalResult(_ r: NameResult, success: String) throws(CtlAbort) -> String {
        switch r.code {
        case .badName: return "\(r.namespec): ERROR (no such process)"
        case .badSignal: return "\(r.namespec): ERROR (bad signal name)"
        case .notRunning: return "\(r.namespec): ERROR (not running)"
        case .success: return "\(r.namespec): \(success)"
        case .failed: return r.description
        default: throw .unknownResult(code: r.code, name: r.namespec)
        }
    }

    func doStop(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return usageError("stop", "stop requires a process name", exit: CtlExitStatus.generic) }
        try printResults(.stop(names: names), groupFaultExit: CtlExitStatus.generic, ignoring: .notRunning) { r throws(CtlAbort) in
            try signalResult(r, success: "stopped")
        }
    }

    func doRestart(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        guard !arg.pythonSplit().isEmpty else { return usageError("restart", "restart requires a process name", exit: CtlExitStatus.generic) }
        try doStop(arg)
        try doStart(arg)
    }

    func doSignal(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let args = arg.pythonSplit()
        guard args.count >= 2 else { return usageError("signal", "signal requires a signal name and a process name", exit: CtlExitStatus.generic) }
        try printResults(.signal(signal: args[0], names: Array(args.dropFirst())), groupFaultExit: CtlExitStatus.generic) { r throws(CtlAbort) in
            try signalResult(r, success: "signalled")
        }
    }

    func doClear(_ arg: String) throws(CtlAbort) {
        guard try upcheck() else { return }
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return usageError("clear", "clear requires a process name", exit: CtlExitStatus.generic) }
        for r in results(try items(.clear(names: names))) {
            switch r.code {
            case .badName: output("\(r.namespec): ERROR (no such process)")
            case .failed: output("\(r.namespec): ERROR (failed)")
            case .success: output("\(r.namespec): cleared")
            default: throw .unknownResult(code: r.code, name: r.namespec)
            }
            setExit(CtlExitStatus.forResult(r.code))
        }
    }

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
            let what = String(modifier.dropFirst())
            if what == "f" {
                try followOne(.process(name: name, channel: LogChannel(rawValue: channel)!),
                              path: "/logtail/\(name)/\(channel)")
                return
            }
            guard let n = Int(pythonInt: what) else {
                output("Error: bad argument \(modifier)")
                exitStatus = CtlExitStatus.generic
                return
            }
            bytes = n
        }
        try printLog(.readLog(name: name, channel: LogChannel(rawValue: channel)!, offset: -bytes, length: 0), name: name,
                     badName: "no such process name")
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
            let what = String(args[0].dropFirst())
            if what == "f" {
                try followOne(.mainLog, path: "/mainlogtail")
                return
            }
            guard let n = Int(pythonInt: what) else {
                output("Error: bad argument \(args[0])")
                exitStatus = CtlExitStatus.generic
                return
            }
            bytes = n
        }
        try printLog(.readMainLog(offset: -bytes, length: 0), name: "supervisord", badName: nil)
    }

    // MARK: reread, update, add, remove, avail

    /// supervisorctl's answer to a verb used wrongly: `Error: <message>`, the
    /// verb's help, and `exit` as the status.
    private func usageError(_ verb: String, _ message: String, exit: Int32) {
        output("Error: \(message)")
        exitStatus = exit
        help(verb)
    }

    /// The check for verbs that take nothing (`Error: X accepts no arguments`,
    /// exit status 1). True when `arg` is empty.
    private func noArguments(_ arg: String, _ verb: String) -> Bool {
        guard arg.isEmpty else {
            usageError(verb, "\(verb) accepts no arguments", exit: CtlExitStatus.generic)
            return false
        }
        return true
    }

    func doReread(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "reread") else { return }
        switch try send(.reread) {
        case .ok(let items):
            let changes = items.compactMap { if case .change(let c) = $0 { return c } else { return nil } }
            StatusFormatter.rereadLines(changes).forEach(output)
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            switch f.code {
            case .shutdownState: output("ERROR: supervisor shutting down")
            case .cantReread: output("ERROR: \(f.message)")
            default: throw .unexpectedFault(f)
            }
        }
    }

    /// One group operation that supervisorctl does not expect to fail (update's
    /// stop/remove/add): any fault escapes as the Fault error line.
    func groupCall(_ request: ControlRequest) throws(CtlAbort) -> [NameResult] {
        let rs = results(try items(request))
        if let bad = rs.first(where: { $0.code != .success && $0.name == nil }) {
            throw .unexpectedFault(ControlFault(code: bad.code, message: bad.description))
        }
        return rs
    }

    func doUpdate(_ arg: String) throws(CtlAbort) {
        let changes: [ConfigChange]
        switch try send(.reread) {
        case .ok(let items):
            changes = items.compactMap { if case .change(let c) = $0 { return c } else { return nil } }
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            if f.code == .shutdownState { output("ERROR: already shutting down"); return }
            throw .unexpectedFault(f)
        }
        let added = changes.filter { $0.kind == .added }.map(\.group)
        let changed = changes.filter { $0.kind == .changed }.map(\.group)
        let removed = changes.filter { $0.kind == .removed }.map(\.group)
        var wanted: [String] = []
        for g in arg.pythonSplit() where !wanted.contains(g) { wanted.append(g) }
        if wanted.contains("all") { wanted = [] }
        if !wanted.isEmpty {
            let groups = Set(try allProcesses().map(\.group)).union(added)
            for g in wanted where !groups.contains(g) {
                output("ERROR: no such group: \(g)")
                exitStatus = CtlExitStatus.generic
            }
        }
        func skip(_ g: String) -> Bool { !wanted.isEmpty && !wanted.contains(g) }
        for g in removed where !skip(g) {
            let stopped = try groupCall(.stop(names: [g + ":*"]))
            output("\(g): stopped")
            if stopped.contains(where: { $0.code == .failed }) {
                output("\(g): has problems; not removing")
                exitStatus = CtlExitStatus.generic
                continue
            }
            try expectSuccess(groupCall(.remove(groups: [g])))
            output("\(g): removed process group")
        }
        for g in changed where !skip(g) {
            _ = try groupCall(.stop(names: [g + ":*"]))
            output("\(g): stopped")
            try expectSuccess(groupCall(.remove(groups: [g])))
            try expectSuccess(groupCall(.add(groups: [g])))
            output("\(g): updated process group")
        }
        for g in added where !skip(g) {
            try expectSuccess(groupCall(.add(groups: [g])))
            output("\(g): added process group")
        }
    }

    private func expectSuccess(_ rs: [NameResult]) throws(CtlAbort) {
        if let bad = rs.first(where: { $0.code != .success }) {
            throw .unexpectedFault(ControlFault(code: bad.code, message: bad.description))
        }
    }

    func doAdd(_ arg: String) throws(CtlAbort) {
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return }
        switch try send(.add(groups: names)) {
        case .fault(let f) where f.code == .shutdownState:
            for _ in names { output("ERROR: shutting down") }
            exitStatus = CtlExitStatus.generic
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            throw .unexpectedFault(f)
        case .ok(let items):
            for r in results(items) {
                switch r.code {
                case .success: output("\(r.group): added process group")
                case .shutdownState: output("ERROR: shutting down"); exitStatus = CtlExitStatus.generic
                case .alreadyAdded: output("ERROR: process group already active")
                case .badName: output("ERROR: no such process/group: \(r.group)"); exitStatus = CtlExitStatus.generic
                default:
                    exitStatus = CtlExitStatus.generic
                    throw .unexpectedFault(ControlFault(code: r.code, message: r.description))
                }
            }
        }
    }

    func doRemove(_ arg: String) throws(CtlAbort) {
        let names = arg.pythonSplit()
        guard !names.isEmpty else { return }
        for r in results(try items(.remove(groups: names))) {
            switch r.code {
            case .success: output("\(r.group): removed process group")
            case .stillRunning: output("ERROR: process/group still running: \(r.group)"); exitStatus = CtlExitStatus.generic
            case .badName: output("ERROR: no such process/group: \(r.group)"); exitStatus = CtlExitStatus.generic
            default:
                exitStatus = CtlExitStatus.generic
                throw .unexpectedFault(ControlFault(code: r.code, message: r.description))
            }
        }
    }

    func doAvail(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "avail") else { return }
        switch try send(.avail) {
        case .ok(let items):
            for case .config(let c) in items { output(StatusFormatter.availLine(c)) }
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            if f.code == .shutdownState { output("ERROR: supervisor shutting down"); return }
            throw .unexpectedFault(f)
        }
    }

    // MARK: reload, shutdown, version, open, fg

    func confirm(_ question: String) -> Bool {
        guard interactive else { return true }
        return (terminal.readLine(prompt: question) ?? "").lowercased().hasPrefix("y")
    }

    func doShutdown(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "shutdown") else { return }
        guard confirm("Really shut the remote supervisord process down y/N? ") else { return }
        do {
            switch try transport.send(.shutdown) {
            case .ok: output("Shut down")
            case .fault(let f) where f.code == .shutdownState: output("ERROR: already shutting down")
            case .fault(let f):
                exitStatus = CtlExitStatus.generic
                throw CtlAbort.unexpectedFault(f)
            }
        } catch let e as CtlTransportError {
            exitStatus = CtlExitStatus.generic
            switch e {
            case .refused: output("ERROR: \(serverURL) refused connection (already shut down?)")
            case .noSuchFile: output("ERROR: \(serverURL) no such file (already shut down?)")
            default: throw .transport(e)
            }
        } catch let e as CtlAbort {
            throw e
        } catch {
            throw .transport(.closed)
        }
    }

    func doReload(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "reload") else { return }
        guard confirm("Really restart the remote supervisord process y/N? ") else { return }
        switch try send(.reload) {
        case .ok: output("Restarted supervisord")
        case .fault(let f):
            exitStatus = CtlExitStatus.generic
            if f.code == .shutdownState { output("ERROR: already shutting down"); return }
            throw .unexpectedFault(f)
        }
    }

    func doVersion(_ arg: String) throws(CtlAbort) {
        guard noArguments(arg, "version") else { return }
        guard try upcheck() else { return }
        for case .version(let v) in try items(.version) { output(v.supervisor) }
    }

    func doOpen(_ arg: String) throws(CtlAbort) {
        let url = arg.trimmingPythonWhitespace()
        let scheme = url.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.lowercased() } ?? ""
        guard url.contains(":"), scheme == "unix" || scheme == "http" else {
            output("ERROR: url must be http:// or unix://")
            exitStatus = CtlExitStatus.generic
            return
        }
        serverURL = url
        transport.reset(serverURL: url, username: username, password: password)
        let old = exitStatus
        try doStatus("")
        exitStatus = old
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

// MARK: - Python string helpers

extension String {
    /// Python `str.strip()` (ASCII whitespace).
    func trimmingPythonWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s.removeFirst() }
        while let l = s.last, ws.contains(l) { s.removeLast() }
        return String(s)
    }

    /// Python `str.split()`: runs of whitespace separate, no empty words.
    func pythonSplit() -> [String] {
        split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" })
            .map(String.init)
    }
}

extension Int {
    /// Python `int(str)`: optional sign, digits, surrounding whitespace, `_` between digits.
    init?(pythonInt s: String) {
        let t = s.trimmingPythonWhitespace()
        var body = Substring(t)
        var sign = ""
        if let f = body.first, f == "+" || f == "-" { sign = f == "-" ? "-" : ""; body = body.dropFirst() }
        guard !body.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__"),
              body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else { return nil }
        guard let v = Int(sign + body.filter { $0 != "_" }) else { return nil }
        self = v
    }
}
