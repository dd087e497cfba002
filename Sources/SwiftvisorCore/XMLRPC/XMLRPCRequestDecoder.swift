// The body of an XML-RPC request → method name and parameters, with the
// semantics of supervisord's own unmarshaller (supervisor/xmlrpc.py
// supervisor_xmlrpc_handler.loads at 4.3.0), not those of the XML-RPC spec.
// supervisord walks every element's end event and replaces the element's text
// by a value:
//   int, i4            int(text)                  (surrounding blanks, `_`)
//   boolean            text == "1"                (`true` is false)
//   string             text, or ""
//   double             float(text)
//   dateTime.iso8601   %Y%m%dT%H:%M:%S
//   base64             decoded, then as UTF-8 text
//   array              its first child's value    (the `data` list)
//   data               the list of its children's values
//   struct             {first child of each member: second child}
//   param              its first child's value
//   value              its first child's value; with no child its text, or ""
//   methodName         the method (raw text)
//   params             the parameters: the list of its children's values
//   anything else      its raw text, None when empty (`<nil/>`, `<i8>5</i8>`)
// "Text" is the character data before an element's first child. The names are
// matched wherever they appear; the last methodName and params win.
// A document that does not parse, or a value Python could not convert, makes
// supervisord log `XML-RPC request data %r is invalid: unmarshallable` and
// answer HTTP 400; a missing or empty method name, `... is invalid: no method
// name` and 400.

/// A decoded call.
public struct XMLRPCCall: Sendable, Equatable {
    public var methodName: String
    public var params: [XMLRPCValue]
    public init(methodName: String, params: [XMLRPCValue]) {
        self.methodName = methodName
        self.params = params
    }
}

/// Why a request body was refused (answered with HTTP 400).
public struct XMLRPCRequestError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case unmarshallable
        case noMethodName
    }

    public var kind: Kind
    /// What exactly was wrong, for the log and tests.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The status supervisord answers with.
    public var status: HTTPStatus { .badRequest }

    /// supervisord's log message for this refusal, the body shown as Python's
    /// repr. The body is cut to `maxShown` bytes (supervisord logs all of it,
    /// which lets one request write a megabyte to the log).
    public func logMessage(body: [UInt8], maxShown: Int = 4096) -> String {
        let shown = String(decoding: body.prefix(maxShown), as: UTF8.self)
        let cut = body.count > maxShown ? " (\(body.count - maxShown) more bytes)" : ""
        let why = kind == .unmarshallable ? "unmarshallable" : "no method name"
        return "XML-RPC request data \(pythonRepr(shown))\(cut) is invalid: \(why)"
    }
}

/// Decodes request bodies.
public enum XMLRPCRequestDecoder {
    /// One finished element: its value, and for an element supervisord does not
    /// clear, its first two children's values (what `struct` unpacks a member
    /// into) and how many children it had.
    private struct Node {
        var value: XMLRPCValue
        var childCount: Int
        var pair: (XMLRPCValue, XMLRPCValue)?
    }

    private struct Frame {
        var tag: String
        var text: String?
        var children: [Node] = []
        var hasChildren = false
    }

    /// Elements supervisord clears after converting them (their children no
    /// longer count as children).
    private static let cleared: Set<String> = [
        "int", "i4", "boolean", "string", "double", "dateTime.iso8601",
        "array", "data", "struct", "base64", "param", "value",
    ]

    public static func decode(_ body: [UInt8], limits: XMLLimits = .default) -> Result<XMLRPCCall, XMLRPCRequestError> {
        var method: String?
        var params: [XMLRPCValue]?
        var stack: [Frame] = []
        do {
            var tokenizer = try XMLTokenizer(body, limits: limits)
            while let token = try tokenizer.next() {
                switch token {
                case .start(let name):
                    if !stack.isEmpty { stack[stack.count - 1].hasChildren = true }
                    stack.append(Frame(tag: name))
                case .text(let text):
                    guard !stack.isEmpty, !stack[stack.count - 1].hasChildren else { continue }
                    // Appended in place: text cut into many pieces by comments
                    // or CDATA sections costs linear time, not quadratic.
                    if stack[stack.count - 1].text == nil {
                        stack[stack.count - 1].text = text
                    } else {
                        stack[stack.count - 1].text?.append(text)
                    }
                case .end:
                    let frame = stack.removeLast()
                    let value: XMLRPCValue
                    switch convert(frame) {
                    case .success(let v): value = v
                    case .failure(let e): return .failure(e)
                    }
                    if frame.tag == "methodName" { method = frame.text }
                    if frame.tag == "params" { params = frame.children.map(\.value) }
                    let kept = !cleared.contains(frame.tag)
                    let node = Node(
                        value: value,
                        childCount: kept ? frame.children.count : 0,
                        pair: kept && frame.children.count == 2 ? (frame.children[0].value, frame.children[1].value) : nil
                    )
                    if !stack.isEmpty { stack[stack.count - 1].children.append(node) }
                }
            }
        } catch {
            return .failure(XMLRPCRequestError(.unmarshallable, "\(error.reason) at byte \(error.offset)"))
        }
        guard let method, !method.isEmpty else {
            return .failure(XMLRPCRequestError(.noMethodName, "no <methodName>, or an empty one"))
        }
        return .success(XMLRPCCall(methodName: method, params: params ?? []))
    }

