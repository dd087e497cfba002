// A child log file with supervisord's size rotation (supervisor/loggers.py
// `RotatingFileHandler.emit` and `doRollover` at 4.3.0; docs/os-layer.md):
// check after each write, f.(i) → f.(i+1), f → f.1, reopen
// truncated. Better than supervisord where it cost nothing to be: non-seekable
// targets are never rotated or seeked (no "Illegal seek", issue #935), a full
// disk drops and counts bytes instead of closing the channel, and a child's pipe
// can be relayed into the file with splice(2) without copying through userspace.
import Glibc
import CSwiftvisor
import SwiftvisorCore

/// What one `RotatingLogFile.relay(fromPipe:)` call did.
public enum RelayResult: Sendable, Equatable {
    /// The pipe's write end is closed and the pipe is empty.
    case eof
    /// The pipe is empty for now; wait for it to become readable again.
    case wouldBlock
    /// This many bytes were taken from the pipe (written, queued, or counted in `droppedBytes`).
    case moved(Int)
    /// The target is a pipe or terminal that cannot take more now (nobody
    /// reads it): stop reading the child's pipe, so the child, and only the
    /// child, waits; resume when `flushPending()` reports the queue empty.
    case blocked
}

/// One log file (or a non-seekable target such as `/dev/stdout`), written from
/// the loop thread only.
///
/// Regular files with `maxBytes > 0` are owned exclusively (opened without
/// O_APPEND, so splice(2) can write to them: it refuses O_APPEND files);
/// sharing such a file between programs corrupts it, as supervisord documents.
/// With `maxBytes == 0` files are opened O_APPEND, so several programs may
/// share one log file safely, as with supervisord's `ab` mode.
public final class RotatingLogFile {
    /// The configured path; rotation renames `path` to `path.1` and so on.
    public let path: String
    /// Rotate once the file reaches this size; 0 never rotates.
    public let maxBytes: Int64
    /// How many `path.N` backups to keep; 0 truncates in place.
    public let backups: Int
    /// Bytes written since creation (all files, all rotations).
    public private(set) var bytesWritten: UInt64 = 0
    /// Bytes that could not be written (disk full, I/O error, file not openable).
    public private(set) var droppedBytes: UInt64 = 0
    /// The most recent failure (write, rename or open), for the daemon to log.
    public private(set) var lastError: SystemError? = nil
    /// Line timestamps (`*_logfile_timestamps`): kept with the file, so lines
    /// of several writers sharing it are stamped where they start, never inside.
    public var stamper = LineStamper()
    /// Whether the target can rotate: a regular file, not a /dev or /proc path.
    public private(set) var isRotatable = false

    /// Bytes accepted for a non-regular target that would have blocked. Such
    /// targets are non-blocking, so a reader that stops (a stuck container log
    /// driver) never stalls the daemon's loop; the bytes wait here instead.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    /// Past this many queued bytes, further bytes are counted in `droppedBytes`
    /// (only reachable through `write`: `relay` stops reading instead).
    public static let pendingLimit = 4 * 1024 * 1024

    private var fd: Int32 = -1
    private var size: Int64 = 0
    private var useSplice = false
    private var buffer: [UInt8] = []
    /// supervisord reads child pipes 128 KiB at a time (options.py readfd).
    private static let chunk = 128 * 1024
    private static let spliceChunk = 1024 * 1024

    /// Open (create) `path` for appending.
    /// - Throws: the open failure; supervisord turns it into the spawn error
    ///   `unknown error making dispatchers for 'x': EACCES`.
    /// - Parameter appendOnly: keep O_APPEND even when the file is rotated
    ///   (no splice): for a file others may append to as well, such as the
    ///   main log when the daemon's stdout was redirected into it.
    public init(path: String, maxBytes: Int64, backups: Int, appendOnly: Bool = false) throws(SystemError) {
        self.path = path
        self.maxBytes = maxBytes
        self.backups = max(0, backups)
        self.appendOnly = appendOnly
        try open(truncate: false)
    }

    /// Write an already open descriptor (the daemon's inherited stdout) with
    /// append semantics; never rotated, never reopened by path.
    public init(descriptor: Int32, name: String) {
        self.path = name
        self.maxBytes = 0
        self.backups = 0
        self.appendOnly = true
        self.fixedDescriptor = true
        fd = descriptor
    }

    private let appendOnly: Bool
    /// Set for `init(descriptor:)`: `reopen` and `close` keep it as it is.
    private var fixedDescriptor = false

    deinit {
        if fd >= 0 { Sys.close(fd) }
    }

    /// The current file's size (bytes since open for non-regular targets).
    public var currentSize: Int64 {
        if fd >= 0, isRotatable, let st = try? Sys.fstat(fd) { return Int64(st.st_size) }
        return size
    }

    /// Whether bytes are queued because the target would block.
    public var isBlocked: Bool { pendingStart < pending.count }

    /// The open descriptor (-1 when closed), for a writable watch while blocked.
    public var descriptor: Int32 { fd }

