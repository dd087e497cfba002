// An XML-RPC value, as supervisord's request unmarshaller produces it
// (supervisor/xmlrpc.py supervisor_xmlrpc_handler.unmarshallers at 4.3.0) and
// as Python's xmlrpc.client marshals a response.

/// One XML-RPC value.
public enum XMLRPCValue: Sendable, Equatable {
    /// `<string>`, an untyped `<value>`, `<base64>` (decoded to text, as
    /// supervisord decodes it), or an unknown type element's text (`<i8>5</i8>`).
    case string(String)
    /// `<int>`/`<i4>`. Encoded as `<int>` clamped to the signed 32-bit range
    /// (supervisord's capped_int; Python refuses to marshal more).
    case int(Int)
    /// `<boolean>`: only the text `1` is true.
    case bool(Bool)
    case double(Double)
    /// `<dateTime.iso8601>` as `YYYYMMDDTHH:MM:SS`.
    case dateTime(String)
    case array([XMLRPCValue])
    /// Members in order; names are unique (a repeated name keeps its first
    /// position and takes the last value, as a Python dict built from pairs).
    case `struct`([XMLRPCMember])
    /// Python's None: an empty unknown type element such as `<nil/>`.
    case `nil`

    /// The member named `name` of a struct.
    public subscript(member name: String) -> XMLRPCValue? {
        guard case .struct(let members) = self else { return nil }
        return members.first { $0.name == name }?.value
    }

    /// A struct from pairs, in order.
    public static func structure(_ pairs: [(String, XMLRPCValue)]) -> XMLRPCValue {
        .struct(pairs.map { XMLRPCMember($0.0, $0.1) })
    }
}

/// One `<member>` of a struct.
public struct XMLRPCMember: Sendable, Equatable {
    public var name: String
    public var value: XMLRPCValue
    public init(_ name: String, _ value: XMLRPCValue) {
        self.name = name
        self.value = value
    }
}
