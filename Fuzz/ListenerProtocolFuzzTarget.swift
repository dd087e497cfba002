// Fuzz target "listener": ListenerProtocol and EventPool, what the daemon
// runs on every byte an event listener writes on its stdout
// (docs/events.md). The listener's bytes arrive in chunks; whenever the pool
// can dispatch it writes the next event. Properties: memory held between
// reads stays bounded, no event is lost or duplicated (every accepted event
// is queued, held by the listener, or was dropped by an overflow line), and a
// listener is BUSY exactly while it holds an event.
//
// Input: byte 0 is the chunk size (1-256), byte 1 picks the result handler;
// the rest is what the listener writes.

enum ListenerProtocolFuzzTarget: FuzzTarget {
    static let name = "listener"

    static func run(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let chunk = Int(input[0]) + 1
        let handler: ResultHandler = input[1] & 1 == 0 ? .standard : .supervisorStdout
        var pool = EventPool(name: "p", events: ["EVENT"], bufferSize: 3, handler: handler, listenerNames: ["l"])
        pool.listenerSpawned("l")
        pool.listenerRunning("l", true)
        var accepted = 0
        var dropped = 0
        var done = 0
        var rest = input.dropFirst(2)
        while !rest.isEmpty {
            var actions = pool.accept(.remoteCommunication(type: "t", data: "é\(accepted)"), serial: accepted)
            accepted += 1
            actions += pool.dispatch(identifier: "supervisor") { _, bytes in
                fuzzCheck(!bytes.isEmpty, "an empty envelope")
                return .written
            }
            let wasHeld = pool.listeners[0].held != nil
            let answer = pool.received("l", rest.prefix(chunk))
            rest = rest.dropFirst(chunk)
            if wasHeld, pool.listeners[0].held == nil, !answer.contains(where: { if case .log(_, let l) = $0 { return l.hasPrefix("rebuffering") } else { return false } }) {
                done += 1
            }
            actions += answer
            for a in actions {
                if case .log(_, let line) = a, line.hasPrefix("pool p event buffer overflowed") { dropped += 1 }
            }
            let l = pool.listeners[0]
            fuzzCheck((l.proto.state == .busy) == (l.held != nil), "state \(l.proto.state) with held \(l.held != nil)")
            fuzzCheck(l.proto.bufferedCount <= ListenerProtocol.maxResultLine + chunk + handler.keptBodyBytes, "\(l.proto.bufferedCount) bytes held")
            fuzzCheck(pool.queue.count <= pool.bufferSize, "queue over buffer_size")
            let held = l.held == nil ? 0 : 1
            fuzzCheck(pool.queue.count + held + dropped + done == accepted,
                      "accounting: queued \(pool.queue.count) held \(held) dropped \(dropped) done \(done) accepted \(accepted)")
        }
    }
}
