// The body of an XML-RPC response → the value or the fault, as Python's
// xmlrpc.client Unmarshaller reads what supervisord answers (supervisor/xmlrpc.py
// xmlrpc_marshal at 4.3.0 writes it with xmlrpc.client.dumps): swiftvisorctl
// uses it when the server at the other end is supervisord.
//   <methodResponse><params><param><value>…</value></param></params></methodResponse>
//   <methodResponse><fault><value><struct> faultCode, faultString </struct></value></fault></methodResponse>
// Values: `<int>`/`<i4>`/`<i8>`, `<boolean>` (0 or 1 only), `<string>`, an
// untyped `<value>` (its text), `<double>`, `<dateTime.iso8601>`, `<base64>`
// (decoded; kept as text), `<nil/>`, `<array><data>`, `<struct>` of
// `<member><name>…</name><value>…</value></member>`. Anything else, a
// response without exactly one value, or a fault without an int code and a
// string is refused: the client reports a broken server instead of guessing.
// Bounded by XMLLimits (size, nesting) like the request decoder beside it.

/// Why a response body could not be read.
public struct XMLRPCResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var detail: String
    /// What supervisorctl says of the same body, where it is known: a
    /// control character (a log read with colour codes, which supervisord
    /// sends raw) is expat's `not well-formed (invalid token): line L,
    /// column C`, the line 1-based, the column 0-based. supervisorctl's
    /// SupervisorTransport.request (supervisor/xmlrpc.py at 4.3.0) turns
    /// every non-ASCII character into `&#N;` before parsing, so the column
    /// counts one per ASCII byte and the length of `&#N;` per other character.
    public var expatMessage: String?
    public init(_ detail: String, expatMessage: String? = nil) { self.detail = detail; self.expatMessage = expatMessage }
    public var description: String { expatMessage ?? "malformed XML-RPC response: \(detail)" }

    /// expat's position of byte `offset` as supervisorctl parses: lines end at
    /// LF, CR LF or a lone CR; columns as described above.
    static func expatPosition(_ body: [UInt8], _ offset: Int) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0, i = 0
        let end = min(offset, body.count)
        while i < end {
            if body[i] == 0x0A || (body[i] == 0x0D && (i + 1 >= body.count || body[i + 1] != 0x0A)) {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        var column = 0
        for c in String(decoding: body[lineStart..<end], as: UTF8.self).unicodeScalars {
            column += c.isASCII ? 1 : "&#\(c.value);".utf8.count
        }
        return (line, column)
    }
}

/// Decodes response bodies.
public enum XMLRPCResponseDecoder {
    /// What a finished element hands to its parent.
    private enum Node {
        case value(XMLRPCValue)
        case name(String)
        case member(XMLRPCMember)
        case values([XMLRPCValue])
        case fault(XMLRPCFault)
        case none
    }

    private struct Frame {
        var tag: String
        var text = ""
        var children: [Node] = []
    }

    /// Limits for a response: the size the transport already bounded it to,
    /// and the request decoder's nesting depth.
    public static func limits(maxBytes: Int) -> XMLLimits {
        XMLLimits(maxBytes: maxBytes, maxDepth: XMLLimits.default.maxDepth, maxAttributes: XMLLimits.default.maxAttributes)
    }

    /// The call's result (a value or a fault), or why the body is not a response.
    public static func decode(_ body: [UInt8], limits: XMLLimits = .default) -> Result<XMLRPCResult, XMLRPCResponseError> {
        var stack: [Frame] = []
        var top: Node?
        do {
            var tokenizer = try XMLTokenizer(body, limits: limits)
            while let token = try tokenizer.next() {
                switch token {
                case .start(let name):
                    stack.append(Frame(tag: name))
                case .text(let text):
                    if !stack.isEmpty { stack[stack.count - 1].text.append(text) }
                case .end:
                    guard let frame = stack.popLast() else { return .failure(XMLRPCResponseError("unbalanced document")) }
                    let node: Node
                    switch finish(frame) {
                    case .success(let n): node = n
                    case .failure(let e): return .failure(e)
                    }
                    if stack.isEmpty { top = node } else { stack[stack.count - 1].children.append(node) }
                }
            }
        } catch {
            var expat: String?
            if body.indices.contains(error.offset), body[error.offset] < 0x20, ![0x09, 0x0A, 0x0D].contains(body[error.offset]) {
                let (line, column) = XMLRPCResponseError.expatPosition(body, error.offset)
                expat = "not well-formed (invalid token): line \(line), column \(column)"
            }
            return .failure(XMLRPCResponseError("\(error.reason) at byte \(error.offset)", expatMessage: expat))
        }
        switch top {
        case .values(let values)?:
            guard values.count == 1 else { return .failure(XMLRPCResponseError("\(values.count) values in a response, expected 1")) }
            return .success(.success(values[0]))
        case .fault(let fault)?:
            return .success(.failure(fault))
        default:
            return .failure(XMLRPCResponseError("not a <methodResponse>"))
        }
    }

