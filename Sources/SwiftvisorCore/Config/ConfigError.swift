// A config the reader refuses. supervisord prints one line without a
// location; we always say where (file, line, section, option), what is
// wrong, and what would be right.

/// A rejected configuration, with as much context as is known.
///
/// `description` is `<file>:<line>: [<section>] <option>: <reason> (<hint>)`;
/// parts that are unknown are left out. The CLI prefixes `Error: `.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var section: String?
    public var option: String?
    /// What is wrong, e.g. `"5s" is not an integer`.
    public var reason: String
    /// What would be right, e.g. `write a number of seconds, e.g. startsecs=5`.
    public var hint: String?

    public init(file: String? = nil, line: Int? = nil, section: String? = nil, option: String? = nil,
                reason: String, hint: String? = nil) {
        self.file = file; self.line = line; self.section = section; self.option = option
        self.reason = reason; self.hint = hint
    }

    /// An error at a known source location.
    public init(at location: SourceLocation?, section: String? = nil, option: String? = nil,
                reason: String, hint: String? = nil) {
        self.init(file: location?.file, line: location?.line, section: section, option: option,
                  reason: reason, hint: hint)
    }

    public var description: String {
        var s = ""
        if let file {
            s += file
            if let line { s += ":\(line)" }
            s += ": "
        }
        if let section { s += "[\(section)] " }
        if let option { s += "\(option): " }
        s += reason
        if let hint { s += " (\(hint))" }
        return s
    }
}

/// A value that does not convert; the loader adds file, line, section and option.
public struct ValueError: Error, Sendable, Equatable {
    public var reason: String
    public var hint: String?
    public init(_ reason: String, hint: String? = nil) { self.reason = reason; self.hint = hint }
}
