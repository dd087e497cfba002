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
        var lines = INIDocument.splitLines(text)
        if lines.last == "" { lines.removeLast() }
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

        for (n, rawLine) in lines.enumerated() {
            let lineNo = n + 1
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
                flush()
                option = nil; pending = []
                current = header
                if header != "DEFAULT", sectionIndex[header] == nil {
                    sectionIndex[header] = sections.count
                    sections.append(INISection(name: header, location: SourceLocation(file: file, line: lineNo)))
                }
                continue
            }
            guard current != nil else {
                throw ConfigError(file: file, line: lineNo,
                                  reason: "\"\(value)\" comes before any [section] header",
                                  hint: "start the file with a section such as [supervisord] or [program:name]")
            }
            guard let (key, val) = INIDocument.splitOption(value) else {
                throw ConfigError(file: file, line: lineNo, section: current,
                                  reason: "\"\(value)\" is neither a [section] header nor a key=value line",
                                  hint: "write key=value, or start a continuation line with more indentation than its key")
            }
            guard !key.isEmpty else {
                throw ConfigError(file: file, line: lineNo, section: current,
                                  reason: "\"\(value)\" has no option name before the '='",
                                  hint: "write key=value")
            }
            flush()
            // A skipped section still needs an option name, for its continuation lines.
            if let sect = current, !keeps(sect) { option = key } else { option = key.lowercased() }
            pending = [val]
            pendingLocation = SourceLocation(file: file, line: lineNo)
        }
        flush()
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
