// swiftvisorctl's connection to the daemon: one blocking socket, opened on
// first use. Its first bytes are the probe (docs/protocol.md "Telling
// swiftvisord from supervisord"): swiftvisord answers it in SWV1, and the
// session goes on in SWV1 (`auth` first when credentials are set, replies
// read until their end line); supervisord answers it in HTTP, and every
// request of the session goes to CtlHTTPSession as XML-RPC. No polling: a
// follow blocks in recv until bytes arrive.
import Glibc
import Synchronization
import SwiftvisorCore

/// Set by SIGINT while a command runs (Ctrl-C ends `tail -f` and the shell).
public enum CtlInterrupt {
    private static let flag = Atomic<Bool>(false)
    /// A pipe the handler writes a byte to (both ends non-blocking and
    /// close-on-exec), created once: a stream waits for its socket and this
    /// pipe together, so a Ctrl-C that lands while the client is busy (not
    /// blocked in recv, where EINTR would tell it) still ends a stream that
    /// then goes quiet. The flag alone was seen too late: the next recv
    /// blocked until the log grew again.
    private static let wake: (read: Int32, write: Int32) = (try? Sys.pipe(flags: O_NONBLOCK)) ?? (-1, -1)
    /// `wake.write` for the handler, which must not run a lazy initializer.
    private static let wakeWrite = Atomic<Int32>(-1)

    /// Route SIGINT to the flag, without SA_RESTART so a blocked read returns EINTR.
    public static func install() {
        wakeWrite.store(wake.write, ordering: .sequentiallyConsistent)
        clear()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // Async-signal-safe only: an atomic store, write(2), errno kept.
            let saved = errno
            CtlInterrupt.flag.store(true, ordering: .relaxed)
            var byte: UInt8 = 1
            let fd = CtlInterrupt.wakeWrite.load(ordering: .relaxed)
            if fd >= 0 { _ = Glibc.write(fd, &byte, 1) }
            errno = saved
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        _ = sigaction(SIGINT, &action, nil)
    }

    /// Back to the default action (Ctrl-C terminates), as outside a follow.
    public static func uninstall() {
        _ = signal(SIGINT, SIG_DFL)
    }

    /// Keep SIGINT away from the calling thread (fg's output thread), so Ctrl-C
    /// interrupts the thread that reads the terminal.
    public static func blockInThisThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        _ = pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    public static var isSet: Bool { flag.load(ordering: .relaxed) }

    public static func clear() {
        flag.store(false, ordering: .relaxed)
        var bytes = (0 as UInt64, 0 as UInt64)
        let fd = wakeWrite.load(ordering: .relaxed) >= 0 ? wake.read : -1
        while fd >= 0, withUnsafeMutableBytes(of: &bytes, { Glibc.read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// The pipe's read end, readable once Ctrl-C was pressed since the last
    /// `clear` (-1 before `install`): for a caller that polls several descriptors.
    static var wakeFD: Int32 { wakeWrite.load(ordering: .relaxed) >= 0 ? wake.read : -1 }

    /// Wait, as long as it takes, until `fd` is readable (true) or Ctrl-C is
    /// pressed (false). Errors other than EINTR return true: the read that
    /// follows reports them.
    static func waitReadable(_ fd: Int32) -> Bool {
        while true {
            if isSet { return false }
            let wakeFD = self.wakeFD
            var polls = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                         pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let n = polls.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t(wakeFD >= 0 ? 2 : 1), -1) }
            if n < 0 {
                if errno == EINTR { continue }
                return true
            }
            if isSet || polls[1].revents != 0 { return false }
            if polls[0].revents != 0 { return true }
        }
    }
}

/// A CtlTransport over the daemon's socket (Unix or TCP).
public final class CtlConnection: CtlTransport {
    /// What the server at the other end speaks, once the probe has told.
    private enum Mode {
        case unknown
        case line
        case http(CtlHTTPSession)
    }

    /// The first bytes of a session. swiftvisord reads the line `version`
    /// (answered in SWV1), then two blank lines (ignored). supervisord's
    /// medusa reads up to the blank line one request line, `version\n\t \t`,
    /// that its request pattern splits into a method and a path: it answers
    /// `HTTP/None 400 Bad Request` at once and logs nothing (a probe without
    /// a space, `version\r\n\r\n`, makes it print an uncaught exception to
    /// its stdout; a bare `version\n` is never answered).
    public static let probe: [UInt8] = Array("version\n\t \t\r\n\r\n".utf8)

