// supervisorctl's status lines straight from the bytes of a `status` reply,
// without decoding items: `status` of 10,000 processes spent most of the
// client's time building a dictionary, strings and a ProcessSnapshot per
// item (docs/benchmarks.md, "Scale"). The output is StatusFormatter's, byte
// for byte; anything this scanner does not take on (a `result` item, a name
// that is not ASCII, a line not shaped as swiftvisord writes it) makes it
// answer nil, and the caller decodes the reply the ordinary way, so errors
// and odd replies behave exactly as before.

public enum StatusReplyFormatter {
    /// What `status` prints for a reply, and whether a process in it is in
    /// one of supervisord's STOPPED_STATES (status then exits 3).
    public struct Lines: Equatable, Sendable {
        public var output: [UInt8]
        public var anyStopped: Bool
    }

    /// Where one item's values are in the reply (encoded, end exclusive).
    private struct Item {
        var name: Range<Int>
        var group: Range<Int>
        var statename: Range<Int>
        var description: Range<Int>
        /// Decoded length of the namespec (`group:name`, or `name` alone).
        var specLength: Int
        var groupIsName: Bool
    }

    /// `body`: the reply's item lines, each ending in `\n`, without the status
    /// and end lines. Nil unless every line is a `process` item this scanner
    /// can print exactly as `StatusFormatter.statusLines` would.
    public static func lines(_ body: [UInt8]) -> Lines? {
        body.withUnsafeBufferPointer { lines($0) }
    }

