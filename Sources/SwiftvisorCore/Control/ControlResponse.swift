// A reply of the control protocol as values, and its wire form:
//
//   SWV1 OK                     or  SWV1 STREAM   or  SWV1 ERR <code> <message>
//   <type> <key>=<value> ...    (zero or more item lines)
//   .                           (end of reply; a stream ends only if the daemon ends it)
//
// Values are percent-encoded (ControlEncoding). Clients ignore item types and
// keys they do not know, so both can grow without a new protocol version.

/// The outcome for one process (or one group) of a multi-name request: start,
/// stop, signal, clear, add, remove. Mirrors supervisord's result dicts
/// `{name, group, status, description}`.
public struct NameResult: Sendable, Equatable {
    /// Group name (for add/remove: the group asked for).
    public var group: String
    /// Process name; nil when the result is about a whole group (`g: ERROR (no
    /// such group)`) or a request that split to no process (`clear g:*`).
    public var name: String?
    /// SUCCESS (80) or the fault code.
    public var code: FaultCode
    /// supervisord's description: `OK`, or the fault string (`BAD_NAME: web`).
    public var description: String
    /// The argument that produced this result, when it did not resolve to a
    /// process (status prints bad names exactly as typed).
    public var arg: String?

    public init(group: String, name: String?, code: FaultCode, description: String = "OK", arg: String? = nil) {
        self.group = group; self.name = name; self.code = code; self.description = description; self.arg = arg
    }

    /// `group:name`, `name` when equal; `group:None` when name is nil
    /// (supervisorctl prints exactly that for `clear g:*`).
    public var namespec: String { NameResolution.namespec(group: group, process: name ?? "None") }
}

/// What `reread` found for one group.
public struct ConfigChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case added, changed, removed }
    public var kind: Kind
    public var group: String
    public init(_ kind: Kind, group: String) { self.kind = kind; self.group = group }
}

/// One configured process, as `avail` lists it (getAllConfigInfo).
public struct ConfigInfo: Sendable, Equatable {
    public var group: String
    public var name: String
    /// Whether the process's group is active in the daemon.
    public var inuse: Bool
    public var autostart: Bool
    public var groupPriority: Int
    public var processPriority: Int
    /// More getAllConfigInfo keys (`command`, `startsecs`, ...) as they come.
    public var extra: [ControlField]
    public init(group: String, name: String, inuse: Bool, autostart: Bool, groupPriority: Int, processPriority: Int, extra: [ControlField] = []) {
        self.group = group; self.name = name; self.inuse = inuse; self.autostart = autostart
        self.groupPriority = groupPriority; self.processPriority = processPriority; self.extra = extra
    }
    public var namespec: String { NameResolution.namespec(group: group, process: name) }
}

/// The daemon's versions.
public struct VersionInfo: Sendable, Equatable {
    /// What `supervisorctl version` prints: the supervisord version emulated (`4.3.0`).
    public var supervisor: String
    /// The XML-RPC API version emulated (`3.0`).
    public var api: String
    /// swiftvisord's own version (`swiftvisord 0.1.0`).
    public var server: String
    /// `[supervisord] identifier=` (supervisord's getIdentification); nil from
    /// a daemon that does not send it.
    public var identifier: String?
    public init(supervisor: String, api: String = ControlProtocol.apiVersion, server: String, identifier: String? = nil) {
        self.supervisor = supervisor; self.api = api; self.server = server; self.identifier = identifier
    }
}

/// One item line of a reply.
public enum ControlItem: Sendable, Equatable {
    /// `process ...`: a status line's data.
    case process(ProcessSnapshot)
    /// `result ...`: one name's outcome.
    case result(NameResult)
    /// `pid pid=N`.
    case pid(Int)
    /// `log data=...`: bytes read from a log.
    case log([UInt8])
    /// `logfile file=N size=S id=I`: the file a `readlog --file=N` reads, as it
    /// was when opened (`id`: its inode, to notice a rotation between reads).
    case logFile(file: Int, size: Int, id: Int)
    /// `change kind=added group=g`.
    case change(ConfigChange)
    /// `config ...`: one configured process (avail).
    case config(ConfigInfo)
    /// `version supervisor=4.3.0 api=3.0 server=...`.
    case version(VersionInfo)
    /// `data target=I bytes=...`: stream bytes of the I-th (0-based) follow target.
    case data(target: Int, bytes: [UInt8])
    /// An item a newer daemon sent that this client does not know.
    case other(type: String, fields: [ControlField])
}

