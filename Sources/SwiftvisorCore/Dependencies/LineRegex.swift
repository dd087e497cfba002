// `readiness_log=REGEX` (docs/dependencies.md, "readiness=log"): a small
// regular expression matched on one output line at a time. The toolchain has
// no regex library without Foundation, and a child's output is a stranger's
// bytes, so this one is built to be bounded: the pattern is compiled to a
// Thompson NFA and run as a Pike VM (every state advanced in step, no
// backtracking), so a match costs at most pattern size × line length steps
// whatever the input. Syntax outside the documented subset is refused when the
// config is read, never guessed at.

/// A refused pattern: where in it (0-based byte offset) and why.
public struct LineRegexError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public init(offset: Int, reason: String) { self.offset = offset; self.reason = reason }
    public var description: String { "at position \(offset + 1): \(reason)" }
}

/// A compiled `readiness_log` pattern, matched anywhere in a line of bytes
/// (`^`/`$` anchor it to the line's start and end). `.` and classes match one
/// byte; a non-ASCII literal matches its UTF-8 bytes.
public struct LineRegex: Sendable, Equatable {
    /// Longest pattern accepted: keeps the program, hence each line's cost, small.
    public static let maxPatternLength = 512
    /// Deepest group nesting accepted: the parser recurses once per level.
    public static let maxDepth = 32

