// Drives XML-RPC calls the way swiftvisord's HTTP worker does, without it:
// each call becomes XMLRPCDispatcher steps; each `.control` step's request is
// sent on a real SWV1 connection to a running swiftvisord and its complete
// reply fed back. So the methods are tested against the real core.
import Foundation
import SwiftvisorCore
import XCTest

final class XMLRPCCoreDriver {
    let client: ControlClient
    /// Seconds to wait for one SWV1 reply (start/stop with wait take longer).
    var replyTimeout = 60.0

    /// The programs the XML-RPC method tests run: a `cat` to talk to, a
    /// group of two sleepers (one not autostarted, startsecs=1), a program
    /// whose command does not exist; logs at fixed paths under `%(here)s`.
    static let testPrograms = """
        [program:cat]
        command=cat
        startsecs=0
        stdout_logfile=%(here)s/cat.out
        stderr_logfile=%(here)s/cat.err
        [group:g]
        programs=a,b
        [program:a]
        command=sleep 1000
        startsecs=0
        stdout_logfile=%(here)s/a.out
        stderr_logfile=NONE
        [program:b]
        command=sleep 1000
        startsecs=1
        autostart=false
        stdout_logfile=%(here)s/b.out
        redirect_stderr=true
        [program:bad]
        command=/nonexistent/command
        autostart=false
        stdout_logfile=NONE
        stderr_logfile=NONE

        """

    init?(socketPath: String) {
        guard let c = ControlClient(path: socketPath) else { return nil }
        client = c
    }

    /// The answer to one call.
    func call(_ method: String, _ params: [XMLRPCValue] = []) -> XMLRPCResult {
        var step = XMLRPCDispatcher.dispatch(XMLRPCCall(methodName: method, params: params))
        while true {
            switch step {
            case .done(let result): return result
            case .control(let request, let next):
                guard let reply = exchange(request) else {
                    return .failure(XMLRPCFault(code: -1, string: "no SWV1 reply to \(request.summary)"))
                }
                step = next(reply)
            }
        }
    }

    /// One SWV1 request and its whole reply, decoded.
    private func exchange(_ request: ControlRequest) -> ControlResponse? {
        guard client.send(request.encoded()), let statusLine = client.readLine(timeout: replyTimeout),
              let status = try? ReplyLine.decodeStatus(Array(statusLine.utf8)) else { return nil }
        var items: [ControlItem] = []
        while let line = client.readLine(timeout: replyTimeout) {
            guard let decoded = try? ReplyLine.decodeBody(Array(line.utf8)) else { return nil }
            switch decoded {
            case .end:
                switch status {
                case .fault(let f): return .fault(f)
                case .ok: return .ok(items)
                case .stream: return nil
                }
            case .item(let item): items.append(item)
            case .status: return nil
            }
        }
        return nil
    }
}

extension Sandbox {
    /// Start swiftvisord on `programs` (with the sandbox's socket, logs and
    /// pidfile) and connect a driver to it.
    func startXMLRPCDaemon(_ programs: String, identifier: String? = nil) throws -> XMLRPCCoreDriver {
        try writeConfig("""
            [supervisord]
            logfile=\(mainLogPath)
            pidfile=\(pidfilePath)
            childlogdir=\(dir)
            \(identifier.map { "identifier=\($0)" } ?? "")
            [unix_http_server]
            file=\(socketPath)

            """ + programs, header: false)
        try startDaemon()
        waitUntil("control socket", timeout: 15) { self.controlClient() != nil }
        return try XCTUnwrap(XMLRPCCoreDriver(socketPath: socketPath))
    }
}

extension XMLRPCValue {
    /// The array's elements (empty for anything else).
    var elements: [XMLRPCValue] { if case .array(let a) = self { return a } else { return [] } }
}