    private static func lines(_ b: UnsafeBufferPointer<UInt8>) -> Lines? {
        var items: [Item] = []
        items.reserveCapacity(b.count / 128)
        var anyStopped = false
        var longestSpec = 0
        var descriptionBytes = 0
        var lineStart = 0
        while lineStart < b.count {
            guard let scanned = scanLine(b, from: lineStart) else { return nil }
            let (item, state, next) = scanned
            if state == 0 || state == 100 || state == 200 || state == 1000 { anyStopped = true }
            longestSpec = max(longestSpec, item.specLength)
            descriptionBytes += item.description.count
            items.append(item)
            lineStart = next
        }
        // StatusFormatter: W = max(30, longest namespec) + 3; statename padded to 10.
        let width = max(30, longestSpec) + 3
        var out: [UInt8] = []
        out.reserveCapacity(items.count * (width + 11) + descriptionBytes)
        for item in items {
            let before = out.count
            if !item.groupIsName {
                decode(b, item.group, into: &out)
                out.append(UInt8(ascii: ":"))
            }
            decode(b, item.name, into: &out)
            pad(&out, to: before + width)
            let stateStart = out.count
            decode(b, item.statename, into: &out)
            pad(&out, to: stateStart + 10)
            decode(b, item.description, into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        return Lines(output: out, anyStopped: anyStopped)
    }

    /// One `process k=v k=v ...\n` line: the ranges of the values status
    /// prints (the first of each key, as the item decoder keeps), its state,
    /// and where the next line starts.
    private static func scanLine(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> (Item, Int, Int)? {
        let type: StaticString = "process "
        guard b.count - start > type.utf8CodeUnitCount else { return nil }
        for k in 0..<type.utf8CodeUnitCount where b[start + k] != type.utf8Start[k] { return nil }
        var name: Range<Int>?, group: Range<Int>?, statename: Range<Int>?, description: Range<Int>?
        var state: Int?
        var i = start + type.utf8CodeUnitCount
        while true {
            // One `key=value` word: the key is plain bytes up to `=`.
            let keyStart = i
            while i < b.count, b[i] != UInt8(ascii: "="), ControlEncoding.isPlain(b[i]) { i += 1 }
            guard i < b.count, b[i] == UInt8(ascii: "="), i > keyStart else { return nil }
            let key = keyStart..<i
            i += 1
            let valueStart = i
            while i < b.count, ControlEncoding.isPlain(b[i]) || b[i] == UInt8(ascii: "%") { i += 1 }
            let value = valueStart..<i
            // Every value must decode (the item decoder refuses the line otherwise).
            guard escapedLength(b, value) != nil else { return nil }
            switch keyName(b, key) {
            case .name where name == nil: name = value
            case .group where group == nil: group = value
            case .statename where statename == nil: statename = value
            case .description where description == nil: description = value
            case .state where state == nil:
                guard let s = plainNumber(b, value) else { return nil }
                state = s
            default: break
            }
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "\n") { i += 1; break }
            guard b[i] == UInt8(ascii: " ") else { return nil }
            i += 1
        }
        // The item decoder's defaults: statename UNKNOWN, description empty;
        // name, group and state are required. Those defaults are not in the
        // reply's bytes, so a line without them goes the ordinary way.
        guard let name, let group, let state, let statename, let description else { return nil }
        // Only ASCII is printed from here: padding counts code points, and
        // invalid UTF-8 would be repaired by the ordinary path.
        guard let nameLength = asciiLength(b, name), let groupLength = asciiLength(b, group),
              asciiLength(b, statename) != nil, asciiLength(b, description) != nil else { return nil }
        let groupIsName = equalDecoded(b, name, group)
        let item = Item(name: name, group: group, statename: statename, description: description,
                        specLength: groupIsName ? nameLength : groupLength + 1 + nameLength, groupIsName: groupIsName)
        return (item, state, i)
    }

    private enum Key { case name, group, state, statename, description, other }

    private static func keyName(_ b: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> Key {
        func equals(_ s: StaticString) -> Bool {
            guard key.count == s.utf8CodeUnitCount else { return false }
            for k in 0..<key.count where b[key.lowerBound + k] != s.utf8Start[k] { return false }
            return true
        }
        if equals("name") { return .name }
        if equals("group") { return .group }
        if equals("state") { return .state }
        if equals("statename") { return .statename }
        if equals("description") { return .description }
        return .other
    }

    /// The decoded length of a value whose escapes are all valid; nil otherwise.
    private static func escapedLength(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
        var n = 0
        var i = r.lowerBound
        while i < r.upperBound {
            if b[i] == UInt8(ascii: "%") {
                guard r.upperBound - i >= 3, ControlEncoding.hexValue(b[i + 1]) != nil,
                      ControlEncoding.hexValue(b[i + 2]) != nil else { return nil }
                i += 3
            } else {
                i += 1
            }
            n += 1
        }
        return n
    }

    /// The decoded length when every decoded byte is ASCII; nil otherwise.
    private static func asciiLength(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
        var n = 0
        var i = r.lowerBound
        while i < r.upperBound {
            if b[i] == UInt8(ascii: "%") {
                // Valid escapes were checked by escapedLength; a high first digit is a byte >= 0x80.
                guard let hi = ControlEncoding.hexValue(b[i + 1]), hi < 8 else { return nil }
                i += 3
            } else {
                guard b[i] < 0x80 else { return nil }
                i += 1
            }
            n += 1
        }
        return n
    }

    /// A state code as the daemon writes it: 1 to 9 decimal digits.
    private static func plainNumber(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
        guard (1...9).contains(r.count) else { return nil }
        var n = 0
        for i in r {
            guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
        }
        return n
    }

    /// Whether two values decode to the same bytes (names are compared decoded:
    /// `%70` and `p` are the same name).
    private static func equalDecoded(_ b: UnsafeBufferPointer<UInt8>, _ x: Range<Int>, _ y: Range<Int>) -> Bool {
        if x.count == y.count {
            var same = true
            for k in 0..<x.count where b[x.lowerBound + k] != b[y.lowerBound + k] { same = false; break }
            if same { return true }
        }
        var dx: [UInt8] = [], dy: [UInt8] = []
        decode(b, x, into: &dx)
        decode(b, y, into: &dy)
        return dx == dy
    }

    /// Append the decoded value (escapes already checked valid).
    private static func decode(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, into out: inout [UInt8]) {
        var i = r.lowerBound
        while i < r.upperBound {
            if b[i] == UInt8(ascii: "%"), let hi = ControlEncoding.hexValue(b[i + 1]), let lo = ControlEncoding.hexValue(b[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
    }

    private static func pad(_ out: inout [UInt8], to count: Int) {
        if out.count < count { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count - out.count)) }
    }
}
