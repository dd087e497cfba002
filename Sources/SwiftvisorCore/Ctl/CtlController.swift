// swiftvisorctl's commands: supervisorctl.py's Controller and
// DefaultControllerPlugin re-expressed over the SWV1 protocol, printing the
// same lines and setting the same exit codes. Transport and terminal are
// injected, so every command is unit-tested against a scripted daemon.
// This file is the session (output, the command loop, requests); the verbs
// are in one file per family: CtlController+Processes, +Logs, +Groups, +Daemon.

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
    public internal(set) var exitStatus: Int32 = CtlExitStatus.success
    /// The server URL as the user gave it, for messages (`unix:///run/sv.sock`).
    public internal(set) var serverURL: String
    public internal(set) var username: String?
    public internal(set) var password: String?
    /// Interactive shell: confirmations are asked and 401 prompts for credentials.
    public let interactive: Bool
    /// The shell prompt without `> `.
    public let prompt: String
    let transport: CtlTransport
    let terminal: CtlTerminal
    /// Runs `fg NAME` after the checks passed and the banner is printed:
    /// streams output, forwards stdin lines, prints the closing lines.
    public var foreground: ((CtlController, String) -> Void)?
    /// The time for `logs --since` (the executable sets the real clock).
    public var clock: CtlClock = .utc
    /// Whether `logs` colours its `name | ` prefixes (stdout is a terminal).
    public var colour = false

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
            case .httpStatus(let status, let reason):
                pythonError("xmlrpc.client.ProtocolError", "<ProtocolError for 127.0.0.1/RPC2: \(status) \(reason)>")
            case .badResponse(let why):
                pythonError("xml.parsers.expat.ExpatError", why)
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
        case "health": return run(doHealth)
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
        case "logs": return run { try CtlLogs.run(self, arg: $0) }
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

    /// `items`, undecoded (the item lines' bytes); nil when the transport
    /// only decodes.
    func undecodedItems(_ request: ControlRequest) throws(CtlAbort) -> [UInt8]? {
        let reply: UndecodedReply?
        do { reply = try transport.sendUndecoded(request) } catch { throw .transport(error) }
        guard let reply else { return nil }
        if case .fault(let f) = reply.status { throw .unexpectedFault(f) }
        return reply.items
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
}