    private var mode = Mode.unknown
    /// The probe's SWV1 reply, returned for the session's first request when
    /// that is `version` (every command's upcheck), so the probe costs no
    /// extra round trip.
    private var probeReply: ControlResponse?
    private var serverURL: String
    private var username: String?
    private var password: String?
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    /// Where each recv lands before it is appended to `buffer`: 64 KiB, 256 KiB
    /// for a follow stream (read at full speed in few calls).
    private var receiveScratch: [UInt8] = []
    private var bufferStart = 0
    /// Bytes received so far on any connection (tells a reply cut short from none at all).
    private var received = 0
    /// The interactive shell keeps its SIGINT handler after a follow.
    public var keepInterruptHandler = false

    public init(serverURL: String, username: String?, password: String?) {
        self.serverURL = serverURL; self.username = username; self.password = password
    }

    deinit { disconnect() }

    public func reset(serverURL: String, username: String?, password: String?) {
        disconnect()
        mode = .unknown
        probeReply = nil
        self.serverURL = serverURL; self.username = username; self.password = password
    }

    private func disconnect() {
        if fd >= 0 { Sys.close(fd); fd = -1 }
        buffer = []
        bufferStart = 0
    }

    /// Set by `shutdownStream`. fg's reader can reach EOF (stdin is /dev/null)
    /// before the output thread has even connected: a shutdown of no socket
    /// would be lost and the follow that starts next would stream forever.
    private let streamStopped = Atomic<Bool>(false)

