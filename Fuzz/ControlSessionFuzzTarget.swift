// Fuzz target "control": the daemon's side of the control protocol. Bytes
// from a client go through ControlSession (framing, the line limit, the
// HTTP sniff, the auth gate, one request at a time) in chunks, every request
// the session hands out is answered as the server would, and each decoded
// request must survive its own wire form (decode ∘ encode is the identity).
// Names in requests are resolved against a small process table, and log
// read numbers through LogReadRange (the range must stay inside the file).
//
// Input: byte 0 picks the setup (bit 0: a password is configured; bits 1-7:
// the chunk size the client's bytes arrive in); the rest is what the client sends.

enum ControlSessionFuzzTarget: FuzzTarget {
    static let name = "control"

    static let table = [ProcessKey(group: "web", name: "web"), ProcessKey(group: "w", name: "w_00"),
                        ProcessKey(group: "w", name: "w_01"), ProcessKey(group: "grp", name: "a")]
    static let snapshots = table.map {
        ProcessSnapshot(name: $0.name, group: $0.group, state: 20, statename: "RUNNING", pid: 42, description: "pid 42, uptime 0:00:01",
                        stdoutLogfile: "/tmp/\($0.name).log", stderrLogfile: "")
    }

    static func run(_ input: [UInt8]) {
        guard let setup = input.first else { return }
        let credentials = setup & 1 == 1
            ? ControlCredentials(username: "user", password: "{SHA}" + SHA1.hexDigest("secret")) : nil
        var session = ControlSession(credentials: credentials, peer: PeerCredentials(pid: 1, uid: 1000, gid: 1000))
        let chunk = Int(setup >> 1) + 1
        var rest = input.dropFirst()
        var replies = 0
        while !rest.isEmpty, !session.closing {
            session.received(rest.prefix(chunk))
            rest = rest.dropFirst(chunk)
            var actions = session.next(pendingOutput: 0)
            // Perform as ControlServer does until the session waits for input.
            var rounds = 0
            while !actions.isEmpty, rounds < 10_000 {
                rounds += 1
                var more: [ControlSession.Action] = []
                for action in actions {
                    switch action {
                    case .perform(let request):
                        check(request)
                        replies += 1
                        more += session.replied(answer(request, replies))
                    case .follow, .followFrom, .followRaw:
                        replies += 1
                        more += replies % 2 == 0 ? session.followStarted() : session.followRefused(ControlFault(.badName, "no such process"))
                    case .reply(let response):
                        // The server streams it; all that matters here is the end.
                        _ = response.encoded()
                        session.replySent()
                    case .send, .audit, .close, .handOff:
                        break
                    }
                }
                more += session.next(pendingOutput: 0)
                actions = more
            }
        }
        // Every line the client could send, parsed on its own too.
        for line in fuzzLines(Array(input.dropFirst())).prefix(64) {
            if case .success(let request)? = ControlRequest.decode(line) { check(request) }
        }
    }

    /// The wire form of a decoded request decodes to the same request.
    static func check(_ request: ControlRequest) {
        _ = request.summary
        var wire = request.encoded()
        fuzzCheck(wire.last == 0x0A, "encoded request without newline")
        wire.removeLast()
        let again = ControlRequest.decode(wire)
        fuzzCheck(again == .success(request), "\(request) encodes to \(String(decoding: wire, as: UTF8.self)), which decodes to \(String(describing: again))")
    }

    /// A log read's numbers select a range inside the file and the bound,
    /// whatever the client sent (Int.min, Int.max, past the end).
    static func checkRange(offset: Int, length: Int, n: Int) {
        for size: Int64 in [0, 6, Int64(n) * 4099, 1 << 40] {
            guard let r = try? LogReadRange.clamp(offset: offset, length: length, size: size, limit: 1 << 20) else { continue }
            fuzzCheck(r.start >= 0 && r.count >= 0 && r.count <= 1 << 20 && r.start <= size && r.count <= size - r.start,
                      "readlog \(offset) \(length) on \(size) bytes gives \(r)")
        }
    }

    /// What the daemon would answer, from the names in the request.
    static func answer(_ request: ControlRequest, _ n: Int) -> ControlResponse {
        switch request {
        case .status(let names):
            return .ok(NameResolution.statusItems(names, all: snapshots))
        case .start(let names, _, _), .stop(let names, _), .signal(_, let names), .clear(let names):
            let selected = n % 2 == 0 ? NameResolution.select(names, from: table) : NameResolution.selectProcesses(names, from: table)
            return .ok(selected.isEmpty ? [] : [.pid(selected.count)])
        case .readLog(let name, _, let offset, let length):
            _ = NameResolution.process(name, in: table)
            checkRange(offset: offset, length: length, n: n)
            return .ok([.log(Array(name.utf8))])
        case .readMainLog(let offset, let length):
            checkRange(offset: offset, length: length, n: n)
            return .done
        case .readLogFile(let name, _, let file, let offset, let length):
            _ = NameResolution.process(name, in: table)
            fuzzCheck((0...ControlProtocol.maxLogFileIndex).contains(file), "readlog --file=\(file) passed the parser")
            checkRange(offset: offset, length: length, n: n)
            return .ok([.logFile(file: file, size: n, id: n), .log(Array(name.utf8))])
        case .tailLog(let name, _, let offset, let length):
            _ = NameResolution.process(name, in: table)
            return .ok(TailReply.items(bytes: Array(name.utf8), size: Int64(truncatingIfNeeded: offset),
                                       overflow: length > 0))
        default:
            return n % 3 == 0 ? .fault(ControlFault(.failed, "fuzz")) : .done
        }
    }
}
