// swiftvisorctl speaking to supervisord: each ControlRequest the controller
// sends becomes the XML-RPC calls supervisorctl 4.3.0 makes for that command
// (supervisorctl.py DefaultControllerPlugin at 4.3.0: one call per name, in
// argument order; the *Group call for `g:*`/`g:`; the *All call when `all` is
// named), and the answers become the ControlResponse swiftvisord would have
// sent, so CtlController prints the same lines from either server. Pure: the
// transport (SwiftvisorOS/CtlHTTPSession.swift) carries the calls.

/// One XML-RPC call of an exchange.
public struct CtlXMLRPCCall: Sendable, Equatable {
    public var method: String
    public var params: [XMLRPCValue]
    /// The server answers only when processes have started or stopped
    /// (supervisord's deferred methods): no reply deadline applies.
    public var waitsForProcesses: Bool

    public init(_ method: String, _ params: [XMLRPCValue] = [], waitsForProcesses: Bool = false) {
        self.method = method; self.params = params; self.waitsForProcesses = waitsForProcesses
    }

    /// The request body, as xmlrpc.client writes it.
    public var body: [UInt8] { XMLRPCEncoder.call(method, params) }
}

/// The calls for one ControlRequest, driven by the transport: `start()`, then
/// `receive(_:)` with each call's result until a step is `.done`.
public struct CtlXMLRPCExchange: Sendable {
    public enum Step: Sendable, Equatable {
        case call(CtlXMLRPCCall)
        case done(ControlResponse)
    }

    /// How one call's answer becomes reply items.
    enum Answer: Sendable, Equatable {
        /// getVersion: the API version, kept for the next call's item.
        case apiVersion
        /// getSupervisorVersion: the `version` item.
        case supervisorVersion
        case pid
        /// getAllProcessInfo filtered as swiftvisord answers `status NAMES`.
        case status([String])
        /// An array of result structs (*Group and *All calls). A BAD_NAME
        /// fault of a group call is that group's `no such group` result.
        case results(group: String?)
        /// A single-process call: true is SUCCESS, a fault is that process's
        /// result (supervisorctl builds the same dict from the fault).
        case single(group: String, name: String?)
        /// addProcessGroup / removeProcessGroup: a result for the group.
        case groupChange(String)
        case log
        /// tailProcess*Log's `[bytes, size, overflow]`: swiftvisord's `taillog` reply.
        case tail
        case reread
        case avail
        /// true (shutdown, restart, sendProcessStdin): an empty success.
        case done
    }

    private var pending: [(CtlXMLRPCCall, Answer)]
    private var next = 0
    private var items: [ControlItem] = []
    private var apiVersion = ControlProtocol.apiVersion

    public init(_ request: ControlRequest) {
        pending = Self.plan(request)
    }

