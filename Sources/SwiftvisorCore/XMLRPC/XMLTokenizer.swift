// A small, bounded XML tokenizer: exactly what XML-RPC needs and what
// supervisord's parser (expat, through xml.etree.ElementTree.iterparse)
// accepts from real clients, with its well-formedness rules:
//   - the input is UTF-8, at most `maxBytes`, one root element, matching end
//     tags, unique attribute names, only XML 1.0 characters;
//   - the five predefined entities and numeric character references (a
//     reference to a character XML forbids is an error, as in expat);
//   - CDATA sections, comments and processing instructions (skipped), and the
//     XML declaration at the very start;
//   - line ends normalised: CR LF and a lone CR become LF.
// Unlike expat it refuses any DOCTYPE (no DTD, no entity definitions, so no
// entity expansion attack) and nesting deeper than `maxDepth`. Namespaces are
// not interpreted: `ex:nil` is just a name.

/// Bounds on one XML document.
public struct XMLLimits: Sendable, Equatable {
    public var maxBytes: Int
    /// Deepest element nesting.
    public var maxDepth: Int
    /// Most attributes on one element.
    public var maxAttributes: Int

    public init(maxBytes: Int, maxDepth: Int, maxAttributes: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxAttributes = maxAttributes
    }

    /// The XML-RPC decoder's limits: the HTTP body limit, and a depth far
    /// beyond what any client sends (a `system.multicall` of structs holding
    /// arrays is about 15 deep).
    public static let `default` = XMLLimits(maxBytes: HTTPLimits.default.maxBodyBytes, maxDepth: 64, maxAttributes: 32)
}

/// A document that is not well-formed, or over a limit.
public struct XMLError: Error, Sendable, Equatable {
    public var reason: String
    /// Byte offset in the document.
    public var offset: Int
    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }
}

/// One piece of the document.
public enum XMLToken: Sendable, Equatable {
    /// A start tag (`<a/>` gives a start then an end).
    case start(String)
    case end(String)
    /// Character data inside an element (entities decoded, line ends
    /// normalised); consecutive pieces may come as several tokens.
    case text(String)
}

/// Pull tokenizer over a whole document.
public struct XMLTokenizer: Sendable {
    private let bytes: [UInt8]
    private let limits: XMLLimits
    private var pos = 0
    private var stack: [String] = []
    private var sawRoot = false
    /// A self-closing tag's end, owed before anything else.
    private var pendingEnd: String?

