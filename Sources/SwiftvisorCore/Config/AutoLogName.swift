// Which files in childlogdir are AUTO child logs of a given identifier:
// supervisord matches `re.match('.+?---%s-\S+\.log\.{0,1}\d{0,4}' % identifier)`
// (options.py clear_autochildlogdir). `re.match` anchors at the start only.

public enum AutoLogName {
    public static func isAutoLog(_ name: String, identifier: String) -> Bool {
        let bytes = Array(name.utf8)
        let marker = Array("---\(identifier)-".utf8)
        // `.+?` needs at least one byte before the marker; try every marker position.
        var start = 1
        while start + marker.count <= bytes.count {
            if Array(bytes[start..<(start + marker.count)]) == marker,
               restMatches(bytes[(start + marker.count)...]) {
                return true
            }
            start += 1
        }
        return false
    }

    /// `\S+\.log` somewhere after the marker (the optional `.N` suffix needs no check: it may match empty).
    private static func restMatches(_ rest: ArraySlice<UInt8>) -> Bool {
        let suffix = Array(".log".utf8)
        var i = rest.startIndex
        // `\S+`: at least one non-space byte, then `.log`; every byte up to it must be non-space.
        while i < rest.endIndex {
            let b = rest[i]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C { return false }
            if i > rest.startIndex, i + suffix.count <= rest.endIndex, Array(rest[i..<(i + suffix.count)]) == suffix {
                return true
            }
            i += 1
        }
        return false
    }
}