    /// The calls supervisorctl makes for `request`, with how each answer reads.
    static func plan(_ request: ControlRequest) -> [(CtlXMLRPCCall, Answer)] {
        func call(_ m: String, _ p: [XMLRPCValue] = [], waits: Bool = false) -> CtlXMLRPCCall {
            CtlXMLRPCCall("supervisor." + m, p, waitsForProcesses: waits)
        }
        /// start/stop/signal: the *All call, or per name the *Group or single call.
        func perName(_ names: [String], all: CtlXMLRPCCall, group: (String) -> CtlXMLRPCCall,
                     single: (String) -> CtlXMLRPCCall) -> [(CtlXMLRPCCall, Answer)] {
            if names.contains("all") { return [(all, .results(group: nil))] }
            return names.map { name in
                let (g, p) = NameResolution.split(name)
                return p == nil ? (group(g), .results(group: g)) : (single(name), .single(group: g, name: p))
            }
        }
        let s = XMLRPCValue.string
        switch request {
        case .version:
            // upcheck's getVersion, then what `version` prints.
            return [(call("getVersion"), .apiVersion), (call("getSupervisorVersion"), .supervisorVersion)]
        case .pid:
            return [(call("getPID"), .pid)]
        case .status(let names):
            return [(call("getAllProcessInfo"), .status(names))]
        case .start(let names, let wait, _):
            // --no-deps is swiftvisord's: supervisord has no dependencies to pull in.
            // supervisorctl sends no wait argument (true by default); --nowait sends false.
            let w: [XMLRPCValue] = wait ? [] : [.bool(false)]
            return perName(names, all: call("startAllProcesses", w, waits: wait),
                           group: { call("startProcessGroup", [s($0)] + w, waits: wait) },
                           single: { call("startProcess", [s($0)] + w, waits: wait) })
        case .stop(let names, let wait):
            let w: [XMLRPCValue] = wait ? [] : [.bool(false)]
            return perName(names, all: call("stopAllProcesses", w, waits: wait),
                           group: { call("stopProcessGroup", [s($0)] + w, waits: wait) },
                           single: { call("stopProcess", [s($0)] + w, waits: wait) })
        case .signal(let sig, let names):
            return perName(names, all: call("signalAllProcesses", [s(sig)]),
                           group: { call("signalProcessGroup", [s($0), s(sig)]) },
                           single: { call("signalProcess", [s($0), s(sig)]) })
        case .clear(let names):
            if names.contains("all") { return [(call("clearAllProcessLogs", waits: true), .results(group: nil))] }
            return names.map { name in
                let (g, p) = NameResolution.split(name)
                return (call("clearProcessLogs", [s(name)]), .single(group: g, name: p))
            }
        case .readLog(let name, let channel, let offset, let length):
            let method = channel == .stdout ? "readProcessStdoutLog" : "readProcessStderrLog"
            return [(call(method, [s(name), .int(offset), .int(length)]), .log)]
        case .readMainLog(let offset, let length):
            return [(call("readLog", [.int(offset), .int(length)]), .log)]
        case .tailLog(let name, let channel, let offset, let length):
            let method = channel == .stdout ? "tailProcessStdoutLog" : "tailProcessStderrLog"
            return [(call(method, [s(name), .int(offset), .int(length)]), .tail)]
        case .clearMainLog:
            return [(call("clearLog"), .done)]
        case .remoteComm(let type, let data):
            return [(call("sendRemoteCommEvent", [s(type), s(data)]), .done)]
        case .sendStdin(let name, let data):
            return [(call("sendProcessStdin", [s(name), s(String(decoding: data, as: UTF8.self))]), .done)]
        case .reread:
            return [(call("reloadConfig"), .reread)]
        case .add(let groups):
            return groups.map { (call("addProcessGroup", [s($0)]), .groupChange($0)) }
        case .remove(let groups):
            return groups.map { (call("removeProcessGroup", [s($0)]), .groupChange($0)) }
        case .avail:
            return [(call("getAllConfigInfo"), .avail)]
        case .reload:
            return [(call("restart"), .done)]
        case .shutdown:
            return [(call("shutdown"), .done)]
        case .auth, .authHTTP, .quit, .follow, .followFrom, .followRaw, .readLogFile, .metrics:
            // Credentials travel in each HTTP request; a follow is an HTTP
            // stream (/logtail), not a call. supervisord cannot read a log's
            // rotations (`readlog --file`, swiftvisord's, for `logs`);
            // `metrics` is swiftvisord's own (/metrics).
            return []
        }
    }

    /// The first step.
    public mutating func start() -> Step { step() }

    /// Feed the answer to the call last returned; the next step.
    public mutating func receive(_ result: XMLRPCResult) -> Step {
        guard next < pending.count else { return .done(.ok(items)) }
        let answer = pending[next].1
        next += 1
        switch result {
        case .success(let value):
            guard let converted = convert(value, answer) else {
                return .done(.fault(ControlFault(code: .failed, message: "unexpected answer to \(pending[next - 1].0.method)")))
            }
            items += converted
        case .failure(let f):
            let fault = ControlFault(code: FaultCode(f.code), message: f.string)
            switch answer {
            case .results(let group?) where fault.code == .badName:
                items.append(.result(NameResult(group: group, name: nil, code: .badName, description: f.string)))
            case .single(let group, let name):
                items.append(.result(NameResult(group: group, name: name, code: fault.code, description: f.string)))
            case .groupChange(let group):
                items.append(.result(NameResult(group: group, name: nil, code: fault.code, description: f.string)))
            default:
                return .done(.fault(fault))
            }
        }
        return step()
    }

    private func step() -> Step {
        next < pending.count ? .call(pending[next].0) : .done(.ok(items))
    }

