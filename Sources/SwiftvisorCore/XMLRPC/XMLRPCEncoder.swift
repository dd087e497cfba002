// XML-RPC documents byte for byte as Python's xmlrpc.client.dumps writes them,
// which is what supervisord answers with (supervisor/xmlrpc.py xmlrpc_marshal
// at 4.3.0) and what supervisorctl sends: `<?xml version='1.0'?>` with single
// quotes and no encoding, one element per line where Python puts a newline,
// `<int>`, `<boolean>1</boolean>`, doubles as Python's repr, strings with only
// `&`, `<`, `>` escaped and everything else as UTF-8.
//
// One deliberate difference: a character XML 1.0 forbids (ESC, NUL, … from a
// child's log) becomes U+FFFD. supervisord sends it raw, and every client's
// parser then fails on the whole response (Supervisor issues #85, #531).

/// Encodes XML-RPC documents.
public enum XMLRPCEncoder {
    static let declaration = "<?xml version='1.0'?>\n"

    /// A successful response holding `value`.
    public static func response(_ value: XMLRPCValue) -> [UInt8] {
        var out = declaration + "<methodResponse>\n<params>\n<param>\n"
        append(value, to: &out)
        out += "</param>\n</params>\n</methodResponse>\n"
        return Array(out.utf8)
    }

    /// A fault response (HTTP status 200, as supervisord sends it).
    public static func fault(_ fault: XMLRPCFault) -> [UInt8] {
        var out = declaration + "<methodResponse>\n<fault>\n"
        append(fault.structValue, to: &out)
        out += "</fault>\n</methodResponse>\n"
        return Array(out.utf8)
    }

    /// The answer for a method's result, success or fault.
    public static func result(_ result: XMLRPCResult) -> [UInt8] {
        switch result {
        case .success(let v): return response(v)
        case .failure(let f): return fault(f)
        }
    }

    /// A call, as xmlrpc.client sends it (for a client speaking to supervisord).
    public static func call(_ methodName: String, _ params: [XMLRPCValue]) -> [UInt8] {
        var out = declaration + "<methodCall>\n<methodName>" + escaped(methodName) + "</methodName>\n<params>\n"
        for p in params {
            out += "<param>\n"
            append(p, to: &out)
            out += "</param>\n"
        }
        out += "</params>\n</methodCall>\n"
        return Array(out.utf8)
    }

    /// One `<value>` as xmlrpc.client's Marshaller writes it.
    static func append(_ value: XMLRPCValue, to out: inout String) {
        switch value {
        case .string(let s):
            out += "<value><string>" + escaped(s) + "</string></value>\n"
        case .int(let n):
            // supervisord's capped_int: Python refuses to marshal beyond 32 bits.
            let capped = min(max(n, Int(Int32.min)), Int(Int32.max))
            out += "<value><int>\(capped)</int></value>\n"
        case .bool(let b):
            out += "<value><boolean>" + (b ? "1" : "0") + "</boolean></value>\n"
        case .double(let d):
            out += "<value><double>" + pythonRepr(d) + "</double></value>\n"
        case .dateTime(let s):
            out += "<value><dateTime.iso8601>" + escaped(s) + "</dateTime.iso8601></value>\n"
        case .array(let items):
            out += "<value><array><data>\n"
            for item in items { append(item, to: &out) }
            out += "</data></array></value>\n"
        case .struct(let members):
            out += "<value><struct>\n"
            for m in members {
                out += "<member>\n<name>" + escaped(m.name) + "</name>\n"
                append(m.value, to: &out)
                out += "</member>\n"
            }
            out += "</struct></value>\n"
        case .nil:
            // xmlrpc.client with allow_none (no newline after it, as Python
            // writes it); supervisord itself never returns None.
            out += "<value><nil/></value>"
        }
    }

    /// xmlrpc.client's escape (`&`, `<`, `>`), and U+FFFD for characters XML
    /// 1.0 forbids.
    public static func escaped(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            default: out.append(XMLTokenizer.isXMLChar(c.value) ? c : "\u{FFFD}")
            }
        }
        return String(out)
    }

    /// Python's `repr(float)`: the shortest digits that round-trip (Swift's
    /// description finds the same ones), positional for exponents -5 < e < 16,
    /// `1e-05`/`1e+16` style otherwise, `.0` on integral values.
    public static func pythonRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let negative = d.sign == .minus
        var text = Array(abs(d).description.utf8)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
            text = Array(text[..<e])
        }
        let dot = text.firstIndex(of: UInt8(ascii: ".")) ?? text.count
        var digits = Array(text[..<dot]) + (dot < text.count ? Array(text[(dot + 1)...]) : [])
        // value = 0.DIGITS × 10^decpt
        var decpt = dot + exponent
        while digits.count > 1, digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            decpt -= 1
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let sign = negative ? "-" : ""
        if digits == [UInt8(ascii: "0")] { return sign + "0.0" }
        let ds = String(decoding: digits, as: UTF8.self)
        if decpt > -4, decpt <= 16 {
            if decpt <= 0 { return sign + "0." + String(repeating: "0", count: -decpt) + ds }
            if decpt >= digits.count { return sign + ds + String(repeating: "0", count: decpt - digits.count) + ".0" }
            let cut = ds.index(ds.startIndex, offsetBy: decpt)
            return sign + String(ds[..<cut]) + "." + String(ds[cut...])
        }
        let e = decpt - 1
        let mantissa = digits.count > 1 ? String(ds.prefix(1)) + "." + String(ds.dropFirst()) : ds
        let expText = abs(e) < 10 ? "0\(abs(e))" : "\(abs(e))"
        return sign + mantissa + "e" + (e < 0 ? "-" : "+") + expText
    }
}
