// The SWV1 line protocol's front end: translates each parsed request into a
// call of the supervision API (Supervision.swift) and its result into the
// reply. No rule lives here: name selection, result order and the verbs'
// outcomes are the core's (Sources/SwiftvisorCore/Verbs, Control/NameResolution),
// what they do to processes is the Supervisor's. docs/protocol.md lists the
// reply to each request.
import SwiftvisorCore
import SwiftvisorOS

/// The daemon's version, reported by `version`.
public let swiftvisordVersion = "0.1.0"

final class ControlService: ControlHandler {
    private unowned let supervision: Supervision
    private let auditLog: (String) -> Void

    init(supervision: Supervision, audit: @escaping (String) -> Void) {
        self.supervision = supervision
        self.auditLog = audit
    }

    func perform(_ request: ControlRequest, peer: PeerCredentials, reply: @escaping (ControlResponse) -> Void) {
        // supervisord's one exception to its mood check: remote comm events
        // are accepted while it stops.
        if case .remoteComm(let type, let data) = request {
            supervision.sendRemoteCommunication(type: type, data: data)
            return reply(.done)
        }
        guard supervision.isServing else {
            reply(.fault(ControlFault(.shutdownState)))
            return
        }
        let results = { (rs: [NameResult]) in reply(.ok(rs.map { .result($0) })) }
        switch request {
        case .version:
            reply(.ok([.version(VersionInfo(supervisor: supervisordCompatibleVersion, server: "swiftvisord \(swiftvisordVersion)",
                                            identifier: supervision.identifier))]))
        case .pid:
            reply(.ok([.pid(Int(PidFile.currentPID))]))
        case .status(let names):
            reply(.ok(NameResolution.statusItems(names, all: supervision.snapshots(), unique: true)))
        case .start(let names, let wait, let noDeps):
            supervision.start(names, wait: wait, noDeps: noDeps, done: results)
        case .stop(let names, let wait):
            supervision.stop(names, wait: wait, done: results)
        case .clearMainLog:
            reply(supervision.clearMainLog().map { .fault($0) } ?? .done)
        case .signal(let name, let names):
            results(supervision.signal(name, names))
        case .clear(let names):
            results(supervision.clearLogs(names))
        case .sendStdin(let name, let data):
            reply(supervision.writeStdin(name, data).map { .fault($0) } ?? .done)
        case .reread:
            switch supervision.reread() {
            case .failure(let fault): reply(.fault(fault))
            case .success(let changes): reply(.ok(changes.map { .change($0) }))
            }
        case .add(let groups):
            results(groups.map(supervision.addGroup))
        case .remove(let groups):
            results(groups.map(supervision.removeGroup))
        case .avail:
            reply(.ok(supervision.availableProcesses().map { .config($0) }))
        case .metrics:
            reply(.ok(supervision.metrics().items))
        case .reload:
            if let fault = supervision.reload(accepted: { reply(.done) }) { reply(.fault(fault)) }
        case .shutdown:
            supervision.shutdown { reply(.done) }
        case .auth, .authHTTP, .follow, .followFrom, .followRaw, .quit, .readLog, .readMainLog, .readLogFile, .tailLog, .remoteComm:
            reply(.fault(ControlFault(.badRequest, "handled by the server")))
        }
    }

    func followTarget(_ target: FollowTarget) -> Result<String, ControlFault> {
        supervision.logPath(target)
    }

    func audit(_ line: String) { auditLog(line) }
}
