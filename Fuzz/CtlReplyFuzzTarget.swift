// Fuzz target "ctl": swiftvisorctl's side. Reply lines from a daemon (or
// from anything listening on its socket) are decoded as CtlConnection does
// (status line, items, `.`), every decoded item must survive its own wire
// form, and the replies are handed to CtlController running a command, so
// that the formatting of every reply shape (status tables, results, logs,
// reread changes, faults) is exercised.
//
// Input: the first line is the swiftvisorctl command (`status web`,
// `tail -f web`, `update`, ...); then replies, each a status line, item
// lines and optionally `.`, separated by blank lines. The controller gets
// them in order for its requests, then "connection closed".

enum CtlReplyFuzzTarget: FuzzTarget {
    static let name = "ctl"

    static func run(_ input: [UInt8]) {
        var lines = fuzzLines(input)[...]
        guard let command = lines.popFirst() else { return }
        var replies: [ControlResponse] = []
        var follow: [(Int, [UInt8])] = []
        while !lines.isEmpty, replies.count < 16 {
            let reply = lines.prefix { !$0.isEmpty }
            lines = lines.dropFirst(reply.count + 1)
            if let response = decode(reply, follow: &follow) { replies.append(response) }
        }
        let transport = ReplayTransport(replies: replies, follow: follow)
        let terminal = DiscardTerminal()
        let controller = CtlController(serverURL: "unix:///tmp/fuzz.sock", username: nil, password: nil,
                                       interactive: false, prompt: "swiftvisor", transport: transport, terminal: terminal)
        controller.foreground = { _, _ in }
        _ = controller.onecmd(String(decoding: command, as: UTF8.self))
    }

    /// One reply as CtlConnection assembles it; nil where it would give up.
    static func decode(_ lines: ArraySlice<ArraySlice<UInt8>>, follow: inout [(Int, [UInt8])]) -> ControlResponse? {
        guard let first = lines.first, let status = try? ReplyLine.decodeStatus(first) else { return nil }
        var items: [ControlItem] = []
        for line in lines.dropFirst() {
            guard let decoded = try? ReplyLine.decodeBody(line) else { return nil }
            switch decoded {
            case .end: break
            case .status: return nil
            case .item(let item):
                let wire = item.encoded()
                let again = try? ReplyLine.decodeBody(wire.dropLast())
                fuzzCheck(again == .item(item), "\(item) encodes to \(String(decoding: wire, as: UTF8.self)), which decodes to \(String(describing: again))")
                if case .data(let target, let bytes) = item { follow.append((target, bytes)) }
                items.append(item)
            }
        }
        switch status {
        case .ok, .stream: return .ok(items)
        case .fault(let fault): return .fault(fault)
        }
    }
}

/// A daemon that answers with the fuzz input's replies, in order.
final class ReplayTransport: CtlTransport {
    var replies: [ControlResponse]
    let data: [(Int, [UInt8])]
    init(replies: [ControlResponse], follow: [(Int, [UInt8])]) { self.replies = replies; self.data = follow }
    func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse {
        guard !replies.isEmpty else { throw .closed }
        return replies.removeFirst()
    }
    func follow(_ targets: [FollowTarget], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        if !replies.isEmpty, case .fault(let fault) = replies.removeFirst() { return fault }
        for (i, bytes) in data { onData(i, bytes) }
        return nil
    }
    func reset(serverURL: String, username: String?, password: String?) {}
}

/// A terminal with no user: output is dropped, input is at EOF.
final class DiscardTerminal: CtlTerminal {
    func write(_ bytes: [UInt8]) {}
    func flush() {}
    func writeError(_ line: String) {}
    func readLine(prompt: String) -> String? { nil }
    func readPassword(prompt: String) -> String? { nil }
}
