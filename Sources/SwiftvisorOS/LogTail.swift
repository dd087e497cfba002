// Reading log files for `tail` and the readLog/tailLog calls: supervisord's
// readFile and tailFile (options.py:2058-2129), byte for byte.
import Glibc
import SwiftvisorCore

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
    /// `length` bytes from `offset` (`length == 0`: to the end). At most
    /// `limit` bytes (`LogReadRange.clamp`).
    public static func read(path: String, offset: Int, length: Int,
                            limit: Int = ControlProtocol.maxLogRead) throws(LogTailError) -> [UInt8] {
        let reader = try LogReader(path: path, offset: offset, length: length, limit: limit)
        var out: [UInt8] = []
        while true {
            let chunk = try reader.read(max: ControlProtocol.logItemBytes)
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    /// supervisord `tailFile`, for `tail -f`: up to `length` bytes ending at the
    /// file's end, starting no earlier than `offset`. Returns the bytes, the
    /// offset for the next call (the current size) and whether output was
    /// skipped because the file grew by more than `length` since `offset`.
    /// An unreadable file yields no bytes and the same offset, as supervisord.
    public static func tail(path: String, offset: Int64, length: Int64) -> (bytes: [UInt8], offset: Int64, overflow: Bool) {
        tailIfOpened(path: path, offset: offset, length: length) ?? ([], offset, false)
    }

    /// `tail`, or nil when the file cannot be opened (supervisord's
    /// tailProcessStdoutLog answers a missing file with `['', 0, False]`,
    /// not with the caller's offset).
    public static func tailIfOpened(path: String, offset: Int64, length: Int64) -> (bytes: [UInt8], offset: Int64, overflow: Bool)? {
        guard let fd = try? SharedDirectory.openForReading(path) else { return nil }
        defer { Sys.close(fd) }
        guard let st = try? Sys.fstat(fd) else { return ([], offset, false) }
        let size = Int64(st.st_size)
        var offset = offset
        // Checked where it enters: a length from a client is clamped to the
        // read bound, and offset + length saturates instead of trapping.
        var length = min(max(length, 0), Int64(ControlProtocol.maxLogRead))
        var overflow = false
        func end() -> Int64 {
            let (sum, overflowed) = offset.addingReportingOverflow(length)
            return overflowed ? Int64.max : sum
        }
        if size > end() {
            overflow = true
            offset = size - 1
        }
        if end() > size {
            if offset > size - 1 { length = 0 }
            offset = size - min(length, size)
        }
        if offset < 0 { offset = 0 }
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

/// An open log file and a clamped range of it (`LogReadRange`), read a piece
/// at a time: a `readlog` reply is produced while the client takes it, so the
/// daemon holds one piece, never the whole range. The file stays open until
/// the reader is released, so a rotation meanwhile does not change what is read.
public final class LogReader {
    private var fd: Int32
    private var position: Int64
    /// Bytes still to read.
    public private(set) var remaining: Int64
    public let path: String
    /// The file's size and inode when it was opened.
    public private(set) var size: Int64 = 0
    public private(set) var inode: UInt64 = 0

    public init(path: String, offset: Int, length: Int, limit: Int) throws(LogTailError) {
        self.path = path
        if offset < 0 && length != 0 { throw .badArguments }
        if offset >= 0 && length < 0 { throw .badArguments }
        // Through SharedDirectory: a link another user planted at a log path is not read back to a client.
        do { fd = try SharedDirectory.openForReading(path) } catch { throw .failed(path: path, errno: error.errno) }
        let size: Int64
        do {
            let st = try Sys.fstat(fd)
            size = Int64(st.st_size)
            inode = UInt64(st.st_ino)
        } catch {
            Sys.close(fd)
            throw .failed(path: path, errno: error.errno)
        }
        self.size = size
        do throws(LogReadRange.BadArguments) {
            let range = try LogReadRange.clamp(offset: offset, length: length, size: size, limit: limit)
            position = range.start
            remaining = range.count
        } catch {
            Sys.close(fd)
            throw .badArguments
        }
    }

    deinit { close() }

    /// Up to `max` more bytes of the range; empty when it is done (or the file
    /// was truncated under us: what is gone is not invented).
    public func read(max: Int) throws(LogTailError) -> [UInt8] {
        guard fd >= 0, remaining > 0, max > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(min(Int64(max), remaining)))
        let result = out.withUnsafeMutableBytes { b in
            Result { () throws(SystemError) in try Sys.pread(fd, into: b, at: off_t(position)) }
        }
        let n: Int
        do { n = try result.get() } catch { throw .failed(path: path, errno: error.errno) }
        if n == 0 { remaining = 0; close(); return [] }
        out.removeSubrange(n...)
        position += Int64(n)
        remaining -= Int64(n)
        if remaining == 0 { close() }
        return out
    }

    /// Release the descriptor now (also done when the reader is released).
    public func close() {
        if fd >= 0 { Sys.close(fd); fd = -1 }
    }
}
