// One request line of the control protocol, as a value. The verb names and
// argument order here are the wire format described in docs/protocol.md.

/// Which output channel of a process a log request means.
public enum LogChannel: String, Sendable, Equatable, CaseIterable {
    case stdout
    case stderr
}

/// A log that `follow` streams.
public enum FollowTarget: Sendable, Equatable, Hashable {
    /// A process's channel log; `name` is a namespec as `status` prints it.
    case process(name: String, channel: LogChannel)
    /// supervisord's own (activity) log.
    case mainLog
}

/// A parsed request. Names are arguments exactly as the user typed them
/// (`all`, `g:*`, `g:`, `g:p`, `p`); the daemon resolves them with `NameResolution`.
public enum ControlRequest: Sendable, Equatable {
    /// `auth USER PASS`. Handled by the control server, never by the handler.
    case auth(user: String, password: String)
    /// `auth --http USER PASSWORD`: the HTTP worker passing on a request's
    /// basic-auth credentials. Checked as HTTP checks them (a `{SHA}`
    /// password matches only the lower-case hex digest, docs/protocol.md §9.4);
    /// otherwise as `auth`. Handled by the control server.
    case authHTTP(user: String, password: String)
    /// `version`: daemon version strings.
    case version
    /// `pid`: the daemon's own pid.
    case pid
    /// `status [NAME...]`: process snapshots; no names or `all` means every process.
    case status(names: [String])
    /// `start [--nowait] NAME...`: with `wait`, reply only when each process is
    /// RUNNING or has failed (supervisord's startProcess(wait=True)).
    /// `--no-deps` (swiftvisor only): neither start nor wait for the
    /// processes' dependencies (docs/dependencies.md).
    case start(names: [String], wait: Bool, noDeps: Bool = false)
    /// `stop [--nowait] NAME...`: reply when each process has stopped
    /// (`--nowait`: once the stop signal is sent; supervisord's stopProcess(wait=False)).
    case stop(names: [String], wait: Bool = true)
    /// `signal SIG NAME...`: SIG as the user typed it (`HUP`, `SIGHUP`, `1`).
    case signal(signal: String, names: [String])
    /// `clear NAME...`: truncate the processes' logs.
    case clear(names: [String])
    /// `readlog NAME CHANNEL OFFSET LENGTH`: supervisord's readProcessStdoutLog /
    /// readProcessStderrLog (negative offset = from the end, length 0 = to the end).
    case readLog(name: String, channel: LogChannel, offset: Int, length: Int)
    /// `mainlog OFFSET LENGTH`: supervisord's readLog on the main log.
    case readMainLog(offset: Int, length: Int)
    /// `taillog NAME CHANNEL OFFSET LENGTH`: supervisord's tailProcessStdoutLog /
    /// tailProcessStderrLog (tailFile): a `tail` item with the file's size and
    /// the overflow flag, then the bytes as `log` items.
    case tailLog(name: String, channel: LogChannel, offset: Int, length: Int)
    /// `clearlog`: empty the daemon's main log (supervisord's clearLog).
    case clearMainLog
    /// `remotecomm =TYPE =DATA`: a REMOTE_COMMUNICATION event to the
    /// listeners subscribed to it (supervisord's sendRemoteCommEvent). Each
    /// argument is written after a `=`, so an empty one is still a word.
    case remoteComm(type: String, data: String)
    /// `readlog --file=N NAME CHANNEL OFFSET LENGTH`: readlog on the log's
    /// rotation `N` (0 the current file, N the backup `path.N`), replied with a
    /// `logfile` item (the file's size and identity when it was opened) before
    /// the `log` items, so a client can page backwards through a log that
    /// grows and rotates (`swiftvisorctl logs`).
    case readLogFile(name: String, channel: LogChannel, file: Int, offset: Int, length: Int)
    /// `follow --from=O1,O2,... NAME CHANNEL ...`: follow, starting target I
    /// at byte OI of its file instead of 1024 bytes before its end (an offset
    /// past the end, a file that rotated meanwhile, starts at 0).
    case followFrom([FollowTarget], offsets: [Int])
    /// `follow --raw [--from=O1,O2,...] NAME CHANNEL ...`: follow, the bytes
    /// sent as `chunk` frames (`RawFollowFrame`) instead of `data` items;
    /// `offsets` as `followFrom`, nil without `--from=`.
    case followRaw([FollowTarget], offsets: [Int]?)
    /// `follow NAME CHANNEL [NAME CHANNEL...]` / `follow main`: stream logs until
    /// the client leaves. Handled by the control server (it asks the handler for
    /// the file paths with `followTarget`).
    case follow([FollowTarget])
    /// `stdin NAME DATA`: write DATA to the process's stdin (sendProcessStdin).
    case sendStdin(name: String, data: [UInt8])
    /// `reread`: read the config again; reply with the group differences.
    case reread
    /// `add GROUP...`: activate groups from the last reread (addProcessGroup).
    case add(groups: [String])
    /// `remove GROUP...`: remove stopped groups (removeProcessGroup).
    case remove(groups: [String])
    /// `avail`: every configured process (getAllConfigInfo).
    case avail
    /// `reload`: restart the daemon in place (supervisord's restart).
    case reload
    /// `shutdown`: stop everything and exit.
    case shutdown
    /// `metrics`: one sample of every process and of the daemon (CPU, memory
    /// and descriptors read from /proc now), for `/metrics` (docs/metrics.md).
    case metrics
    /// `quit`: the server closes the connection after replying. Handled by the server.
    case quit