    /// Shut the socket down from another thread (fg ends its output stream so);
    /// a follow not yet connected will not start.
    public func shutdownStream() {
        streamStopped.store(true, ordering: .sequentiallyConsistent)
        if fd >= 0 { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        if case .http(let session) = mode { session.shutdownSocket() }
    }

    private func connectIfNeeded() throws(CtlTransportError) {
        guard fd < 0 else { return }
        fd = try CtlSocketIO.connect(serverURL)
        try authenticate()
    }

    /// Authenticate first: the daemon answers nothing else before it.
    private func authenticate() throws(CtlTransportError) {
        guard let username, let password else { return }
        try write(ControlRequest.auth(user: username, password: password).encoded())
        do throws(CtlTransportError) {
            if case .fault = try readReply(deadline: replyDeadline()) { throw CtlTransportError.authRequired }
        } catch {
            disconnect()
            throw error
        }
    }

    /// Connect and send the probe: an HTTP answer switches the session to
    /// XML-RPC; an SWV1 answer is kept for a first `version` request.
    private func detect() throws(CtlTransportError) {
        fd = try CtlSocketIO.connect(serverURL)
        do throws(CtlTransportError) {
            try write(Self.probe)
            guard let first = try readLine(deadline: replyDeadline()) else { throw CtlTransportError.closed }
            if first.starts(with: Array("HTTP/".utf8)) {
                disconnect()
                mode = .http(CtlHTTPSession(serverURL: serverURL, username: username, password: password))
                return
            }
            mode = .line
            do throws(CtlTransportError) {
                probeReply = try readReply(deadline: replyDeadline(), status: try decodeStatus(first))
            } catch .authRequired {
                probeReply = nil  // credentials are sent next; the version is asked again
            }
        } catch {
            disconnect()
            throw error
        }
        try authenticate()
    }

    public func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse {
        if case .unknown = mode { try detect() }
        if case .http(let session) = mode { return try session.send(request) }
        if let reply = probeReply {
            probeReply = nil
            if request == .version { return reply }
        }
        return try roundTrip(request) { () throws(CtlTransportError) in
            try readReply(deadline: request.waitsForProcesses ? nil : replyDeadline())
        }
    }

    public func sendUndecoded(_ request: ControlRequest) throws(CtlTransportError) -> UndecodedReply? {
        if case .unknown = mode { try detect() }
        if case .http = mode { return nil }
        probeReply = nil
        return try roundTrip(request) { () throws(CtlTransportError) in
            try readUndecodedReply(deadline: request.waitsForProcesses ? nil : replyDeadline())
        }
    }

    /// Write `request` and read its reply with `read`, connecting first if needed.
    private func roundTrip<Reply>(_ request: ControlRequest,
                                  read: () throws(CtlTransportError) -> Reply) throws(CtlTransportError) -> Reply {
        let reused = fd >= 0
        let receivedBefore = received
        try connectIfNeeded()
        do {
            return try exchange(request, read: read)
        } catch {
            // The shell keeps its connection between commands; if the daemon went
            // away meanwhile (restart), the request never reached it: send it once
            // more on a fresh connection (supervisorctl opens one per call).
            guard reused && received == receivedBefore && (error == .closed || error == .system(call: "send", errno: EPIPE)
                                                || error == .system(call: "recv", errno: ECONNRESET)) else { throw error }
            try connectIfNeeded()
            return try exchange(request, read: read)
        }
    }

    /// One request and its reply on the open connection; any failure drops
    /// the connection, so the next call starts on a fresh one.
    private func exchange<Reply>(_ request: ControlRequest,
                                 read: () throws(CtlTransportError) -> Reply) throws(CtlTransportError) -> Reply {
        do {
            try write(request.encoded())
            return try read()
        } catch {
            disconnect()
            throw error
        }
    }

    public func follow(_ targets: [FollowTarget], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        if case .unknown = mode { try detect() }
        probeReply = nil
        if case .http(let session) = mode {
            CtlInterrupt.install()
            defer { if !keepInterruptHandler { CtlInterrupt.uninstall() } }
            return try session.follow(targets, stopped: { streamStopped.load(ordering: .sequentiallyConsistent) }, onData: onData)
        }
        return try stream(.follow(targets)) { index, bytes in onData(index, Array(bytes)) }
    }

    public func follow(_ targets: [FollowTarget], from offsets: [Int], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        try follow(targets, from: offsets, onBytes: { index, bytes in onData(index, Array(bytes)) })
    }

    public func follow(_ targets: [FollowTarget], from offsets: [Int],
                       onBytes: (Int, UnsafeRawBufferPointer) -> Void) throws(CtlTransportError) -> ControlFault? {
        if case .unknown = mode { try detect() }
        // supervisord's /logtail cannot start at an offset: follow as tail -f does there.
        if case .http = mode { return try follow(targets, onData: { index, bytes in bytes.withUnsafeBytes { onBytes(index, $0) } }) }
        // Raw frames: the file's bytes as they are (docs/protocol.md §5). A
        // daemon from before `follow --raw` refuses the option (ERR 3 naming
        // it) and gets the request it knows.
        let fault = try stream(.followRaw(targets, offsets: offsets), raw: true, onBytes: onBytes)
        if let fault, fault.code == .badArguments, fault.message.contains("--raw") {
            return try stream(.followFrom(targets, offsets: offsets), onBytes: onBytes)
        }
        return fault
    }

    private func stream(_ request: ControlRequest, raw: Bool = false,
                        onBytes: (Int, UnsafeRawBufferPointer) -> Void) throws(CtlTransportError) -> ControlFault? {
        probeReply = nil
        try connectIfNeeded()
        // Checked after connecting: a shutdownStream that saw no socket yet is seen here.
        if streamStopped.load(ordering: .sequentiallyConsistent) { disconnect(); return nil }
        // Ctrl-C ends the stream (supervisorctl: KeyboardInterrupt in _tailf).
        CtlInterrupt.install()
        defer { disconnect(); if !keepInterruptHandler { CtlInterrupt.uninstall() } }
        try write(request.encoded())
        let status = try readStatus(deadline: replyDeadline())
        switch status {
        case .fault(let f):
            _ = try? readLine(deadline: replyDeadline())  // the end line
            if f.code == .authRequired || f.code == .authFailed { throw .authRequired }
            return f
        case .ok:
            return nil
        case .stream:
            break
        }
        if raw { return try rawFrames(onBytes: onBytes) }
        if receiveScratch.count < 256 * 1024 { receiveScratch = [UInt8](repeating: 0, count: 256 * 1024) }
        while true {
            let range: Range<Int>
            do {
                // No deadline: a quiet log is a live stream.
                guard let r = try nextLine(interruptible: true, deadline: nil) else { return nil }
                range = r
            } catch .closed where CtlInterrupt.isSet {
                return nil
            }
            // Data items (nearly every line) are decoded in place; any other line
            // the general way.
            if let (target, bytes) = buffer.withUnsafeBytes({ StreamDataItem.decode(UnsafeRawBufferPointer(rebasing: $0[range])) }) {
                bytes.withUnsafeBytes { onBytes(target, $0) }
                continue
            }
            guard let decoded = try? ReplyLine.decodeBody(buffer[range]) else { throw .incompatible("(garbled stream)") }
            switch decoded {
            case .end: return nil
            case .item(.data(let target, let bytes)): bytes.withUnsafeBytes { onBytes(target, $0) }
            default: continue
            }
        }
    }

    /// The rest of a `follow --raw` stream: each `chunk` frame's bytes to
    /// `onBytes`, where recv put them; until the end line, EOF or Ctrl-C.
    /// Lines that are not frames are reply lines (§4: unknown items are
    /// ignored). It has its own receive space, received into directly: the
    /// stream is most of what `logs -f` costs the client, and the general
    /// buffer would copy every byte once more (scratch → buffer) and again to
    /// move each cut frame to its start. The connection ends with the stream,
    /// so nothing is handed back to `buffer`.
    private func rawFrames(onBytes: (Int, UnsafeRawBufferPointer) -> Void) throws(CtlTransportError) -> ControlFault? {
        // A header line and one whole frame always fit, with room for several
        // frames a recv beside them.
        // Not zero-filled: a page is touched only once a recv reaches it.
        let capacity = 2 * (RawFollowFrame.maxLength + ControlProtocol.maxReplyLine)
        let room = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { room.deallocate() }
        // What the general buffer already holds (received with the status line).
        var end = buffer.count - bufferStart
        if end > capacity { throw .replyLineTooLong }
        buffer.withUnsafeBytes { src in
            UnsafeMutableRawBufferPointer(rebasing: room[..<end]).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[bufferStart...]))
        }
        buffer = []
        bufferStart = 0
        var start = 0
        while true {
            switch RawFollowFrame.next(in: UnsafeRawBufferPointer(rebasing: room[..<end]), from: start) {
            case .frame(let target, let bytes, let next):
                onBytes(target, UnsafeRawBufferPointer(rebasing: room[bytes]))
                start = next
            case .line(let range, let next):
                guard let decoded = try? ReplyLine.decodeBody(Array(room[range])) else { throw .incompatible("(garbled stream)") }
                start = next
                if case .end = decoded { return nil }
            case .malformed:
                throw .incompatible("(garbled stream)")
            case .needMore:
                // Only a header line and one frame at most are waiting.
                if end - start > RawFollowFrame.maxLength + ControlProtocol.maxReplyLine { throw .replyLineTooLong }
                // The waiting piece goes to the start only when the space
                // past it is short of a whole frame: a move per several frames.
                if capacity - end < RawFollowFrame.maxLength + ControlProtocol.maxReplyLine {
                    if let base = room.baseAddress, start < end { base.copyMemory(from: base + start, byteCount: end - start) }
                    end -= start
                    start = 0
                }
                let n: Int
                do {
                    // No deadline: a quiet log is a live stream.
                    guard let got = try CtlSocketIO.receive(fd, into: UnsafeMutableRawBufferPointer(rebasing: room[end...]),
                                                            interruptible: true) else { return nil }
                    n = got
                } catch .closed where CtlInterrupt.isSet {
                    return nil
                }
                end += n
                received += n
            }
        }
    }

