// Reading log files for `tail` and the readLog/tailLog calls: supervisord's
// readFile and tailFile (options.py:2058-2129), byte for byte.
import Glibc

/// Why a log read failed; the names are supervisord's RPC fault names.
public enum LogTailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A negative offset with a non-zero length, or a negative length.
    case badArguments
    /// The file cannot be opened or read.
    case failed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .badArguments: return "BAD_ARGUMENTS"
        case .failed: return "FAILED"
        }
    }
}

/// Reads parts of log files.
public enum LogTail {
    /// supervisord `readFile`: a negative `offset` returns the last `-offset`
    /// bytes (clamped to the file) and requires `length == 0`; otherwise
    /// `length` bytes from `offset` (`length == 0`: to the end).
    public static func read(path: String, offset: Int64, length: Int64) throws(LogTailError) -> [UInt8] {
        if offset < 0 && length != 0 { throw .badArguments }
        if offset >= 0 && length < 0 { throw .badArguments }
        let fd: Int32
        do { fd = try Sys.open(path, O_RDONLY) } catch { throw .failed(path: path, errno: error.errno) }
        defer { Sys.close(fd) }
        do throws(SystemError) {
            let size = Int64(try Sys.fstat(fd).st_size)
            let start: Int64
            let count: Int64
            if offset < 0 {
                start = max(0, size - (-offset))
                count = min(-offset, size - start)
            } else {
                start = offset
                count = length == 0 ? max(0, size - offset) : length
            }
            return try readRange(fd, start: start, count: count)
        } catch {
            throw .failed(path: path, errno: error.errno)
        }
    }

    /// supervisord `tailFile`, for `tail -f`: up to `length` bytes ending at the
    /// file's end, starting no earlier than `offset`. Returns the bytes, the
    /// offset for the next call (the current size) and whether output was
    /// skipped because the file grew by more than `length` since `offset`.
    /// An unreadable file yields no bytes and the same offset, as supervisord.
    public static func tail(path: String, offset: Int64, length: Int64) -> (bytes: [UInt8], offset: Int64, overflow: Bool) {
        guard let fd = try? Sys.open(path, O_RDONLY) else { return ([], offset, false) }
        defer { Sys.close(fd) }
        guard let st = try? Sys.fstat(fd) else { return ([], offset, false) }
        let size = Int64(st.st_size)
        var offset = offset
        var length = length
        var overflow = false
        if size > offset + length {
            overflow = true
            offset = size - 1
        }
        if offset + length > size {
            if offset > size - 1 { length = 0 }
            offset = size - length
        }
        if offset < 0 { offset = 0 }
        if length < 0 { length = 0 }
        let bytes = length == 0 ? [] : ((try? readRange(fd, start: offset, count: length)) ?? [])
        return (bytes, size, overflow)
    }

    /// pread until `count` bytes or end of file.
    private static func readRange(_ fd: Int32, start: Int64, count: Int64) throws(SystemError) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(count))
        var got = 0
        while got < out.count {
            let result = out.withUnsafeMutableBytes { b in
                Result { () throws(SystemError) in
                    try Sys.pread(fd, into: UnsafeMutableRawBufferPointer(rebasing: b[got...]), at: off_t(start) + off_t(got))
                }
            }
            let n = try result.get()
            if n == 0 { break }
            got += n
        }
        out.removeSubrange(got...)
        return out
    }
}