    /// Whether the daemon should log this request with the peer's credentials
    /// (`stop web requested by uid 1000 pid 4242`).
    public var changesState: Bool {
        switch self {
        case .start, .stop, .signal, .clear, .clearMainLog, .sendStdin, .reread, .add, .remove, .reload, .shutdown:
            return true
        case .auth, .authHTTP, .version, .pid, .status, .readLog, .readMainLog, .readLogFile, .tailLog, .follow, .followFrom, .followRaw, .quit, .avail, .remoteComm, .metrics:
            return false
        }
    }

    /// Whether the reply waits for processes (start until RUNNING, stop until
    /// stopped): a client must not give up on it after a fixed time.
    public var waitsForProcesses: Bool {
        switch self {
        case .start(_, let wait, _): return wait
        case .stop(_, let wait): return wait
        default: return false
        }
    }

    /// The request as a user would type it, for log lines: `stop web worker:*`.
    /// The password of `auth` is never shown. Every word is written as it
    /// travels on the wire (percent-encoded: a space, `%`, a control byte or a
    /// non-ASCII byte is `%HH`), so a name holding `%0A` can never start a
    /// forged line in the main log.
    public var summary: String {
        func e(_ s: String) -> String { ControlEncoding.encode(s) }
        switch self {
        case .auth(let user, _): return "auth \(e(user))"
        case .authHTTP(let user, _): return "auth --http \(e(user))"
        case .sendStdin(let name, let data): return "stdin \(e(name)) (\(data.count) bytes)"
        default:
            return self.words.map { word in
                var out: [UInt8] = []
                ControlEncoding.encode(word, into: &out)
                return String(decoding: out, as: UTF8.self)
            }.joined(separator: " ")
        }
    }

    /// The words of the request, unencoded (options included).
    private var words: [[UInt8]] {
        func w(_ s: String) -> [UInt8] { Array(s.utf8) }
        switch self {
        case .auth(let u, let p): return [w("auth"), w(u), w(p)]
        case .authHTTP(let u, let p): return [w("auth"), w("--http"), w(u), w(p)]
        case .version: return [w("version")]
        case .pid: return [w("pid")]
        case .status(let names): return [w("status")] + names.map(w)
        case .start(let names, let wait, let noDeps):
            return [w("start")] + (wait ? [] : [w("--nowait")]) + (noDeps ? [w("--no-deps")] : []) + names.map(w)
        case .stop(let names, let wait): return [w("stop")] + (wait ? [] : [w("--nowait")]) + names.map(w)
        case .signal(let sig, let names): return [w("signal"), w(sig)] + names.map(w)
        case .clear(let names): return [w("clear")] + names.map(w)
        case .readLog(let name, let ch, let off, let len):
            return [w("readlog"), w(name), w(ch.rawValue), w(String(off)), w(String(len))]
        case .readMainLog(let off, let len): return [w("mainlog"), w(String(off)), w(String(len))]
        case .tailLog(let name, let ch, let off, let len):
            return [w("taillog"), w(name), w(ch.rawValue), w(String(off)), w(String(len))]
        case .clearMainLog: return [w("clearlog")]
        case .remoteComm(let type, let data): return [w("remotecomm"), w("=" + type), w("=" + data)]
        case .readLogFile(let name, let ch, let file, let off, let len):
            return [w("readlog"), w("--file=\(file)"), w(name), w(ch.rawValue), w(String(off)), w(String(len))]
        case .follow(let targets), .followFrom(let targets, _), .followRaw(let targets, _):
            var out = [w("follow")]
            if case .followRaw = self { out.append(w("--raw")) }
            if case .followFrom(_, let offsets) = self { out.append(w("--from=" + offsets.map(String.init).joined(separator: ","))) }
            if case .followRaw(_, let offsets?) = self { out.append(w("--from=" + offsets.map(String.init).joined(separator: ","))) }
            for t in targets {
                switch t {
                case .mainLog: out.append(w("main"))
                case .process(let name, let ch): out.append(w(name)); out.append(w(ch.rawValue))
                }
            }
            return out
        case .sendStdin(let name, let data): return [w("stdin"), w(name), data]
        case .reread: return [w("reread")]
        case .add(let groups): return [w("add")] + groups.map(w)
        case .remove(let groups): return [w("remove")] + groups.map(w)
        case .avail: return [w("avail")]
        case .reload: return [w("reload")]
        case .shutdown: return [w("shutdown")]
        case .metrics: return [w("metrics")]
        case .quit: return [w("quit")]
        }
    }