/// A complete (non-streaming) reply.
public enum ControlResponse: Sendable, Equatable {
    case ok([ControlItem])
    case fault(ControlFault)

    /// The empty success reply (`SWV1 OK` / `.`).
    public static let done = ControlResponse.ok([])

    /// The whole reply on the wire, end line included.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .fault(let f):
            out.append(contentsOf: ReplyStatus.fault(f).encoded())
        case .ok(let items):
            out.append(contentsOf: ReplyStatus.ok.encoded())
            for item in items { item.encode(into: &out) }
        }
        out.append(contentsOf: ReplyLine.endLine)
        return out
    }
}

/// The first line of a reply.
public enum ReplyStatus: Sendable, Equatable {
    case ok
    case stream
    case fault(ControlFault)

    public func encoded() -> [UInt8] {
        switch self {
        case .ok: return Array("\(ControlProtocol.version) OK\n".utf8)
        case .stream: return Array("\(ControlProtocol.version) STREAM\n".utf8)
        case .fault(let f):
            var out = Array("\(ControlProtocol.version) ERR \(f.code.rawValue) ".utf8)
            ControlEncoding.encode(f.message.utf8, into: &out)
            out.append(UInt8(ascii: "\n"))
            return out
        }
    }
}

/// One decoded line of a reply.
public enum ReplyLine: Sendable, Equatable {
    case status(ReplyStatus)
    case item(ControlItem)
    case end