    /// The items for a successful answer; nil when its shape is not what
    /// supervisord sends.
    private mutating func convert(_ value: XMLRPCValue, _ answer: Answer) -> [ControlItem]? {
        switch answer {
        case .apiVersion:
            guard case .string(let v) = value else { return nil }
            apiVersion = v
            return []
        case .supervisorVersion:
            guard case .string(let v) = value else { return nil }
            return [.version(VersionInfo(supervisor: v, api: apiVersion, server: "supervisord \(v)"))]
        case .pid:
            guard case .int(let pid) = value else { return nil }
            return [.pid(pid)]
        case .status(let names):
            guard case .array(let infos) = value else { return nil }
            var snapshots: [ProcessSnapshot] = []
            for info in infos {
                guard let p = Self.snapshot(info) else { return nil }
                snapshots.append(p)
            }
            return NameResolution.statusItems(names, all: snapshots, unique: true)
        case .results:
            guard case .array(let structs) = value else { return nil }
            var out: [ControlItem] = []
            for r in structs {
                guard case .string(let group)? = r[member: "group"], case .int(let status)? = r[member: "status"] else { return nil }
                let name: String? = if case .string(let n)? = r[member: "name"] { n } else { nil }
                let description: String = if case .string(let d)? = r[member: "description"] { d } else { "" }
                out.append(.result(NameResult(group: group, name: name, code: FaultCode(status), description: description)))
            }
            return out
        case .single(let group, let name):
            // supervisorctl prints success whatever true-ish value comes back
            // (startProcess of `g:*` would be an array; names with no process
            // part take the group path above).
            return [.result(NameResult(group: group, name: name, code: .success))]
        case .groupChange(let group):
            return [.result(NameResult(group: group, name: nil, code: .success))]
        case .log:
            guard case .string(let text) = value else { return nil }
            return [.log(Array(text.utf8))]
        case .tail:
            guard case .array(let parts) = value, parts.count == 3, case .string(let text) = parts[0],
                  case .int(let size) = parts[1], case .bool(let overflow) = parts[2] else { return nil }
            return TailReply.items(bytes: Array(text.utf8), size: Int64(size), overflow: overflow)
        case .reread:
            // [[added, changed, removed]]
            guard case .array(let outer) = value, outer.count == 1, case .array(let lists) = outer[0], lists.count == 3 else { return nil }
            var out: [ControlItem] = []
            for (kind, list) in zip([ConfigChange.Kind.added, .changed, .removed], lists) {
                guard case .array(let names) = list else { return nil }
                for case .string(let g) in names { out.append(.change(ConfigChange(kind, group: g))) }
            }
            return out
        case .avail:
            guard case .array(let infos) = value else { return nil }
            var out: [ControlItem] = []
            for info in infos {
                guard case .string(let group)? = info[member: "group"], case .string(let name)? = info[member: "name"] else { return nil }
                out.append(.config(ConfigInfo(group: group, name: name, inuse: Self.bool(info[member: "inuse"]),
                                              autostart: Self.bool(info[member: "autostart"]),
                                              groupPriority: Self.int(info[member: "group_prio"]),
                                              processPriority: Self.int(info[member: "process_prio"]))))
            }
            return out
        case .done:
            return []
        }
    }

    static func int(_ v: XMLRPCValue?) -> Int {
        if case .int(let n)? = v { return n }
        return 0
    }

    static func bool(_ v: XMLRPCValue?) -> Bool {
        switch v {
        case .bool(let b)?: return b
        case .int(let n)?: return n != 0
        default: return false
        }
    }

    static func string(_ v: XMLRPCValue?) -> String {
        if case .string(let s)? = v { return s }
        return ""
    }

    /// A getProcessInfo struct (supervisor/rpcinterface.py getProcessInfo at 4.3.0).
    static func snapshot(_ info: XMLRPCValue) -> ProcessSnapshot? {
        guard case .string(let name)? = info[member: "name"], case .string(let group)? = info[member: "group"],
              case .int(let state)? = info[member: "state"] else { return nil }
        return ProcessSnapshot(
            name: name, group: group, state: state, statename: string(info[member: "statename"]),
            pid: int(info[member: "pid"]), start: int(info[member: "start"]), stop: int(info[member: "stop"]),
            now: int(info[member: "now"]), spawnerr: string(info[member: "spawnerr"]),
            exitstatus: int(info[member: "exitstatus"]), description: string(info[member: "description"]),
            stdoutLogfile: string(info[member: "stdout_logfile"]), stderrLogfile: string(info[member: "stderr_logfile"]))
    }
}