    /// The wire line, `\n` included. Options (`--nowait`) are written raw; every
    /// other word is percent-encoded, so a name starting with `--` stays a name.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        for (i, word) in words.enumerated() {
            if i > 0 { out.append(UInt8(ascii: " ")) }
            if word.starts(with: "--".utf8) && isOptionPosition(i) {
                out.append(contentsOf: word)
            } else if word.starts(with: "--".utf8) {
                // A name that looks like an option: escape its first dash.
                out.append(contentsOf: Array("%2D".utf8))
                ControlEncoding.encode(word.dropFirst(), into: &out)
            } else {
                ControlEncoding.encode(word, into: &out)
            }
        }
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private func isOptionPosition(_ i: Int) -> Bool {
        switch self {
        case .start(_, let wait, let noDeps): return i >= 1 && i <= (wait ? 0 : 1) + (noDeps ? 1 : 0)
        case .stop(_, false), .authHTTP: return i == 1
        case .readLogFile, .followFrom: return i == 1
        case .followRaw(_, let offsets): return i >= 1 && i <= (offsets == nil ? 1 : 2)
        default: return false
        }
    }

    /// Parse one request line (without `\n`). Returns nil for a blank line,
    /// which the server ignores; a fault for a line that is not a valid request.
    public static func decode<C: Collection>(_ line: C) -> Result<ControlRequest, ControlFault>? where C.Element == UInt8 {
        let raw = ControlEncoding.splitWords(line)
        guard let verbRaw = raw.first else { return nil }
        let verb = String(decoding: verbRaw, as: UTF8.self)
        // Options are recognised on the raw word, before decoding, so that a
        // percent-encoded `%2D-x` is a name, never an option.
        var options: [String] = []
        var args: [String] = []
        var argBytes: [[UInt8]] = []
        for word in raw.dropFirst() {
            if word.starts(with: "--".utf8) && args.isEmpty {
                options.append(String(decoding: word, as: UTF8.self))
                continue
            }
            guard let bytes = ControlEncoding.decode(word) else {
                return .failure(ControlFault(.badRequest, "bad percent escape in \(String(decoding: word, as: UTF8.self))"))
            }
            argBytes.append(bytes)
            args.append(String(decoding: bytes, as: UTF8.self))
        }
        return parse(verb: verb, options: options, args: args, argBytes: argBytes)
    }

    private static func parse(verb: String, options: [String], args: [String], argBytes: [[UInt8]]) -> Result<ControlRequest, ControlFault> {
        func bad(_ why: String) -> Result<ControlRequest, ControlFault> {
            .failure(ControlFault(.badArguments, why))
        }
        // `--file=N` and `--from=...` carry a value; only their names are matched here.
        let allowedOptions: Set<String> = verb == "start" ? ["--nowait", "--no-deps"] : verb == "stop" ? ["--nowait"]
            : verb == "readlog" ? ["--file"] : verb == "follow" ? ["--from", "--raw"] : verb == "auth" ? ["--http"] : []
        if let unknown = options.first(where: { !allowedOptions.contains(String($0.prefix(while: { $0 != "=" }))) }) {
            return bad("\(verb) does not take option \(unknown)")
        }
        func value(_ option: String) -> String? {
            options.last(where: { $0.hasPrefix(option + "=") }).map { String($0.dropFirst(option.count + 1)) }
        }
        func count(_ n: Int) -> Bool { args.count == n }
        switch verb {
        case "auth":
            guard count(2) else { return bad("auth takes USER PASSWORD") }
            if options.contains("--http") { return .success(.authHTTP(user: args[0], password: args[1])) }
            return .success(.auth(user: args[0], password: args[1]))
        case "version":
            guard count(0) else { return bad("version takes no arguments") }
            return .success(.version)
        case "pid":
            guard count(0) else { return bad("pid takes no arguments") }
            return .success(.pid)
        case "status":
            return .success(.status(names: args))
        case "start":
            guard !args.isEmpty else { return bad("start requires a process name") }
            return .success(.start(names: args, wait: !options.contains("--nowait"), noDeps: options.contains("--no-deps")))
        case "stop":
            guard !args.isEmpty else { return bad("stop requires a process name") }
            return .success(.stop(names: args, wait: !options.contains("--nowait")))
        case "signal":
            guard args.count >= 2 else { return bad("signal requires a signal name and a process name") }
            return .success(.signal(signal: args[0], names: Array(args.dropFirst())))
        case "clear":
            guard !args.isEmpty else { return bad("clear requires a process name") }
            return .success(.clear(names: args))
        case "readlog":
            guard count(4) else { return bad("readlog takes NAME CHANNEL OFFSET LENGTH") }
            guard let ch = LogChannel(rawValue: args[1]) else { return bad("bad channel \(args[1])") }
            guard let off = Int(args[2]), let len = Int(args[3]) else { return bad("OFFSET and LENGTH must be integers") }
            if !options.isEmpty {
                guard let text = value("--file"), let file = Int(text), (0...ControlProtocol.maxLogFileIndex).contains(file) else {
                    return bad("--file takes a rotation number from 0 to \(ControlProtocol.maxLogFileIndex)")
                }
                return .success(.readLogFile(name: args[0], channel: ch, file: file, offset: off, length: len))
            }
            return .success(.readLog(name: args[0], channel: ch, offset: off, length: len))
        case "mainlog":
            guard count(2) else { return bad("mainlog takes OFFSET LENGTH") }
            guard let off = Int(args[0]), let len = Int(args[1]) else { return bad("OFFSET and LENGTH must be integers") }
            return .success(.readMainLog(offset: off, length: len))
        case "taillog":
            guard count(4) else { return bad("taillog takes NAME CHANNEL OFFSET LENGTH") }
            guard let ch = LogChannel(rawValue: args[1]) else { return bad("bad channel \(args[1])") }
            guard let off = Int(args[2]), let len = Int(args[3]) else { return bad("OFFSET and LENGTH must be integers") }
            return .success(.tailLog(name: args[0], channel: ch, offset: off, length: len))
        case "clearlog":
            guard count(0) else { return bad("clearlog takes no arguments") }
            return .success(.clearMainLog)
        case "remotecomm":
            guard count(2), args.allSatisfy({ $0.hasPrefix("=") }) else { return bad("remotecomm takes =TYPE =DATA") }
            return .success(.remoteComm(type: String(args[0].dropFirst()), data: String(args[1].dropFirst())))
        case "follow":
            if args == ["main"] {
                guard options.isEmpty else { return bad("follow main takes no options") }
                return .success(.follow([.mainLog]))
            }
            guard !args.isEmpty, args.count % 2 == 0 else { return bad("follow takes main, or NAME CHANNEL pairs") }
            var targets: [FollowTarget] = []
            var i = 0
            while i < args.count {
                guard let ch = LogChannel(rawValue: args[i + 1]) else { return bad("bad channel \(args[i + 1])") }
                targets.append(.process(name: args[i], channel: ch))
                i += 2
            }
            if options.contains(where: { $0.hasPrefix("--raw=") }) { return bad("--raw takes no value") }
            let raw = options.contains("--raw")
            var offsets: [Int]? = nil
            if options.contains(where: { $0.hasPrefix("--from") }) {
                let parsed = (value("--from") ?? "").split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
                guard parsed.count == targets.count, parsed.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                    return bad("--from takes one byte offset (0 or more) per NAME CHANNEL pair, separated by commas")
                }
                offsets = parsed.compactMap { $0 }
            }
            if raw { return .success(.followRaw(targets, offsets: offsets)) }
            if let offsets { return .success(.followFrom(targets, offsets: offsets)) }
            return .success(.follow(targets))
        case "stdin":
            guard count(2) else { return bad("stdin takes NAME DATA") }
            return .success(.sendStdin(name: args[0], data: argBytes[1]))
        case "reread":
            guard count(0) else { return bad("reread takes no arguments") }
            return .success(.reread)
        case "add":
            guard !args.isEmpty else { return bad("add requires a group name") }
            return .success(.add(groups: args))
        case "remove":
            guard !args.isEmpty else { return bad("remove requires a group name") }
            return .success(.remove(groups: args))
        case "avail":
            guard count(0) else { return bad("avail takes no arguments") }
            return .success(.avail)
        case "reload":
            guard count(0) else { return bad("reload takes no arguments") }
            return .success(.reload)
        case "shutdown":
            guard count(0) else { return bad("shutdown takes no arguments") }
            return .success(.shutdown)
        case "metrics":
            guard count(0) else { return bad("metrics takes no arguments") }
            return .success(.metrics)
        case "quit":
            return .success(.quit)
        default:
            return .failure(ControlFault(.unknownMethod, verb))
        }
    }
}
