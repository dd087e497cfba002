// Python's getopt.getopt as supervisord and supervisorctl use it
// (options.py Options.realize): options stop at the first non-option word,
// `--` ends them, long options may be abbreviated to a unique prefix, short
// options may be bundled (`-nc FILE`) and take attached values (`-cFILE`).
// Both command lines parse with it, so their error wordings stay identical.

/// One option: short letter and/or long name, with or without a value.
public struct GetoptSpec: Sendable, Equatable {
    public let short: Character?
    public let long: String?
    public let takesValue: Bool
    public init(short: Character?, long: String?, takesValue: Bool) {
        self.short = short; self.long = long; self.takesValue = takesValue
    }
    /// The key options are told apart by (the long name, else the letter).
    public var key: String { long ?? String(short!) }
    /// As getopt and supervisord name it in messages: `-u`, or `--minprocs`.
    public var shown: String { short.map { "-\($0)" } ?? "--\(long!)" }
}

/// What getopt rejects, in its wording (`option -z not recognized`).
public struct GetoptError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public enum PythonGetopt {
    /// Parse `args` (without argv[0]): the options in order, and the words left.
    public static func parse(_ args: [String], specs: [GetoptSpec]) throws(GetoptError) -> (options: [(GetoptSpec, String?)], rest: [String]) {
        let (named, rest) = try parseNamed(args, specs: specs)
        return (named.map { ($0.spec, $0.value) }, rest)
    }

    /// As `parse`, with each option as getopt returns it (`-s`, or the full
    /// `--serverurl` even when abbreviated): realize names it so in messages.
    public static func parseNamed(_ args: [String], specs: [GetoptSpec]) throws(GetoptError) -> (options: [(spec: GetoptSpec, given: String, value: String?)], rest: [String]) {
        var parsed: [(spec: GetoptSpec, given: String, value: String?)] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { i += 1; break }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name = String(body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])
                let inline: String? = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
                let candidates = specs.filter { $0.long?.hasPrefix(name) == true }
                let spec: GetoptSpec
                if let exact = candidates.first(where: { $0.long == name }) {
                    spec = exact
                } else if candidates.count == 1 {
                    spec = candidates[0]
                } else if candidates.isEmpty {
                    throw GetoptError("option --\(name) not recognized")
                } else {
                    throw GetoptError("option --\(name) not a unique prefix")
                }
                if spec.takesValue {
                    if let inline {
                        parsed.append((spec, "--\(spec.long!)", inline))
                    } else {
                        guard i + 1 < args.count else { throw GetoptError("option --\(spec.long!) requires argument") }
                        parsed.append((spec, "--\(spec.long!)", args[i + 1]))
                        i += 1
                    }
                } else {
                    if inline != nil { throw GetoptError("option --\(spec.long!) must not have an argument") }
                    parsed.append((spec, "--\(spec.long!)", nil))
                }
                i += 1
                continue
            }
            guard a.hasPrefix("-"), a != "-" else { break }  // getopt stops at the first non-option
            var chars = Array(a.dropFirst())
            while !chars.isEmpty {
                let c = chars.removeFirst()
                guard let spec = specs.first(where: { $0.short == c }) else {
                    throw GetoptError("option -\(c) not recognized")
                }
                if spec.takesValue {
                    if !chars.isEmpty {
                        parsed.append((spec, "-\(c)", String(chars)))
                        chars = []
                    } else {
                        guard i + 1 < args.count else { throw GetoptError("option -\(c) requires argument") }
                        parsed.append((spec, "-\(c)", args[i + 1]))
                        i += 1
                    }
                } else {
                    parsed.append((spec, "-\(c)", nil))
                }
            }
            i += 1
        }
        return (parsed, Array(args[i...]))
    }
}
