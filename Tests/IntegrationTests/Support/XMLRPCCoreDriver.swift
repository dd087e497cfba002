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

extension XMLRPCValue {
    /// The array's elements (empty for anything else).
    var elements: [XMLRPCValue] { if case .array(let a) = self { return a } else { return [] } }
}