    // MARK: reading and writing

    private func write(_ bytes: [UInt8]) throws(CtlTransportError) {
        try CtlSocketIO.sendAll(fd, bytes)
    }

    /// When a reply line must have arrived by.
    private func replyDeadline() -> Double { EventLoop.now() + ControlProtocol.clientReplyTimeout }

    private func readStatus(deadline: Double?) throws(CtlTransportError) -> ReplyStatus {
        guard let line = try readLine(deadline: deadline) else { throw .closed }
        return try decodeStatus(line)
    }

    private func decodeStatus(_ line: [UInt8]) throws(CtlTransportError) -> ReplyStatus {
        do { return try ReplyLine.decodeStatus(line) } catch {
            switch error {
            case .wrongVersion(let v): throw .incompatible(v)
            case .malformed: throw .incompatible("(malformed reply)")
            }
        }
    }

    /// A whole reply. The deadline is per line (a large reply keeps arriving).
    private func readReply(deadline: Double?, status known: ReplyStatus? = nil) throws(CtlTransportError) -> ControlResponse {
        let status: ReplyStatus
        if let known { status = known } else { status = try readStatus(deadline: deadline) }
        var items: [ControlItem] = []
        while true {
            guard let range = try nextLine(interruptible: false, deadline: deadline == nil ? nil : replyDeadline()) else { throw .closed }
            // `log` items (a readlog reply is mostly them) decoded in place.
            if let bytes = buffer.withUnsafeBytes({ StreamDataItem.decodeLog(UnsafeRawBufferPointer(rebasing: $0[range])) }) {
                items.append(.log(bytes))
                continue
            }
            let decoded: ReplyLine
            do { decoded = try ReplyLine.decodeBody(buffer[range]) } catch { throw .incompatible("(malformed reply)") }
            switch decoded {
            case .end:
                switch status {
                case .fault(let f):
                    if f.code == .authRequired || f.code == .authFailed { throw .authRequired }
                    return .fault(f)
                case .ok, .stream:
                    return .ok(items)
                }
            case .item(let item): items.append(item)
            case .status: throw .incompatible("(malformed reply)")
            }
        }
    }