    /// Refuses a document over the size limit or not UTF-8.
    public init(_ bytes: [UInt8], limits: XMLLimits = .default) throws(XMLError) {
        guard bytes.count <= limits.maxBytes else {
            throw XMLError("document of \(bytes.count) bytes is over the limit of \(limits.maxBytes)", at: 0)
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw XMLError("not UTF-8", at: 0)
        }
        self.bytes = bytes
        self.limits = limits
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }  // byte order mark
        if bytes[pos...].starts(with: Array("<?xml".utf8)), pos + 5 < bytes.count, Self.isSpace(bytes[pos + 5]) {
            guard let end = find(Array("?>".utf8), from: pos) else { throw XMLError("unclosed XML declaration", at: pos) }
            guard Self.isXMLDeclaration(bytes[(pos + 5)..<end]) else { throw XMLError("invalid XML declaration", at: pos) }
            pos = end + 2
        }
    }

    /// The pseudo-attributes of `<?xml ...?>` as expat requires them:
    /// `version="…"`, then optionally `encoding="name"`, then optionally
    /// `standalone="yes|no"`, in that order. (The document is read as UTF-8
    /// whatever encoding it names: supervisord decodes the body as UTF-8
    /// before parsing it.)
    static func isXMLDeclaration(_ text: ArraySlice<UInt8>) -> Bool {
        var rest = text
        var pairs: [(String, String)] = []
        while true {
            let blanks = rest.prefix(while: isSpace).count
            rest = rest.dropFirst(blanks)
            guard !rest.isEmpty else { break }
            guard blanks > 0, let eq = rest.firstIndex(of: UInt8(ascii: "=")) else { return false }
            let name = String(decoding: rest[..<eq], as: UTF8.self).trimmingBlanks
            rest = rest[(eq + 1)...]
            rest = rest.dropFirst(rest.prefix(while: isSpace).count)
            guard let quote = rest.first, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\""),
                  let close = rest.dropFirst().firstIndex(of: quote) else { return false }
            pairs.append((name, String(decoding: rest[(rest.startIndex + 1)..<close], as: UTF8.self)))
            rest = rest[(close + 1)...]
        }
        var i = 0
        // expat takes any version made of name characters (`2.0` included).
        guard i < pairs.count, pairs[i].0 == "version", !pairs[i].1.isEmpty,
              pairs[i].1.utf8.allSatisfy({ ($0 < 0x80 && isNameStart($0)) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
            return false
        }
        i += 1
        if i < pairs.count, pairs[i].0 == "encoding" {
            let e = Array(pairs[i].1.utf8)
            guard let first = e.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A,
                  e.allSatisfy({ isNameStart($0) && $0 < 0x80 && $0 != UInt8(ascii: ":") || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
                return false
            }
            i += 1
        }
        if i < pairs.count, pairs[i].0 == "standalone" {
            guard pairs[i].1 == "yes" || pairs[i].1 == "no" else { return false }
            i += 1
        }
        return i == pairs.count
    }

    /// The next token; nil at the end of a well-formed document.
    public mutating func next() throws(XMLError) -> XMLToken? {
        if let name = pendingEnd {
            pendingEnd = nil
            return try closeElement(name)
        }
        while true {
            if stack.isEmpty {
                // Prolog or epilog: blanks, comments, processing instructions.
                while pos < bytes.count, Self.isSpace(bytes[pos]) { pos += 1 }
                guard pos < bytes.count else {
                    guard sawRoot else { throw XMLError("no root element", at: pos) }
                    return nil
                }
                guard bytes[pos] == LT else { throw XMLError("text outside the root element", at: pos) }
                if try skipMarkup() { continue }
                if sawRoot { throw XMLError("junk after the root element", at: pos) }
                return try startTag()
            }
            guard pos < bytes.count else { throw XMLError("unclosed element <\(stack[stack.count - 1])>", at: pos) }
            if bytes[pos] != LT {
                return .text(try characterData())
            }
            if bytes[pos...].starts(with: cdataOpen) {
                return .text(try cdata())
            }
            if try skipMarkup() { continue }
            if pos + 1 < bytes.count, bytes[pos + 1] == SLASH {
                return try endTag()
            }
            return try startTag()
        }
    }

    // MARK: markup

    /// Skips a comment or processing instruction at `pos`; refuses a DOCTYPE.
    private mutating func skipMarkup() throws(XMLError) -> Bool {
        if bytes[pos...].starts(with: Array("<!--".utf8)) {
            guard let end = find(Array("--".utf8), from: pos + 4) else { throw XMLError("unclosed comment", at: pos) }
            guard end + 2 < bytes.count, bytes[end + 2] == GT else { throw XMLError("'--' inside a comment", at: end) }
            pos = end + 3
            return true
        }
        if bytes[pos...].starts(with: Array("<?".utf8)) {
            let nameStart = pos + 2
            let nameEnd = scanName(from: nameStart)
            guard nameEnd > nameStart else { throw XMLError("processing instruction without a target", at: pos) }
            let target = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
            guard target.lowercased() != "xml" else { throw XMLError("XML declaration not at the start", at: pos) }
            guard let end = find(Array("?>".utf8), from: nameEnd) else { throw XMLError("unclosed processing instruction", at: pos) }
            pos = end + 2
            return true
        }
        if bytes[pos...].starts(with: Array("<!".utf8)), !bytes[pos...].starts(with: cdataOpen) {
            throw XMLError("DOCTYPE and other declarations are refused", at: pos)
        }
        return false
    }

    private mutating func startTag() throws(XMLError) -> XMLToken {
        let tagStart = pos
        let nameStart = pos + 1
        let nameEnd = scanName(from: nameStart)
        guard nameEnd > nameStart else { throw XMLError("invalid element name", at: nameStart) }
        let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
        pos = nameEnd
        var attributes: [ArraySlice<UInt8>] = []
        while true {
            let hadSpace = skipSpace()
            guard pos < bytes.count else { throw XMLError("unclosed start tag <\(name)>", at: tagStart) }
            if bytes[pos] == GT {
                pos += 1
                return try openElement(name, at: tagStart)
            }
            if bytes[pos] == SLASH {
                guard pos + 1 < bytes.count, bytes[pos + 1] == GT else { throw XMLError("invalid start tag <\(name)>", at: pos) }
                pos += 2
                let token = try openElement(name, at: tagStart)
                pendingEnd = name
                return token
            }
            guard hadSpace else { throw XMLError("invalid start tag <\(name)>", at: pos) }
            let attrStart = pos
            let attrEnd = scanName(from: attrStart)
            guard attrEnd > attrStart else { throw XMLError("invalid attribute name", at: attrStart) }
            let attrName = bytes[attrStart..<attrEnd]
            guard !attributes.contains(attrName) else { throw XMLError("duplicate attribute", at: attrStart) }
            guard attributes.count < limits.maxAttributes else { throw XMLError("more than \(limits.maxAttributes) attributes", at: attrStart) }
            attributes.append(attrName)
            pos = attrEnd
            skipSpace()
            guard pos < bytes.count, bytes[pos] == EQ else { throw XMLError("attribute without a value", at: pos) }
            pos += 1
            skipSpace()
            guard pos < bytes.count, bytes[pos] == QUOT || bytes[pos] == APOS else { throw XMLError("unquoted attribute value", at: pos) }
            let quote = bytes[pos]
            pos += 1
            while true {
                guard pos < bytes.count else { throw XMLError("unclosed attribute value", at: attrStart) }
                let b = bytes[pos]
                if b == quote { pos += 1; break }
                if b == LT { throw XMLError("'<' in an attribute value", at: pos) }
                if b == AMP {
                    var ignored: [UInt8] = []
                    try reference(into: &ignored)
                    continue
                }
                try checkChar(at: pos)
                pos += utf8Length(b)
            }
        }
    }

    private mutating func openElement(_ name: String, at offset: Int) throws(XMLError) -> XMLToken {
        guard stack.count < limits.maxDepth else { throw XMLError("elements nested deeper than \(limits.maxDepth)", at: offset) }
        stack.append(name)
        sawRoot = true
        return .start(name)
    }

    private mutating func endTag() throws(XMLError) -> XMLToken {
        let tagStart = pos
        let nameStart = pos + 2
        let nameEnd = scanName(from: nameStart)
        let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
        pos = nameEnd
        skipSpace()
        guard pos < bytes.count, bytes[pos] == GT else { throw XMLError("invalid end tag", at: tagStart) }
        pos += 1
        guard name == stack[stack.count - 1] else {
            throw XMLError("</\(name)> does not close <\(stack[stack.count - 1])>", at: tagStart)
        }
        return try closeElement(name)
    }

    private mutating func closeElement(_ name: String) throws(XMLError) -> XMLToken {
        stack.removeLast()
        return .end(name)
    }

    // MARK: character data

    private mutating func characterData() throws(XMLError) -> String {
        var out: [UInt8] = []
        while pos < bytes.count, bytes[pos] != LT {
            let b = bytes[pos]
            if b == AMP {
                try reference(into: &out)
                continue
            }
            if b == CR {
                out.append(LF)
                pos += (pos + 1 < bytes.count && bytes[pos + 1] == LF) ? 2 : 1
                continue
            }
            if b == GT, pos >= 2, bytes[pos - 1] == RSQB, bytes[pos - 2] == RSQB {
                throw XMLError("']]>' in character data", at: pos - 2)
            }
            try checkChar(at: pos)
            let n = utf8Length(b)
            out += bytes[pos..<(pos + n)]
            pos += n
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func cdata() throws(XMLError) -> String {
        let start = pos + cdataOpen.count
        guard let end = find(Array("]]>".utf8), from: start) else { throw XMLError("unclosed CDATA section", at: pos) }
        var out: [UInt8] = []
        var i = start
        while i < end {
            let b = bytes[i]
            if b == CR {
                out.append(LF)
                i += (i + 1 < end && bytes[i + 1] == LF) ? 2 : 1
                continue
            }
            try checkChar(at: i)
            let n = utf8Length(b)
            out += bytes[i..<(i + n)]
            i += n
        }
        pos = end + 3
        return String(decoding: out, as: UTF8.self)
    }

    /// `&name;` or `&#N;`/`&#xH;` at `pos`, appended as UTF-8.
    private mutating func reference(into out: inout [UInt8]) throws(XMLError) {
        let start = pos
        // The longest valid reference is `&#x0010FFFF;`-like; leading zeros
        // are legal, so allow some, but never scan far.
        let limit = min(bytes.count, start + 32)
        guard let semi = bytes[start..<limit].firstIndex(of: SEMI) else {
            throw XMLError("unterminated entity reference", at: start)
        }
        let body = bytes[(start + 1)..<semi]
        pos = semi + 1
        switch Array(body) {
        case Array("lt".utf8): out.append(LT); return
        case Array("gt".utf8): out.append(GT); return
        case Array("amp".utf8): out.append(AMP); return
        case Array("quot".utf8): out.append(QUOT); return
        case Array("apos".utf8): out.append(APOS); return
        default: break
        }
        guard body.first == HASH else { throw XMLError("undefined entity", at: start) }
        var digits = body.dropFirst()
        var radix: UInt32 = 10
        if digits.first == UInt8(ascii: "x") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { throw XMLError("invalid character reference", at: start) }
        var value: UInt32 = 0
        for d in digits {
            guard let v = Self.digitValue(d, radix: radix) else { throw XMLError("invalid character reference", at: start) }
            value = value * radix + v
            // At most 0x10FFFF is meaningful; stop before UInt32 could overflow.
            guard value <= 0x10FFFF else { throw XMLError("character reference out of range", at: start) }
        }
        guard Self.isXMLChar(value), let scalar = Unicode.Scalar(value) else {
            throw XMLError("reference to a character XML forbids", at: start)
        }
        out += Array(String(Character(scalar)).utf8)
    }

    /// Refuses a character XML 1.0 forbids at byte `i` (the input is valid UTF-8).
    private func checkChar(at i: Int) throws(XMLError) {
        let b = bytes[i]
        if b < 0x20 {
            guard b == 0x09 || b == LF || b == CR else { throw XMLError("control character", at: i) }
            return
        }
        // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters;
        // surrogates cannot occur in valid UTF-8.
        if b == 0xEF, i + 2 < bytes.count, bytes[i + 1] == 0xBF, bytes[i + 2] >= 0xBE {
            throw XMLError("non-character U+FFFE/U+FFFF", at: i)
        }
    }

    // MARK: scanning

    private func scanName(from start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            let ok = Self.isNameStart(b) || (i > start && (Self.isDigit(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")))
            if !ok { break }
            i += 1
        }
        return i
    }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = pos
        while pos < bytes.count, Self.isSpace(bytes[pos]) { pos += 1 }
        return pos > start
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard start <= bytes.count, needle.count <= bytes.count else { return nil }
        var i = start
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: return 4
        case 0xE0...: return 3
        case 0xC0...: return 2
        default: return 1
        }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == LF || b == CR }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    /// ASCII letters, `_`, `:` and any non-ASCII byte (names are not
    /// interpreted, so the finer Unicode classes of XML names do not matter).
    static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b >= 0x80
    }

    static func digitValue(_ b: UInt8, radix: UInt32) -> UInt32? {
        if radix == 16 { return ControlEncoding.hexValue(b).map(UInt32.init) }
        return isDigit(b) ? UInt32(b - 0x30) : nil
    }

    /// XML 1.0 Char production.
    public static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
    }
}

extension String {
    /// Without surrounding XML blanks.
    fileprivate var trimmingBlanks: String {
        let u = Array(utf8)
        var lo = 0, hi = u.count
        while lo < hi, XMLTokenizer.isSpace(u[lo]) { lo += 1 }
        while hi > lo, XMLTokenizer.isSpace(u[hi - 1]) { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}

private let LT = UInt8(ascii: "<")
private let GT = UInt8(ascii: ">")
private let AMP = UInt8(ascii: "&")
private let SEMI = UInt8(ascii: ";")
private let HASH = UInt8(ascii: "#")
private let SLASH = UInt8(ascii: "/")
private let EQ = UInt8(ascii: "=")
private let QUOT = UInt8(ascii: "\"")
private let APOS = UInt8(ascii: "'")
private let RSQB = UInt8(ascii: "]")
private let CR: UInt8 = 0x0D
private let LF: UInt8 = 0x0A
private let cdataOpen = Array("<![CDATA[".utf8)
