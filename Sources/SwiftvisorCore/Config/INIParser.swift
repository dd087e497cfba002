// The INI dialect supervisord reads: Python's RawConfigParser with
// inline_comment_prefixes=(';', '#') and strict=False (options.py
// UnhosedConfigParser). Reproduced rule by rule from configparser._read so
// that every file supervisord accepts parses to the same values, and every
// file it rejects is rejected, with the line named.

/// One `key = value`, after comment stripping and continuation joining.
public struct INIEntry: Sendable, Equatable {
    public var value: String
    /// The line of the key (continuation lines belong to it).
    public var location: SourceLocation
    public init(value: String, location: SourceLocation) { self.value = value; self.location = location }
}

/// Keys in first-seen order; assigning an existing key keeps its position (a Python dict).
public struct INIEntries: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: INIEntry] = [:]
    public init() {}
    public subscript(key: String) -> INIEntry? {
        get { values[key] }
        set {
            if let newValue {
                if values[key] == nil { keys.append(key) }
                values[key] = newValue
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }
    public var isEmpty: Bool { keys.isEmpty }
}

/// A section: where it was first opened, and its own keys (not `[DEFAULT]`'s).
public struct INISection: Sendable, Equatable {
    public var name: String
    public var location: SourceLocation
    public var entries = INIEntries()
}

/// The merged result of reading one or more files into one parser.
public struct INIDocument: Sendable, Equatable {
    /// Sections in the order first seen; duplicates are merged into the first.
    public private(set) var sections: [INISection] = []
    /// `[DEFAULT]` keys, inherited by every section.
    public private(set) var defaults = INIEntries()
    private var sectionIndex: [String: Int] = [:]
    /// When set, only these sections (and `[DEFAULT]`) keep their options; the
    /// others are parsed all the same (same errors, same line numbers) and
    /// listed, but hold no entries. swiftvisorctl reads two sections of a
    /// config that may hold 10,000 programs.
    public var keepingOnly: Set<String>?

    public init() {}

    public var sectionNames: [String] { sections.map(\.name) }
    public func hasSection(_ name: String) -> Bool { sectionIndex[name] != nil }
    public func section(_ name: String) -> INISection? { sectionIndex[name].map { sections[$0] } }

    /// `RawConfigParser.get`: the section's own key, else `[DEFAULT]`'s.
    public func get(_ section: String, _ key: String) -> INIEntry? {
        if let i = sectionIndex[section], let e = sections[i].entries[key] { return e }
        return defaults[key]
    }

    /// `RawConfigParser.options`: the section's keys, then inherited default keys.
    public func options(_ section: String) -> [String] {
        guard let i = sectionIndex[section] else { return [] }
        let own = sections[i].entries.keys
        return own + defaults.keys.filter { sections[i].entries[$0] == nil }
    }

    /// Replace the text `%(here)s` in every value visible in every section, as
    /// supervisord does after reading each file when `[include]` is present
    /// (UnhosedConfigParser.expand_here). Inherited defaults are copied into the section.
    public mutating func expandHere(_ here: String) {
        let marker = "%(here)s"
        for i in sections.indices {
            let visible = defaults.keys.filter { sections[i].entries[$0] == nil } + sections[i].entries.keys
            for key in visible {
                guard let e = sections[i].entries[key] ?? defaults[key], e.value.contains(marker) else { continue }
                sections[i].entries[key] = INIEntry(value: e.value.replacing(marker, with: here), location: e.location)
            }
        }
    }

    /// Parse one file's text into this document (RawConfigParser._read).
    public mutating func read(_ text: String, file: String) throws(ConfigError) {
        let bytes = Array(text.utf8)
        // Per-file state, exactly as _read keeps it.
        var current: String? = nil            // section name; "DEFAULT" for defaults
        var option: String? = nil
        var pending: [String] = []           // the current option's value lines
        var pendingLocation = SourceLocation(file: file, line: 0)
        var indentLevel = 0

        func keeps(_ section: String) -> Bool { section == "DEFAULT" || keepingOnly?.contains(section) ?? true }
        func flush() {
            guard let sect = current, let opt = option, keeps(sect) else { return }
            var joined = pending.joined(separator: "\n")
            while let last = joined.unicodeScalars.last, PythonSyntax.isSpace(last) { joined.unicodeScalars.removeLast() }
            let entry = INIEntry(value: joined, location: pendingLocation)
            if sect == "DEFAULT" { defaults[opt] = entry } else { sections[sectionIndex[sect]!].entries[opt] = entry }
        }
        func enter(_ header: String, line lineNo: Int) {
            flush()
            option = nil; pending = []
            current = header
            if header != "DEFAULT", sectionIndex[header] == nil {
                sectionIndex[header] = sections.count
                sections.append(INISection(name: header, location: SourceLocation(file: file, line: lineNo)))
            }
        }
        func notAnOption(_ value: String, _ lineNo: Int) -> ConfigError {
            ConfigError(file: file, line: lineNo, section: current,
                        reason: "\"\(value)\" is neither a [section] header nor a key=value line",
                        hint: "write key=value, or start a continuation line with more indentation than its key")
        }
        func noKey(_ value: String, _ lineNo: Int) -> ConfigError {
            ConfigError(file: file, line: lineNo, section: current,
                        reason: "\"\(value)\" has no option name before the '='", hint: "write key=value")
        }

        var lineNo = 0
        var start = 0
        while start < bytes.count {
            // Python text-mode universal newlines: `\r\n`, `\r` and `\n` all end a
            // line (CR and LF never occur inside a multi-byte UTF-8 sequence).
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            let lineRange = start..<end
            start = end < bytes.count && bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A ? end + 2 : end + 1
            lineNo += 1

            // A line of a section whose options are not kept, in ASCII: the same
            // rules on bytes, without building its strings (swiftvisorctl reads
            // 10,000 [program:x] sections it skips: docs/benchmarks.md "Scale").
            if let sect = current, !keeps(sect), let ascii = INIDocument.asciiLine(bytes, lineRange) {
                let valueRange = INIDocument.strip(bytes, lineRange.lowerBound..<(ascii.commentStart ?? lineRange.upperBound))
                if valueRange.isEmpty { continue }   // pending lines of a skipped option are never stored
                if option != nil, ascii.indent > indentLevel { continue }
                indentLevel = ascii.indent
                if let header = INIDocument.sectionHeader(bytes, valueRange) {
                    enter(header, line: lineNo)
                    continue
                }
                guard let d = bytes[valueRange].firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ":") }) else {
                    throw notAnOption(String(decoding: bytes[valueRange], as: UTF8.self), lineNo)
                }
                guard !INIDocument.strip(bytes, valueRange.lowerBound..<d).isEmpty else {
                    throw noKey(String(decoding: bytes[valueRange], as: UTF8.self), lineNo)
                }
                option = ""   // an option name (never stored: only continuation lines need one)
                pending = []
                continue
            }

            let rawLine = String(decoding: bytes[lineRange], as: UTF8.self)
            let line = Array(rawLine.unicodeScalars)
            let commentStart = INIDocument.commentStart(line)
            let value: String
            if let commentStart {
                var valueScalars = String.UnicodeScalarView()
                valueScalars.append(contentsOf: line[..<commentStart])
                value = PythonSyntax.strip(String(valueScalars))
            } else {
                value = PythonSyntax.strip(rawLine)
            }
            if value.isEmpty {
                // An empty line belongs to the value being read (empty_lines_in_values);
                // a comment-only line does not.
                if commentStart == nil, current != nil, option != nil { pending.append("") }
                continue
            }
            let indent = line.firstIndex { !PythonSyntax.isSpace($0) } ?? 0
            if current != nil, option != nil, indent > indentLevel {
                pending.append(value)
                continue
            }
            indentLevel = indent
            if let header = INIDocument.sectionHeader(value) {
                enter(header, line: lineNo)
                continue
            }
            guard current != nil else {
                throw ConfigError(file: file, line: lineNo,
                                  reason: "\"\(value)\" comes before any [section] header",
                                  hint: "start the file with a section such as [supervisord] or [program:name]")
            }
            guard let (key, val) = INIDocument.splitOption(value) else { throw notAnOption(value, lineNo) }
            guard !key.isEmpty else { throw noKey(value, lineNo) }
            flush()
            // A skipped section still needs an option name, for its continuation lines.
            if let sect = current, !keeps(sect) { option = key } else { option = key.lowercased() }
            pending = [val]
            pendingLocation = SourceLocation(file: file, line: lineNo)
        }
        flush()
    }

    /// For an ASCII line: where its comment starts and its indentation
    /// (`commentStart` and the first non-space, on bytes); nil when the line
    /// holds a byte >= 0x80.
    static func asciiLine(_ bytes: [UInt8], _ r: Range<Int>) -> (commentStart: Int?, indent: Int)? {
        for i in r where bytes[i] >= 0x80 { return nil }
        var scalars: [Unicode.Scalar] = []
        // Only lines that hold a comment character need commentStart's rounds.
        if bytes[r].contains(where: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "#") }) {
            scalars = bytes[r].map { Unicode.Scalar($0) }
        }
        let comment = scalars.isEmpty ? nil : commentStart(scalars).map { r.lowerBound + $0 }
        let indent = (r.firstIndex { !isSpace(bytes[$0]) } ?? r.lowerBound) - r.lowerBound
        return (comment, indent)
    }

    /// `PythonSyntax.isSpace` for an ASCII byte.
    static func isSpace(_ b: UInt8) -> Bool { (0x09...0x0D).contains(b) || (0x1C...0x20).contains(b) }

    /// `PythonSyntax.strip` on an ASCII range.
    static func strip(_ bytes: [UInt8], _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, isSpace(bytes[lo]) { lo += 1 }
        while hi > lo, isSpace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// `sectionHeader` on a stripped ASCII range.
    static func sectionHeader(_ bytes: [UInt8], _ r: Range<Int>) -> String? {
        guard r.first.map({ bytes[$0] == UInt8(ascii: "[") }) == true,
              let close = bytes[r].lastIndex(of: UInt8(ascii: "]")), close > r.lowerBound + 1 else { return nil }
        return String(decoding: bytes[(r.lowerBound + 1)..<close], as: UTF8.self)
    }

    /// Python text-mode universal newlines: `\r\n`, `\r` and `\n` all end a line.
    static func splitLines(_ text: String) -> [String] {
        // CR and LF are ASCII and never part of a multi-byte UTF-8 sequence, so
        // the lines are cut on bytes, each one a valid UTF-8 slice.
        var lines: [String] = []
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D || b == 0x0A {
                lines.append(String(decoding: bytes[start..<i], as: UTF8.self))
                i += (b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
        lines.append(String(decoding: bytes[start..<bytes.count], as: UTF8.self))
        return lines
    }

    /// Where a comment starts, or nil. A full-line comment starts with `;` or `#`
    /// after indentation; an inline one needs whitespace before it. The search
    /// runs in rounds over both prefixes like configparser, so with several
    /// candidates the result matches Python's, not simply the leftmost.
    static func commentStart(_ line: [Unicode.Scalar]) -> Int? {
        if let first = line.first(where: { !PythonSyntax.isSpace($0) }), first == ";" || first == "#" { return 0 }
        var positions: [(Unicode.Scalar, Int)] = [(";", -1), ("#", -1)]
        var found: Int? = nil
        while found == nil, !positions.isEmpty {
            var next: [(Unicode.Scalar, Int)] = []
            for (prefix, from) in positions {
                guard let idx = line[(from + 1)...].firstIndex(of: prefix) else { continue }
                next.append((prefix, idx))
                if idx == 0 || PythonSyntax.isSpace(line[idx - 1]) { found = min(found ?? idx, idx) }
            }
            positions = next
        }
        return found
    }

    /// `\[(?P<header>.+)\]` matched at the start: the text up to the last `]`.
    static func sectionHeader(_ value: String) -> String? {
        guard value.hasPrefix("["), let close = value.lastIndex(of: "]") else { return nil }
        let inner = value[value.index(after: value.startIndex)..<close]
        return inner.isEmpty ? nil : String(inner)
    }

    /// `(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$`: split at the first `=` or `:`.
    static func splitOption(_ value: String) -> (String, String)? {
        guard let d = value.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
        let key = PythonSyntax.strip(String(value[..<d]))
        let val = PythonSyntax.strip(String(value[value.index(after: d)...]))
        return (key, val)
    }
}