    private static func convert(_ frame: Frame) -> Result<XMLRPCValue, XMLRPCRequestError> {
        func bad(_ why: String) -> Result<XMLRPCValue, XMLRPCRequestError> {
            .failure(XMLRPCRequestError(.unmarshallable, "<\(frame.tag)>: \(why)"))
        }
        switch frame.tag {
        case "int", "i4":
            guard let text = frame.text, let n = PythonSyntax.int(text) else { return bad("not an integer (or beyond 64 bits)") }
            return .success(.int(n))
        case "boolean":
            return .success(.bool(frame.text == "1"))
        case "string":
            return .success(.string(frame.text ?? ""))
        case "double":
            guard let text = frame.text, let d = pythonFloat(text) else { return bad("not a number") }
            return .success(.double(d))
        case "dateTime.iso8601":
            guard let text = frame.text, isISO8601(text) else { return bad("not %Y%m%dT%H:%M:%S") }
            return .success(.dateTime(text))
        case "base64":
            guard let decoded = Base64.decode(Array((frame.text ?? "").utf8)) else { return bad("not base64") }
            guard let text = String(validating: decoded, as: UTF8.self) else { return bad("decodes to bytes that are not UTF-8") }
            return .success(.string(text))
        case "array", "param":
            guard let first = frame.children.first else { return bad("no child element") }
            return .success(first.value)
        case "data":
            return .success(.array(frame.children.map(\.value)))
        case "struct":
            var members: [XMLRPCMember] = []
            for child in frame.children {
                guard let (key, value) = child.pair, child.childCount == 2 else { return bad("a member without exactly a name and a value") }
                let name: String
                switch key {
                case .string(let s): name = s
                case .nil: name = ""
                default: return bad("a member name that is not text")
                }
                if let i = members.firstIndex(where: { $0.name == name }) {
                    members[i].value = value
                } else {
                    members.append(XMLRPCMember(name, value))
                }
            }
            return .success(.struct(members))
        case "value":
            if let first = frame.children.first { return .success(first.value) }
            return .success(.string(frame.text ?? ""))
        default:
            return .success(frame.text.map { .string($0) } ?? .nil)
        }
    }

    /// Python's `float(text)`: surrounding blanks, a sign, digits with `_`
    /// between them, a fraction, an exponent, `inf`/`infinity`/`nan`.
    static func pythonFloat(_ text: String) -> Double? {
        var s = Array(PythonSyntax.strip(text).utf8)
        var sign = ""
        if let f = s.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            sign = f == UInt8(ascii: "-") ? "-" : ""
            s.removeFirst()
        }
        let word = String(decoding: s, as: UTF8.self).lowercased()
        if word == "inf" || word == "infinity" { return sign == "-" ? -Double.infinity : .infinity }
        if word == "nan" { return .nan }
        // digits [. digits] [e [sign] digits], at least one mantissa digit;
        // `_` only between two digits.
        var cleaned: [UInt8] = []
        var mantissaDigits = 0, exponentDigits = 0
        var sawDot = false, sawE = false
        var i = 0
        while i < s.count {
            let b = s[i]
            if b >= 0x30, b <= 0x39 {
                if sawE { exponentDigits += 1 } else { mantissaDigits += 1 }
                cleaned.append(b)
            } else if b == UInt8(ascii: "_") {
                guard i > 0, i + 1 < s.count, (0x30...0x39).contains(s[i - 1]), (0x30...0x39).contains(s[i + 1]) else { return nil }
            } else if b == UInt8(ascii: "."), !sawDot, !sawE {
                sawDot = true
                cleaned.append(b)
            } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E"), !sawE, mantissaDigits > 0 {
                sawE = true
                cleaned.append(UInt8(ascii: "e"))
                if i + 1 < s.count, s[i + 1] == UInt8(ascii: "+") || s[i + 1] == UInt8(ascii: "-") {
                    cleaned.append(s[i + 1])
                    i += 1
                }
            } else {
                return nil
            }
            i += 1
        }
        guard mantissaDigits > 0, !sawE || exponentDigits > 0 else { return nil }
        return Double(sign + String(decoding: cleaned, as: UTF8.self))
    }

    /// `YYYYMMDDTHH:MM:SS` with a valid month, day, hour, minute and second.
    static func isISO8601(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 17, b[8] == UInt8(ascii: "T"), b[11] == UInt8(ascii: ":"), b[14] == UInt8(ascii: ":") else { return false }
        func number(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard number(0..<4) != nil, let mo = number(4..<6), let d = number(6..<8),
              let h = number(9..<11), let mi = number(12..<14), let s = number(15..<17) else { return false }
        return (1...12).contains(mo) && (1...31).contains(d) && h < 24 && mi < 60 && s < 62
    }
}