    private static func finish(_ frame: Frame) -> Result<Node, XMLRPCResponseError> {
        func bad(_ why: String) -> Result<Node, XMLRPCResponseError> { .failure(XMLRPCResponseError("<\(frame.tag)>: \(why)")) }
        let values = frame.children.compactMap { if case .value(let v) = $0 { return v } else { return nil } }
        let text = frame.text
        switch frame.tag {
        case "int", "i4", "i8":
            guard let n = PythonSyntax.int(text) else { return bad("not an integer: \(text.prefix(40))") }
            return .success(.value(.int(n)))
        case "boolean":
            // xmlrpc.client: `bad boolean value` for anything but 0 and 1.
            switch text {
            case "0": return .success(.value(.bool(false)))
            case "1": return .success(.value(.bool(true)))
            default: return bad("not 0 or 1")
            }
        case "string":
            return .success(.value(.string(text)))
        case "double":
            guard let d = XMLRPCRequestDecoder.pythonFloat(text) else { return bad("not a number") }
            return .success(.value(.double(d)))
        case "dateTime.iso8601":
            return .success(.value(.dateTime(text)))
        case "base64":
            guard let bytes = Base64.decode(Array(text.utf8)) else { return bad("not base64") }
            return .success(.value(.string(String(decoding: bytes, as: UTF8.self))))
        case "nil":
            return .success(.value(.nil))
        case "value":
            // An untyped value is its text (xmlrpc.client end_value).
            if frame.children.isEmpty { return .success(.value(.string(text))) }
            guard values.count == 1, frame.children.count == 1 else { return bad("more than one type element") }
            return .success(.value(values[0]))
        case "data":
            guard values.count == frame.children.count else { return bad("a child that is not a <value>") }
            return .success(.values(values))
        case "array":
            guard frame.children.count == 1, case .values(let items) = frame.children[0] else { return bad("no <data>") }
            return .success(.value(.array(items)))
        case "name":
            return .success(.name(text))
        case "member":
            guard frame.children.count == 2, case .name(let name) = frame.children[0], case .value(let v) = frame.children[1] else {
                return bad("not a <name> then a <value>")
            }
            return .success(.member(XMLRPCMember(name, v)))
        case "struct":
            var members: [XMLRPCMember] = []
            for child in frame.children {
                guard case .member(let m) = child else { return bad("a child that is not a <member>") }
                // A Python dict: a repeated name keeps its place and takes the last value.
                if let i = members.firstIndex(where: { $0.name == m.name }) { members[i].value = m.value } else { members.append(m) }
            }
            return .success(.value(.struct(members)))
        case "param":
            guard values.count == 1, frame.children.count == 1 else { return bad("not exactly one <value>") }
            return .success(.value(values[0]))
        case "params":
            guard values.count == frame.children.count else { return bad("a child that is not a <param>") }
            return .success(.values(values))
        case "fault":
            guard values.count == 1, frame.children.count == 1, case .int(let code)? = values[0][member: "faultCode"],
                  case .string(let string)? = values[0][member: "faultString"] else {
                return bad("not a struct of an int faultCode and a string faultString")
            }
            return .success(.fault(XMLRPCFault(code: code, string: string)))
        case "methodResponse":
            guard frame.children.count == 1 else { return bad("not exactly one <params> or <fault>") }
            switch frame.children[0] {
            case .values, .fault: return .success(frame.children[0])
            default: return bad("not <params> or <fault>")
            }
        default:
            return bad("unknown element")
        }
    }
}