    /// `.\n`
    public static let endLine: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: "\n")]

    /// What can be wrong with a reply line.
    public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The status line does not start with `SWV1 `: another protocol version
        /// or not swiftvisord at all. Carries the first word seen.
        case wrongVersion(String)
        /// Not a valid line of this protocol.
        case malformed(String)
        public var description: String {
            switch self {
            case .wrongVersion(let v): return "server speaks protocol \(v.isEmpty ? "(none)" : v), expected \(ControlProtocol.version)"
            case .malformed(let l): return "malformed reply line: \(l)"
            }
        }
    }

    /// Decode the status line of a reply (without `\n`).
    public static func decodeStatus<C: Collection>(_ line: C) throws(DecodeError) -> ReplyStatus where C.Element == UInt8 {
        let words = ControlEncoding.splitWords(line)
        let text = String(decoding: line, as: UTF8.self)
        guard let first = words.first, String(decoding: first, as: UTF8.self) == ControlProtocol.version else {
            throw .wrongVersion(words.first.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        guard words.count >= 2 else { throw .malformed(text) }
        switch String(decoding: words[1], as: UTF8.self) {
        case "OK": return .ok
        case "STREAM": return .stream
        case "ERR":
            guard words.count >= 3, let code = Int(String(decoding: words[2], as: UTF8.self)) else { throw .malformed(text) }
            var message = ""
            if words.count >= 4 {
                guard let m = ControlEncoding.decode(words[3]) else { throw .malformed(text) }
                message = String(decoding: m, as: UTF8.self)
            }
            return .fault(ControlFault(code: FaultCode(code), message: message))
        default:
            throw .malformed(text)
        }
    }

    /// Whether a line after the status line is the end line, as `decodeBody`
    /// reads it: `.` alone once a trailing `\r` and spaces or tabs are dropped.
    public static func isEnd<C: Collection>(_ line: C) -> Bool where C.Element == UInt8 {
        var dot = false
        var i = line.startIndex
        while i != line.endIndex {
            let b = line[i]
            i = line.index(after: i)
            if b == UInt8(ascii: "\r") && i == line.endIndex { break }
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { continue }
            guard b == UInt8(ascii: "."), !dot else { return false }
            dot = true
        }
        return dot
    }

    /// Decode a line after the status line: an item or the end line.
    public static func decodeBody<C: Collection>(_ line: C) throws(DecodeError) -> ReplyLine where C.Element == UInt8 {
        let words = ControlEncoding.splitWords(line)
        // The line as text only for an error: a `log` line is up to 48 KiB.
        func text() -> String { String(decoding: line, as: UTF8.self) }
        guard let first = words.first else { throw .malformed(text()) }
        if first.elementsEqual(CollectionOfOne(UInt8(ascii: "."))) && words.count == 1 { return .end }
        // The item type is written raw (never percent-encoded), so only a
        // printable word survives a round trip; anything else is garbage
        // (found by the ctl fuzz target: a type ending in `\r` lost it).
        guard first.allSatisfy(ControlEncoding.isPlain) else { throw .malformed(text()) }
        let type = String(decoding: first, as: UTF8.self)
        var fields: [ControlField] = []
        fields.reserveCapacity(words.count - 1)
        for word in words.dropFirst() {
            guard let eq = word.firstIndex(of: UInt8(ascii: "=")),
                  let value = ControlEncoding.decode(word[word.index(after: eq)...]) else { throw .malformed(text()) }
            fields.append(ControlField(String(decoding: word[..<eq], as: UTF8.self), value))
        }
        guard let item = ControlItem(type: type, fields: fields) else { throw .malformed(text()) }
        return .item(item)
    }
}

// MARK: - Item wire form

extension ControlItem {
    /// Append the item line, `\n` included.
    public func encode(into out: inout [UInt8]) {
        if case .process(let p) = self { return Self.encode(p, into: &out) }
        let (type, fields) = wireFields
        out.append(contentsOf: type.utf8)
        for f in fields {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: f.key.utf8)
            out.append(UInt8(ascii: "="))
            ControlEncoding.encode(f.value, into: &out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// A `process` line, written field by field as `wireFields` lists them,
    /// without a field array or a string per number: a `status` reply of
    /// 10,000 processes is 10,000 of these (docs/benchmarks.md, "Scale").
    static func encode(_ p: ProcessSnapshot, into out: inout [UInt8]) {
        func key(_ k: StaticString) {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(UInt8(ascii: "="))
        }
        func field(_ k: StaticString, _ v: String) {
            key(k)
            var v = v
            v.withUTF8 { ControlEncoding.encode($0, into: &out) }
        }
        func field(_ k: StaticString, _ v: Int) {
            key(k)
            ControlEncoding.appendDecimal(v, to: &out)
        }
        out.append(contentsOf: "process".utf8)
        field("name", p.name); field("group", p.group); field("state", p.state); field("statename", p.statename)
        field("pid", p.pid); field("start", p.start); field("stop", p.stop); field("now", p.now)
        field("spawnerr", p.spawnerr); field("exitstatus", p.exitstatus); field("description", p.description)
        field("stdout_logfile", p.stdoutLogfile); field("stderr_logfile", p.stderrLogfile)
        if let v = p.command { field("command", v) }
        if let v = p.priority { field("priority", v) }
        if let v = p.autostart { key("autostart"); out.append(v ? UInt8(ascii: "1") : UInt8(ascii: "0")) }
        if let v = p.backoff { field("backoff", v) }
        if let v = p.stdoutBytes { field("stdout_bytes", v) }
        if let v = p.stderrBytes { field("stderr_bytes", v) }
        for f in p.extra {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: f.key.utf8)
            out.append(UInt8(ascii: "="))
            ControlEncoding.encode(f.value, into: &out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// The item line as bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    private var wireFields: (String, [ControlField]) {
        func f(_ k: String, _ v: String) -> ControlField { ControlField(k, v) }
        func f(_ k: String, _ v: Int) -> ControlField { ControlField(k, String(v)) }
        func f(_ k: String, _ v: Bool) -> ControlField { ControlField(k, v ? "1" : "0") }
        switch self {
        case .process(let p):
            var fs = [f("name", p.name), f("group", p.group), f("state", p.state), f("statename", p.statename),
                      f("pid", p.pid), f("start", p.start), f("stop", p.stop), f("now", p.now),
                      f("spawnerr", p.spawnerr), f("exitstatus", p.exitstatus), f("description", p.description),
                      f("stdout_logfile", p.stdoutLogfile), f("stderr_logfile", p.stderrLogfile)]
            if let v = p.command { fs.append(f("command", v)) }
            if let v = p.priority { fs.append(f("priority", v)) }
            if let v = p.autostart { fs.append(f("autostart", v)) }
            if let v = p.backoff { fs.append(f("backoff", v)) }
            if let v = p.stdoutBytes { fs.append(f("stdout_bytes", v)) }
            if let v = p.stderrBytes { fs.append(f("stderr_bytes", v)) }
            return ("process", fs + p.extra)
        case .result(let r):
            var fs = [f("group", r.group)]
            if let n = r.name { fs.append(f("name", n)) }
            fs.append(f("code", r.code.rawValue))
            fs.append(f("description", r.description))
            if let a = r.arg { fs.append(f("arg", a)) }
            return ("result", fs)
        case .pid(let pid):
            return ("pid", [f("pid", pid)])
        case .log(let bytes):
            return ("log", [ControlField("data", bytes)])
        case .logFile(let file, let size, let id):
            return ("logfile", [f("file", file), f("size", size), f("id", id)])
        case .change(let c):
            return ("change", [f("kind", c.kind.rawValue), f("group", c.group)])
        case .config(let c):
            return ("config", [f("group", c.group), f("name", c.name), f("inuse", c.inuse), f("autostart", c.autostart),
                               f("group_prio", c.groupPriority), f("process_prio", c.processPriority)] + c.extra)
        case .version(let v):
            var fs = [f("supervisor", v.supervisor), f("api", v.api), f("server", v.server)]
            if let id = v.identifier { fs.append(f("identifier", id)) }
            return ("version", fs)
        case .data(let target, let bytes):
            return ("data", [f("target", target), ControlField("bytes", bytes)])
        case .other(let type, let fields):
            return (type, fields)
        }
    }

    /// Build a typed item from its wire fields; nil when a required field is
    /// missing or not a number. Unknown types become `.other`.
    /// The fields a `process` / `config` item decodes; any other is kept as `extra`.
    /// Built once: a `status` reply of 10,000 processes decodes 10,000 items.
    private static let processKeys: Set<String> = [
        "name", "group", "state", "statename", "pid", "start", "stop", "now", "spawnerr",
        "exitstatus", "description", "stdout_logfile", "stderr_logfile", "command",
        "priority", "autostart", "backoff", "stdout_bytes", "stderr_bytes"]
    private static let configKeys: Set<String> = ["group", "name", "inuse", "autostart", "group_prio", "process_prio"]
    private static let typedKinds: Set<String> = ["process", "result", "pid", "log", "logfile", "change", "config", "version", "data"]

    init?(type: String, fields: [ControlField]) {
        // Other types (`pmetric`: 1,000 of them in one `metrics` reply) are
        // kept as they came; only the typed ones need the key map.
        guard Self.typedKinds.contains(type) else {
            self = .other(type: type, fields: fields)
            return
        }
        var map: [String: ControlField] = [:]
        for field in fields where map[field.key] == nil { map[field.key] = field }
        func s(_ k: String) -> String? { map[k]?.string }
        func i(_ k: String) -> Int? { s(k).flatMap { Int($0) } }
        func b(_ k: String) -> Bool? { s(k).map { $0 == "1" } }
        switch type {
        case "process":
            guard let name = s("name"), let group = s("group"), let state = i("state") else { return nil }
            let known = Self.processKeys
            self = .process(ProcessSnapshot(
                name: name, group: group, state: state, statename: s("statename") ?? "UNKNOWN",
                pid: i("pid") ?? 0, start: i("start") ?? 0, stop: i("stop") ?? 0, now: i("now") ?? 0,
                spawnerr: s("spawnerr") ?? "", exitstatus: i("exitstatus") ?? 0, description: s("description") ?? "",
                stdoutLogfile: s("stdout_logfile") ?? "", stderrLogfile: s("stderr_logfile") ?? "",
                command: s("command"), priority: i("priority"), autostart: b("autostart"), backoff: i("backoff"),
                stdoutBytes: i("stdout_bytes"), stderrBytes: i("stderr_bytes"),
                extra: fields.filter { !known.contains($0.key) }))
        case "result":
            guard let group = s("group"), let code = i("code") else { return nil }
            self = .result(NameResult(group: group, name: s("name"), code: FaultCode(code),
                                      description: s("description") ?? "", arg: s("arg")))
        case "pid":
            guard let pid = i("pid") else { return nil }
            self = .pid(pid)
        case "log":
            self = .log(map["data"]?.value ?? [])
        case "logfile":
            guard let file = i("file"), let size = i("size"), let id = i("id") else { return nil }
            self = .logFile(file: file, size: size, id: id)
        case "change":
            guard let kind = s("kind").flatMap(ConfigChange.Kind.init(rawValue:)), let group = s("group") else { return nil }
            self = .change(ConfigChange(kind, group: group))
        case "config":
            guard let group = s("group"), let name = s("name") else { return nil }
            let known = Self.configKeys
            self = .config(ConfigInfo(group: group, name: name, inuse: b("inuse") ?? false, autostart: b("autostart") ?? false,
                                      groupPriority: i("group_prio") ?? 0, processPriority: i("process_prio") ?? 0,
                                      extra: fields.filter { !known.contains($0.key) }))
        case "version":
            self = .version(VersionInfo(supervisor: s("supervisor") ?? "", api: s("api") ?? "", server: s("server") ?? "",
                                        identifier: s("identifier")))
        case "data":
            guard let target = i("target") else { return nil }
            self = .data(target: target, bytes: map["bytes"]?.value ?? [])
        default:
            self = .other(type: type, fields: fields)
        }
    }
}