    /// A whole reply with its item lines as received (`readReply` without
    /// the decoding): the same per-line deadline and line-length limit; a
    /// fault's items are checked and dropped, as `readReply` does.
    private func readUndecodedReply(deadline: Double?) throws(CtlTransportError) -> UndecodedReply {
        let status = try readStatus(deadline: deadline)
        var items: [UInt8] = []
        var searched = bufferStart
        while true {
            while let nl = buffer[searched...].firstIndex(of: 0x0A) {
                let line = buffer[bufferStart..<nl]
                if ReplyLine.isEnd(line) {
                    bufferStart = nl + 1
                    if bufferStart == buffer.count { buffer.removeAll(keepingCapacity: true); bufferStart = 0 }
                    guard case .fault(let f) = status else { return UndecodedReply(status: status, items: items) }
                    guard UndecodedReply(status: status, items: items).decoded() != nil else { throw .incompatible("(malformed reply)") }
                    if f.code == .authRequired || f.code == .authFailed { throw .authRequired }
                    return UndecodedReply(status: status, items: [])
                }
                items.append(contentsOf: buffer[bufferStart...nl])
                bufferStart = nl + 1
                searched = bufferStart
            }
            searched = buffer.count
            if buffer.count - bufferStart > ControlProtocol.maxReplyLine { throw .replyLineTooLong }
            // Keep the buffer to the unfinished line before reading more.
            if bufferStart > 0 {
                buffer.removeSubrange(..<bufferStart)
                searched -= bufferStart
                bufferStart = 0
            }
            guard let chunk = try CtlSocketIO.receive(fd, deadline: deadline == nil ? nil : replyDeadline(),
                                                      interruptible: false, what: "a reply from \(serverURL)") else { throw .closed }
            received += chunk.count
            buffer += chunk
        }
    }

    /// The next line without `\n`; nil at EOF. With `interruptible`, Ctrl-C
    /// (EINTR with the flag set) ends the read with `.closed`. Past `deadline`
    /// (monotonic seconds; nil: none) `.timedOut`; a line over
    /// `ControlProtocol.maxReplyLine` is `.replyLineTooLong`.
    private func readLine(interruptible: Bool = false, deadline: Double?) throws(CtlTransportError) -> [UInt8]? {
        guard let range = try nextLine(interruptible: interruptible, deadline: deadline) else { return nil }
        return Array(buffer[range])
    }

    /// The bytes before bufferStart were handed out and used: drop them (all
    /// of them at once when nothing unfinished is left; otherwise only once
    /// they are many, so a stream does not move its rest after every step).
    private func dropUsedBytes() {
        if bufferStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferStart = 0
        } else if bufferStart > 64 * 1024 {
            buffer.removeSubrange(..<bufferStart)
            bufferStart = 0
        }
    }

    /// Where the next line (without `\n`) is in `buffer`, valid until the next
    /// call; nil at EOF. Reads as `readLine` says, up to `receiveBytes` a time.
    private func nextLine(interruptible: Bool, deadline: Double?) throws(CtlTransportError) -> Range<Int>? {
        var searched = bufferStart
        while true {
            let found = buffer.withUnsafeBytes { raw -> Int? in
                guard let base = raw.baseAddress, searched < raw.count,
                      let hit = memchr(base + searched, 0x0A, raw.count - searched) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            if let nl = found {
                let line = bufferStart..<nl
                bufferStart = nl + 1
                return line
            }
            if buffer.count - bufferStart > ControlProtocol.maxReplyLine { throw .replyLineTooLong }
            dropUsedBytes()
            searched = buffer.count  // the next search starts at the new bytes
            if receiveScratch.isEmpty { receiveScratch = [UInt8](repeating: 0, count: 64 * 1024) }
            let before = buffer.count
            guard try CtlSocketIO.receive(fd, appendingTo: &buffer, scratch: &receiveScratch, deadline: deadline,
                                          interruptible: interruptible, what: "a reply from \(serverURL)") else { return nil }
            received += buffer.count - before
        }
    }
}
