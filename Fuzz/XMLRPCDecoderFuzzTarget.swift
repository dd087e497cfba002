// Fuzz target "xmlrpc": XMLRPCRequestDecoder and the XML tokenizer under it
// (docs/protocol.md §9.5), on a request body. What it accepts must survive
// our own encoding (decode ∘ encode is the identity), except doubles (NaN is
// not equal to itself), ints beyond 32 bits (the encoder clamps them, as
// supervisord's capped_int) and text holding a CR or a character XML forbids
// (from `&#13;` or `<base64>`: the encoder sends U+FFFD for the latter and a
// raw CR reads back as LF). The decoded call then goes through what the
// server does next: name resolution, the introspection methods, multicall
// shaping and the encoding of an answer.
//
// Input: the request body.

enum XMLRPCDecoderFuzzTarget: FuzzTarget {
    static let name = "xmlrpc"
    static let limits = XMLLimits(maxBytes: 1 << 16, maxDepth: 32, maxAttributes: 8)

    static func run(_ input: [UInt8]) {
        guard case .success(let call) = XMLRPCRequestDecoder.decode(input, limits: limits) else { return }
        fuzzCheck(!call.methodName.isEmpty, "an empty method name was accepted")
        if survivesEncoding(call.params + [.string(call.methodName)]) {
            let again = XMLRPCRequestDecoder.decode(XMLRPCEncoder.call(call.methodName, call.params))
            fuzzCheck((try? again.get()) == call, "decode(encode(call)) differs")
        }
        _ = XMLRPCMethod.resolve(call.methodName)
        let result = XMLRPCMulticall.run(call.params) { c in
            XMLRPCIntrospection.call(c.methodName, c.params) ?? XMLRPCMethod.resolve(c.methodName).map { _ in .bool(true) }
        }
        // The answer must be well-formed XML whatever it holds (a multicall
        // of listMethods can be far larger than a request may be, so it is
        // read with limits of its own size).
        let answer = XMLRPCEncoder.result(result)
        do {
            var tokenizer = try XMLTokenizer(answer, limits: XMLLimits(maxBytes: answer.count, maxDepth: 64, maxAttributes: 0))
            while try tokenizer.next() != nil {}
        } catch {
            fuzzCheck(false, "an encoded answer is not well-formed XML: \(error.reason) at byte \(error.offset)")
        }
    }

    static func survivesEncoding(_ values: [XMLRPCValue]) -> Bool {
        values.allSatisfy {
            switch $0 {
            case .double: return false
            // The encoder clamps to 32 bits (supervisord's capped_int); the
            // decoder reads up to 64.
            case .int(let n): return Int(Int32.min)...Int(Int32.max) ~= n
            case .string(let s): return s.unicodeScalars.allSatisfy { $0 != "\r" && XMLTokenizer.isXMLChar($0.value) }
            case .array(let items): return survivesEncoding(items)
            case .struct(let members): return survivesEncoding(members.map(\.value)) && survivesEncoding(members.map { .string($0.name) })
            default: return true
            }
        }
    }
}