    /// Write queued bytes; returns true when nothing is left queued.
    @discardableResult
    public func flushPending() -> Bool {
        guard isBlocked else { return true }
        guard ensureOpen() else { return false }
        while pendingStart < pending.count {
            let result = pending.withUnsafeBytes { raw in
                Result { () throws(SystemError) in try Sys.write(fd, UnsafeRawBufferPointer(rebasing: raw[pendingStart...])) }
            }
            switch result {
            case .success(let n) where n > 0:
                pendingStart += n
                bytesWritten += UInt64(n)
                size += Int64(n)
            case .failure(let error) where error.errno == EAGAIN:
                return false
            case .failure(let error):
                lastError = error
                droppedBytes += UInt64(pending.count - pendingStart)
                pendingStart = pending.count
            default:
                return false
            }
        }
        pending.removeAll(keepingCapacity: false)
        pendingStart = 0
        return true
    }

    private func enqueue(_ bytes: UnsafeRawBufferPointer) {
        if pendingStart > 0 && pendingStart == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingStart = 0
        }
        let room = max(0, Self.pendingLimit - (pending.count - pendingStart))
        let kept = min(room, bytes.count)
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<kept]))
        droppedBytes += UInt64(bytes.count - kept)
    }

    /// Whether `relay(fromPipe:)` moves bytes with splice(2) (exclusively owned
    /// regular file) rather than read+write.
    public var usesSplice: Bool { useSplice }

    /// Close the file; a later write reopens it.
    public func close() {
        if fd >= 0 { Sys.close(fd) }
        fd = -1
    }

    /// Reopen by path (SIGUSR2, after an external logrotate): a deleted or
    /// renamed file is recreated. Backups are untouched.
    public func reopen() {
        guard !fixedDescriptor else { return }
        close()
        do { try open(truncate: false) } catch { lastError = error }
    }

    /// Remove the current file and start an empty one; backups are kept
    /// (supervisord `clear`, RPC clearProcessLogs). Only a regular log file is
    /// removed: `/dev/stdout`, `/dev/fd/N`, a FIFO or a terminal is only ever
    /// written to (supervisord would unlink the `/dev/stdout` link itself).
    public func clear() {
        guard isRotatable else { return }
        close()
        do throws(SystemError) {
            try open(truncate: true)
        } catch {
            lastError = error
        }
    }

    /// Write all of `bytes`, then rotate if the file reached `maxBytes`.
    /// Never throws: what cannot be written is counted in `droppedBytes`, and
    /// the next write tries again (and reopens the file if it was not open).
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard ensureOpen() else {
            droppedBytes += UInt64(bytes.count)
            return
        }
        if isBlocked {
            // Keep the order: nothing may overtake what is already queued.
            enqueue(bytes)
            return
        }
        if useSplice { followExternalTruncation() }
        var offset = 0
        var queued = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let n: Int
            do {
                n = try Sys.write(fd, rest)
            } catch where error.errno == EAGAIN {
                enqueue(rest)
                queued = rest.count
                break
            } catch {
                lastError = error
                break
            }
            if n <= 0 { break }
            offset += n
        }
        bytesWritten += UInt64(offset)
        droppedBytes += UInt64(bytes.count - offset - queued)
        size += Int64(offset)
        rotateIfNeeded()
    }

    /// Convenience for `write(_: UnsafeRawBufferPointer)`.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Move what is waiting in the non-blocking pipe `pipe` into the file: one
    /// chunk (up to 128 KiB) per call, so one chatty child cannot starve the
    /// loop. Uses splice(2) for exclusively owned regular files, read+write
    /// otherwise. Bytes leave the pipe only as they enter the file (or are
    /// counted as dropped), in order, and rotation happens between chunks.
    public func relay(fromPipe pipe: Int32) -> RelayResult {
        if useSplice && ensureOpen() {
            followExternalTruncation()
            do throws(SystemError) {
                // splice copies no bytes through us, so it may take all a
                // (grown, 1 MiB) pipe holds in one call; but never overshoot
                // maxbytes by more than one 128 KiB read, as supervisord's files do.
                var count = Self.spliceChunk
                if maxBytes > 0 { count = min(count, max(Int(maxBytes - size), Self.chunk)) }
                let n = try Sys.splice(from: pipe, to: fd, count: count)
                if n == 0 { return .eof }
                bytesWritten += UInt64(n)
                size += Int64(n)
                rotateIfNeeded()
                return .moved(n)
            } catch where error.errno == EAGAIN {
                return .wouldBlock
            } catch {
                // EINVAL: this filesystem cannot splice; stop trying. Anything else
                // (ENOSPC, EIO): the bytes are still in the pipe; the copy path
                // below takes them and counts them as dropped, so the child is
                // not stalled by a full disk.
                lastError = error
                if error.errno == EINVAL { useSplice = false }
            }
        }
        if isBlocked { return .blocked }
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: Self.chunk) }
        // Array.withUnsafeMutableBytes is untyped-rethrows: carry the typed error out in a Result.
        let result = buffer.withUnsafeMutableBytes { b in
            Result { () throws(SystemError) in try Sys.read(pipe, into: b) }
        }
        let n: Int
        switch result {
        case .success(let count): n = count
        case .failure(let error) where error.errno == EAGAIN: return .wouldBlock
        case .failure(let error):
            lastError = error
            return .eof  // a pipe that fails to read is finished
        }
        if n == 0 { return .eof }
        buffer.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        return .moved(n)
    }

    // MARK: - Private

    /// Without O_APPEND our offset does not follow the file's end. If someone
    /// truncated the file behind us (logrotate's `copytruncate`, `: > file`),
    /// continue at the new end instead of leaving a hole of zeros.
    private func followExternalTruncation() {
        guard let st = try? Sys.fstat(fd), Int64(st.st_size) < size else { return }
        if let end = try? Sys.lseek(fd, 0, SEEK_END) { size = Int64(end) }
    }

    private func ensureOpen() -> Bool {
        if fd >= 0 { return true }
        if fixedDescriptor { return false }
        do { try open(truncate: false) } catch { lastError = error }
        return fd >= 0
    }

    /// Open the file relative to its directory (`SharedDirectory`: no link
    /// another user planted is followed, no file of theirs is written). With
    /// `truncate` (after a rotation, at `clear`) the name is created afresh
    /// with O_EXCL | O_NOFOLLOW instead of truncating whatever holds it now.
    private func open(truncate: Bool) throws(SystemError) {
        let (directory, name) = try SharedDirectory.containing(path)
        // 0666 before umask, as Python's open(..., 'ab'). O_NONBLOCK: a FIFO
        // must not block the loop in open(2) waiting for a reader (supervisord
        // does), nor a pipe or terminal in write(2) once its reader stops.
        let flags = O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY
        let newFD: Int32
        if truncate {
            newFD = try directory.createFresh(name, flags: flags, mode: 0o666)
        } else {
            do {
                newFD = try directory.openForWriting(name, flags: flags, mode: 0o666)
            } catch where error.errno == ENXIO {
                // A FIFO nobody reads yet: open it read-write, which never
                // blocks; bytes wait in the FIFO (then in `pending`) for a reader.
                newFD = try directory.openForWriting(name, flags: (flags & ~O_WRONLY) | O_RDWR, mode: 0o666)
            }
        }
        fd = newFD
        let st = try? Sys.fstat(newFD)
        let regular = st.map { ($0.st_mode & S_IFMT) == S_IFREG } ?? false
        // /dev/stdout of a daemon whose stdout is a file is a regular file, but
        // renaming "/dev/stdout" would be wrong: those paths never rotate.
        isRotatable = regular && !path.hasPrefix("/dev/") && !path.hasPrefix("/proc/")
        if regular, let flags = try? syscall("fcntl(F_GETFL)", { fcntl(newFD, F_GETFL) }) {
            _ = fcntl(newFD, F_SETFL, flags & ~O_NONBLOCK)
        }
        size = regular ? Int64(st?.st_size ?? 0) : 0
        useSplice = false
        if isRotatable && maxBytes > 0 && !appendOnly {
            // Exclusive owner: drop O_APPEND (splice refuses it) and continue at the end.
            do throws(SystemError) {
                let flags = try syscall("fcntl(F_GETFL)") { fcntl(newFD, F_GETFL) }
                _ = try syscall("fcntl(F_SETFL)") { fcntl(newFD, F_SETFL, flags & ~O_APPEND) }
                size = Int64(try Sys.lseek(newFD, 0, SEEK_END))
                useSplice = true
            } catch {
                lastError = error  // still correct with O_APPEND and write()
            }
        }
    }

    /// Rotation renames relative to the directory (renameat never follows a
    /// link at either name), then creates the new file exclusively: a link
    /// planted at the name meanwhile is removed, never truncated through.
    private func rotateIfNeeded() {
        guard isRotatable, maxBytes > 0, size >= maxBytes else { return }
        var renamed = true
        if backups > 0 {
            do throws(SystemError) {
                let (directory, name) = try SharedDirectory.containing(path)
                for i in stride(from: backups - 1, through: 1, by: -1) {
                    let source = "\(name).\(i)"
                    if directory.statEntry(source) != nil { _ = removeAndRename(directory, source, "\(name).\(i + 1)") }
                }
                renamed = removeAndRename(directory, name, "\(name).1")
            } catch {
                lastError = error
                renamed = false
            }
        }
        close()
        // If the current file could not be renamed away, truncating it would
        // lose its contents: keep appending and try again after the next write.
        do { try open(truncate: renamed) } catch { lastError = error }
    }

    /// supervisord's removeAndRename: a vanished source or target is fine.
    private func removeAndRename(_ directory: SharedDirectory, _ source: String, _ target: String) -> Bool {
        do throws(SystemError) {
            try directory.remove(target)
            try directory.rename(source, to: target)
            return true
        } catch where error.errno == ENOENT {
            return true  // the source was deleted (a cleanup script): nothing to keep
        } catch {
            lastError = error
            return false
        }
    }
}
