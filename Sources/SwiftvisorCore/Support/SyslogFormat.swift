// What supervisord's SyslogHandler.emit (supervisor/loggers.py at 4.3.0)
// makes of one record: the record's message with its trailing newlines
// stripped, split at every newline, each piece formatted on its own. For a
// program's output the record is one read from its pipe and the format
// `<process name> %(message)s` (dispatchers.py `_init_normallog`); for the
// main log the format is its file format, `%(asctime)s %(levelname)s %(message)s\n`.

public enum SyslogFormat {
    /// The syslog messages for `chunk`, one read of a program's output.
    public static func programMessages(processName: String, chunk: [UInt8]) -> [[UInt8]] {
        let prefix = Array(processName.utf8) + [0x20]
        return pieces(chunk).map { prefix + $0 }
    }

    /// The syslog messages for one main log record.
    public static func mainLogMessages(asctime: String, level: String, message: String) -> [[UInt8]] {
        let head = Array("\(asctime) \(level) ".utf8)
        return pieces(Array(message.utf8)).map { head + $0 + [0x0A] }
    }

    /// Python's `message.rstrip('\n').split('\n')`.
    static func pieces(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0x0A { end -= 1 }
        return bytes[..<end].split(separator: 0x0A, omittingEmptySubsequences: false)
    }
}