    /// A set of bytes, as four 64-bit words.
    struct ByteSet: Sendable, Equatable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        func contains(_ b: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: return words.0 & bit != 0
            case 1: return words.1 & bit != 0
            case 2: return words.2 & bit != 0
            default: return words.3 & bit != 0
            }
        }
        mutating func insert(_ b: UInt8) {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }
        mutating func insert(_ r: ClosedRange<UInt8>) { for b in r { insert(b) } }
        mutating func formUnion(_ o: ByteSet) {
            words.0 |= o.words.0; words.1 |= o.words.1; words.2 |= o.words.2; words.3 |= o.words.3
        }
        var inverted: ByteSet {
            ByteSet(words: (~words.0, ~words.1, ~words.2, ~words.3))
        }
        static func == (a: ByteSet, b: ByteSet) -> Bool {
            a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
        }
        static let digit: ByteSet = { var s = ByteSet(); s.insert(UInt8(ascii: "0")...UInt8(ascii: "9")); return s }()
        static let word: ByteSet = {
            var s = digit
            s.insert(UInt8(ascii: "a")...UInt8(ascii: "z")); s.insert(UInt8(ascii: "A")...UInt8(ascii: "Z")); s.insert(UInt8(ascii: "_"))
            return s
        }()
        static let space: ByteSet = { var s = ByteSet(); for b in [9, 10, 11, 12, 13, 32] as [UInt8] { s.insert(b) }; return s }()
    }

    /// One instruction of the NFA program.
    enum Inst: Sendable, Equatable {
        case byte(UInt8)
        case set(ByteSet)
        /// Go on at both (the first preferred; preference does not change whether a line matches).
        case split(Int, Int)
        case jump(Int)
        case lineStart
        case lineEnd
        case match
    }

    indirect enum Node {
        case empty
        case byte(UInt8)
        case set(ByteSet)
        case lineStart, lineEnd
        case concat([Node])
        case alternation([Node])
        case star(Node), plus(Node), optional(Node)
    }

    public let pattern: String
    let program: [Inst]

    public static func == (a: LineRegex, b: LineRegex) -> Bool { a.pattern == b.pattern }

    public init(_ pattern: String) throws(LineRegexError) {
        let bytes = Array(pattern.utf8)
        guard bytes.count <= Self.maxPatternLength else {
            throw LineRegexError(offset: Self.maxPatternLength, reason: "longer than \(Self.maxPatternLength) bytes")
        }
        var parser = Parser(bytes: bytes)
        let node = try parser.parseAlternation(depth: 0)
        if parser.pos < bytes.count {
            // Only an unmatched `)` stops the top level early.
            throw LineRegexError(offset: parser.pos, reason: "unbalanced parenthesis")
        }
        var program: [Inst] = []
        Self.compile(node, into: &program)
        program.append(.match)
        self.pattern = pattern
        self.program = program
    }

    // MARK: - Parsing

    struct Parser {
        let bytes: [UInt8]
        var pos = 0

        func fail(_ reason: String, at offset: Int? = nil) -> LineRegexError {
            LineRegexError(offset: offset ?? pos, reason: reason)
        }

        var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func parseAlternation(depth: Int) throws(LineRegexError) -> Node {
            var branches = [try parseConcat(depth: depth)]
            while peek == UInt8(ascii: "|") {
                pos += 1
                branches.append(try parseConcat(depth: depth))
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseConcat(depth: Int) throws(LineRegexError) -> Node {
            var items: [Node] = []
            while let c = peek, c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
                var atom = try parseAtom(depth: depth)
                if let q = peek, q == UInt8(ascii: "*") || q == UInt8(ascii: "+") || q == UInt8(ascii: "?") {
                    switch atom {
                    case .lineStart, .lineEnd: throw fail("nothing to repeat")
                    default: break
                    }
                    pos += 1
                    switch q {
                    case UInt8(ascii: "*"): atom = .star(atom)
                    case UInt8(ascii: "+"): atom = .plus(atom)
                    default: atom = .optional(atom)
                    }
                    // `*?`, `+?`, `??`: lazy, which cannot change whether a line matches.
                    if peek == UInt8(ascii: "?") { pos += 1 }
                    if let again = peek, again == UInt8(ascii: "*") || again == UInt8(ascii: "+") || again == UInt8(ascii: "?") {
                        throw fail("multiple repeat")
                    }
                }
                if peek == UInt8(ascii: "{") { throw fail("counted repetition {m,n} is not supported") }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concat(items))
        }

        mutating func parseAtom(depth: Int) throws(LineRegexError) -> Node {
            guard let c = peek else { throw fail("unexpected end of pattern") }
            let start = pos
            pos += 1
            switch c {
            case UInt8(ascii: "("):
                guard depth < LineRegex.maxDepth else { throw fail("groups nested deeper than \(LineRegex.maxDepth)", at: start) }
                if peek == UInt8(ascii: "?") {
                    guard pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: ":") else {
                        throw fail("(?…) extensions other than (?:…) are not supported", at: start)
                    }
                    pos += 2
                }
                let inner = try parseAlternation(depth: depth + 1)
                guard peek == UInt8(ascii: ")") else { throw fail("missing ), unterminated subpattern", at: start) }
                pos += 1
                return inner
            case UInt8(ascii: "["): return .set(try parseClass(start: start))
            case UInt8(ascii: "."): return .set(ByteSet().inverted)
            case UInt8(ascii: "^"): return .lineStart
            case UInt8(ascii: "$"): return .lineEnd
            case UInt8(ascii: "\\"): return try parseEscape(start: start, inClass: false)
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"): throw fail("nothing to repeat", at: start)
            case UInt8(ascii: "{"): throw fail("counted repetition {m,n} is not supported", at: start)
            default: return .byte(c)
            }
        }

        /// After `\`: a class shorthand or one literal byte.
        mutating func parseEscape(start: Int, inClass: Bool) throws(LineRegexError) -> Node {
            guard let e = peek else { throw fail("bad escape (end of pattern)", at: start) }
            pos += 1
            switch e {
            case UInt8(ascii: "d"): return .set(.digit)
            case UInt8(ascii: "D"): return .set(ByteSet.digit.inverted)
            case UInt8(ascii: "w"): return .set(.word)
            case UInt8(ascii: "W"): return .set(ByteSet.word.inverted)
            case UInt8(ascii: "s"): return .set(.space)
            case UInt8(ascii: "S"): return .set(ByteSet.space.inverted)
            case UInt8(ascii: "t"): return .byte(9)
            case UInt8(ascii: "n"): return .byte(10)
            case UInt8(ascii: "r"): return .byte(13)
            case UInt8(ascii: "f"): return .byte(12)
            case UInt8(ascii: "v"): return .byte(11)
            case UInt8(ascii: "x"):
                guard pos + 1 < bytes.count, let hi = Self.hex(bytes[pos]), let lo = Self.hex(bytes[pos + 1]) else {
                    throw fail("\\x needs two hex digits", at: start)
                }
                pos += 2
                return .byte(hi << 4 | lo)
            default:
                // Any ASCII punctuation stands for itself; letters and digits
                // are other syntaxes (\b, \1, \A...) this subset refuses.
                guard e < 0x80, !Self.isAlnum(e) else {
                    throw fail("bad escape \\\(Self.shown(e))\(inClass ? " in a class" : "") (not supported)", at: start)
                }
                return .byte(e)
            }
        }

        /// After `[`: the bytes of the class, up to its `]`.
        mutating func parseClass(start: Int) throws(LineRegexError) -> ByteSet {
            var set = ByteSet()
            let negated = peek == UInt8(ascii: "^")
            if negated { pos += 1 }
            var first = true
            while true {
                guard let c = peek else { throw fail("unterminated character set", at: start) }
                if c == UInt8(ascii: "]") && !first { pos += 1; break }
                first = false
                let itemStart = pos
                let low: UInt8
                if c == UInt8(ascii: "\\") {
                    pos += 1
                    switch try parseEscape(start: itemStart, inClass: true) {
                    case .set(let s): set.formUnion(s); continue
                    case .byte(let b): low = b
                    default: throw fail("bad escape in a class", at: itemStart)
                    }
                } else {
                    guard c < 0x80 else { throw fail("non-ASCII byte in a character set (not supported)", at: itemStart) }
                    pos += 1
                    low = c
                }
                // A range `a-z`, unless the `-` ends the class.
                if peek == UInt8(ascii: "-"), pos + 1 < bytes.count, bytes[pos + 1] != UInt8(ascii: "]") {
                    pos += 1
                    guard let h = peek else { throw fail("unterminated character set", at: start) }
                    let high: UInt8
                    if h == UInt8(ascii: "\\") {
                        let escStart = pos
                        pos += 1
                        guard case .byte(let b) = try parseEscape(start: escStart, inClass: true) else {
                            throw fail("bad character range", at: itemStart)
                        }
                        high = b
                    } else {
                        guard h < 0x80 else { throw fail("non-ASCII byte in a character set (not supported)", at: pos) }
                        pos += 1
                        high = h
                    }
                    guard low <= high else { throw fail("bad character range \(Self.shown(low))-\(Self.shown(high))", at: itemStart) }
                    set.insert(low...high)
                } else {
                    set.insert(low)
                }
            }
            return negated ? set.inverted : set
        }

        static func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        static func isAlnum(_ b: UInt8) -> Bool { ByteSet.word.contains(b) && b != UInt8(ascii: "_") }
        static func shown(_ b: UInt8) -> String {
            b >= 0x20 && b < 0x7f ? String(Unicode.Scalar(b)) : "x" + String(b, radix: 16)
        }
    }

    // MARK: - Compiling (Thompson's construction)

    static func compile(_ node: Node, into p: inout [Inst]) {
        switch node {
        case .empty: break
        case .byte(let b): p.append(.byte(b))
        case .set(let s): p.append(.set(s))
        case .lineStart: p.append(.lineStart)
        case .lineEnd: p.append(.lineEnd)
        case .concat(let items): for i in items { compile(i, into: &p) }
        case .alternation(let branches):
            // split L1, next; L1: a; jump end; next: split L2, ... ; last branch
            var jumps: [Int] = []
            for (i, b) in branches.enumerated() {
                if i == branches.count - 1 { compile(b, into: &p); break }
                let split = p.count
                p.append(.split(split + 1, 0))
                compile(b, into: &p)
                jumps.append(p.count)
                p.append(.jump(0))
                p[split] = .split(split + 1, p.count)
            }
            for j in jumps { p[j] = .jump(p.count) }
        case .star(let n):
            let split = p.count
            p.append(.split(split + 1, 0))
            compile(n, into: &p)
            p.append(.jump(split))
            p[split] = .split(split + 1, p.count)
        case .plus(let n):
            let start = p.count
            compile(n, into: &p)
            p.append(.split(start, p.count + 1))
        case .optional(let n):
            let split = p.count
            p.append(.split(split + 1, 0))
            compile(n, into: &p)
            p[split] = .split(split + 1, p.count)
        }
    }

    // MARK: - Matching (Pike VM, no captures)

    /// Whether the pattern matches somewhere in `line` (which holds no newline).
    /// Cost: at most program size × (line length + 1) steps.
    public func matches(_ line: some Collection<UInt8>) -> Bool {
        let n = program.count
        var current: [Int] = []
        var next: [Int] = []
        current.reserveCapacity(n)
        next.reserveCapacity(n)
        // The step at which each instruction was last added, so each is added once per step.
        var mark = [Int](repeating: -1, count: n)
        var stack: [Int] = []
        stack.reserveCapacity(n)
        let count = line.count

        /// Follow the empty moves from `pc` at position `at`; true when `.match` is reached.
        func add(_ pc: Int, to list: inout [Int], step: Int, at: Int) -> Bool {
            stack.append(pc)
            while let pc = stack.popLast() {
                guard pc < n, mark[pc] != step else { continue }
                mark[pc] = step
                switch program[pc] {
                case .match: stack.removeAll(keepingCapacity: true); return true
                case .jump(let t): stack.append(t)
                case .split(let a, let b): stack.append(b); stack.append(a)
                case .lineStart: if at == 0 { stack.append(pc + 1) }
                case .lineEnd: if at == count { stack.append(pc + 1) }
                case .byte, .set: list.append(pc)
                }
            }
            return false
        }

        var position = 0
        var step = 0
        if add(0, to: &current, step: step, at: 0) { return true }
        for byte in line {
            step += 1
            next.removeAll(keepingCapacity: true)
            for pc in current {
                let taken: Bool
                switch program[pc] {
                case .byte(let b): taken = b == byte
                case .set(let s): taken = s.contains(byte)
                default: taken = false
                }
                if taken, add(pc + 1, to: &next, step: step, at: position + 1) { return true }
            }
            position += 1
            // Unanchored search: a new thread may start at every position.
            if add(0, to: &next, step: step, at: position) { return true }
            swap(&current, &next)
        }
        return false
    }
}
