// Fuzz target "worker": what crosses between the core and the HTTP worker
// (docs/architecture.md, "The HTTP worker"). The core reads every message
// the worker sends as untrusted (`WorkerMessage.decode`): a worker taken
// over through a parser bug must not be able to forge main-log lines or make
// the core trap. The worker reads the core's SWV1 replies with `ReplyReader`.
// Properties: a decoded log line holds no line break or control byte but TAB
// and at most `maxLogText` bytes of input; a decoded message encodes back
// within `maxSize`; ReplyReader never buffers more than one reply line over
// its limit, stops after `.malformed`, and reaches the same events whatever
// the chunking.
//
// Input: byte 0 even: the rest is one channel message; odd: the rest is the
// core's byte stream, fed to two readers, whole and in chunks of byte 1's
// size (1-256).

enum WorkerChannelFuzzTarget: FuzzTarget {
    static let name = "worker"

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        if selector % 2 == 0 {
            channelMessage(Array(input.dropFirst()))
        } else if input.count >= 2 {
            replies(Array(input.dropFirst(2)), chunk: Int(input[1]) + 1)
        }
    }

    static func channelMessage(_ bytes: [UInt8]) {
        guard let message = WorkerMessage.decode(bytes) else { return }
        switch message {
        case .log(_, let text):
            for scalar in text.unicodeScalars {
                fuzzCheck(!(scalar.value < 0x20 && scalar != "\t") && scalar.value != 0x7F, "control byte \(scalar.value) in a log line")
            }
        case .connection(_, let initial, _):
            fuzzCheck(initial.count == bytes.count - 2, "initial bytes lost")
        }
        fuzzCheck(message.encoded().count <= WorkerMessage.maxSize + 4 * WorkerMessage.maxLogText, "encoded message too large")
    }

    static func replies(_ stream: [UInt8], chunk: Int) {
        var whole = ReplyReader()
        whole.received(stream)
        let a = drain(&whole)
        var pieces = ReplyReader()
        var b: [ReplyReader.Event] = []
        var i = 0
        while i < stream.count {
            let end = min(stream.count, i + chunk)
            pieces.received(stream[i..<end])
            b += drain(&pieces)
            fuzzCheck(pieces.bufferedCount <= ControlProtocol.maxReplyLine + chunk + 1, "reader holds \(pieces.bufferedCount) bytes")
            i = end
        }
        fuzzCheck(a == b, "events differ with chunking")
    }

    static func drain(_ reader: inout ReplyReader) -> [ReplyReader.Event] {
        var events: [ReplyReader.Event] = []
        while let event = reader.next() {
            events.append(event)
            if case .malformed = event {
                fuzzCheck(reader.next() == nil, "events after malformed")
                break
            }
        }
        return events
    }
}
