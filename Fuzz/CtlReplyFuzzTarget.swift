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
//
// The same input is also read as a `follow --raw` stream (RawFollowFrame, as
// CtlConnection reads it): whole, and again as if received in two pieces cut
// at a point the input chooses; both must give the same frames, within the
// bytes received, each step past the last.

enum CtlReplyFuzzTarget: FuzzTarget {
    static let name = "ctl"

    static func run(_ input: [UInt8]) {
        rawFrames(input)
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

    /// The raw follow parser's steps over `input`, whole and received in two pieces.
    static func rawFrames(_ input: [UInt8]) {
        struct Seen: Equatable { let target: Int; let bytes: [UInt8] }
        // Steps over `received` from `start` until more is needed; nil once garbled.
        func steps(_ received: [UInt8], from start: inout Int, into seen: inout [Seen]) -> Bool {
            while true {
                let step = received.withUnsafeBytes { RawFollowFrame.next(in: $0, from: start) }
                switch step {
                case .frame(let target, let bytes, let next):
                    fuzzCheck(bytes.lowerBound > start && bytes.upperBound <= received.count && next == bytes.upperBound,
                              "frame \(bytes) next \(next) from \(start) in \(received.count)")
                    fuzzCheck(bytes.count <= RawFollowFrame.maxLength, "frame of \(bytes.count) bytes")
                    seen.append(Seen(target: target, bytes: Array(received[bytes])))
                    start = next
                case .line(let range, let next):
                    fuzzCheck(range.lowerBound == start && next == range.upperBound + 1 && next <= received.count,
                              "line \(range) next \(next) from \(start) in \(received.count)")
                    start = next
                case .needMore: return true
                case .malformed: return false
                }
            }
        }
        var whole: [Seen] = []
        var at = 0
        let wholeOK = steps(input, from: &at, into: &whole)
        // The cut: the first byte, scaled to the input.
        let cut = input.isEmpty ? 0 : Int(input[0]) * input.count / 256
        var pieces: [Seen] = []
        var at2 = 0
        var piecesOK = steps(Array(input[..<cut]), from: &at2, into: &pieces)
        if piecesOK { piecesOK = steps(input, from: &at2, into: &pieces) }
        fuzzCheck(wholeOK == piecesOK && whole == pieces && at == at2,
                  "whole: \(whole.count) frames to \(at), in pieces: \(pieces.count) frames to \(at2)")
        render(whole.map { ($0.target, $0.bytes) }, prefixLength: input.count % 13, keep: input.count % 2 == 0)
    }

    /// `logs -f`'s renderer over the frames, one per target as swiftvisorctl
    /// keeps them, against the plain rendering of each stream's whole bytes
    /// (its unsafe word loads and stores run under AddressSanitizer here).
    static func render(_ frames: [(Int, [UInt8])], prefixLength: Int, keep: Bool) {
        let prefix = [UInt8](repeating: UInt8(ascii: "p"), count: prefixLength)
        var renderers: [Int: FollowRenderer] = [:]
        var streams: [Int: [UInt8]] = [:]
        var out: [Int: [UInt8]] = [:]
        for (target, bytes) in frames {
            var r = renderers[target] ?? FollowRenderer(prefix: prefix, keepTimestamps: keep)
            var o = out[target] ?? []
            r.feed(bytes, into: &o)
            renderers[target] = r
            out[target] = o
            streams[target, default: []] += bytes
        }
        for (target, bytes) in streams {
            var o = out[target] ?? []
            renderers[target]?.flush(into: &o)
            var expected: [UInt8] = []
            func line(_ text: ArraySlice<UInt8>) {
                var t = Array(text)
                if !keep, LogTimestamp.parse(t) != nil { t.removeFirst(LogTimestamp.width) }
                expected += prefix + t + [0x0A]
            }
            var start = 0
            for i in bytes.indices where bytes[i] == 0x0A {
                line(bytes[start..<i])
                start = i + 1
            }
            if start < bytes.count { line(bytes[start...]) }
            fuzzCheck(o == expected, "target \(target): rendered \(o.count) bytes, expected \(expected.count)")
        }
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
