// What supervisord's Python does with the XML-RPC values it is given
// (supervisor/rpcinterface.py at 4.3.0): `int(offset)`, `if wait:`,
// `str(name)` in a fault string. Where supervisord's Python raises an error
// other than RPCError (split_namespec on an int name, int('abc')), it answers
// HTTP 500 (or, inside system.multicall, `FAILED: <class ...>`); swiftvisord
// answers fault INCORRECT_PARAMETERS instead (docs/protocol.md §9.8).

enum XMLRPCArguments {
    /// The fault given where supervisord's Python fails with a TypeError or
    /// AttributeError (HTTP 500 there).
    static func unusable(_ what: String) -> XMLRPCFault {
        XMLRPCFault(.incorrectParameters, what)
    }

    /// A process name (`name`, `group:name`, `group:*`): only a string; any
    /// other type makes supervisord's split_namespec fail.
    static func processName(_ value: XMLRPCValue) -> String? {
        if case .string(let s) = value { return s }
        return nil
    }

    /// A group name: supervisord looks it up in a dict, so a number, a
    /// boolean or nil names no group (BAD_NAME with Python's `str`), while a
    /// list or struct cannot be hashed (HTTP 500 there).
    enum GroupName {
        case name(String)
        case noSuchGroup(String)
        case unusable
    }

    static func groupName(_ value: XMLRPCValue) -> GroupName {
        switch value {
        case .string(let s): return .name(s)
        case .int, .bool, .double, .nil: return .noSuchGroup(pythonStr(value) ?? "")
        default: return .unusable
        }
    }

    /// Python's `int(value)`: ints as they are, booleans 0/1, floats
    /// truncated, strings as Python parses them; nil where Python raises.
    static func int(_ value: XMLRPCValue) -> Int? {
        switch value {
        case .int(let n): return n
        case .bool(let b): return b ? 1 : 0
        case .double(let d):
            guard d.isFinite else { return nil }
            return Int(exactly: d.rounded(.towardZero))
        case .string(let s): return PythonSyntax.int(s)
        default: return nil
        }
    }

    /// Python truthiness (`if wait:`).
    static func truthy(_ value: XMLRPCValue) -> Bool {
        switch value {
        case .bool(let b): return b
        case .int(let n): return n != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .dateTime: return true
        case .array(let a): return !a.isEmpty
        case .struct(let m): return !m.isEmpty
        case .nil: return false
        }
    }

    /// Python's `str(value)` for the scalar types (fault strings); nil for
    /// containers.
    static func pythonStr(_ value: XMLRPCValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .bool(let b): return b ? "True" : "False"
        case .double(let d): return XMLRPCEncoder.pythonRepr(d)
        case .nil: return "None"
        case .dateTime(let s): return s
        case .array, .struct: return nil
        }
    }

    /// Python's `'%s' % value` for any value: `str` of a scalar, `repr` of
    /// the items of a list or dict (sendRemoteCommEvent's payload).
    static func pythonFormat(_ value: XMLRPCValue) -> String {
        pythonStr(value) ?? pythonRepr(value)
    }

    private static func pythonRepr(_ value: XMLRPCValue) -> String {
        switch value {
        case .string(let s): return PythonSyntax.repr(s)
        case .array(let items): return "[" + items.map(pythonRepr).joined(separator: ", ") + "]"
        case .struct(let members):
            return "{" + members.map { PythonSyntax.repr($0.name) + ": " + pythonRepr($0.value) }.joined(separator: ", ") + "}"
        default: return pythonStr(value) ?? ""
        }
    }

    /// A signal as `signalProcess` takes it: a name or a number, as a string
    /// or an int (Python's signal_number tries `int()` first).
    static func signal(_ value: XMLRPCValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int, .bool, .double: return int(value).map(String.init)
        default: return nil
        }
    }

    /// The name to send on SWV1. SWV1 reads a literal `all` as every process,
    /// where supervisord looks up group `all`, process `all`
    /// (split_namespec('all') is ('all', 'all')): send that spelling.
    static func wire(_ name: String) -> String {
        name == "all" ? "all:all" : name
    }
}
