// The blocking socket steps swiftvisorctl's two wire protocols share (SWV1 in
// CtlConnection, HTTP/XML-RPC in CtlHTTPSession): connect with the client
// deadline, send everything, receive what is there before a deadline, with
// Ctrl-C (CtlInterrupt) ending a stream.
import Glibc
import SwiftvisorCore

enum CtlSocketIO {
    /// Connect to the server URL's socket within ControlProtocol.clientConnectTimeout.
    static func connect(_ serverURL: String) throws(CtlTransportError) -> Int32 {
        let address = CtlServerAddress(url: serverURL)
        if address == .unsupported { throw CtlTransportError.forNonUnixURL(serverURL) }
        do throws(SystemError) {
            switch address {
            case .unix(let path): return try UnixSocket.connect(path: path, timeout: ControlProtocol.clientConnectTimeout)
            case .tcp(let host, let port): return try InetSocket.connect(host: host, port: port, timeout: ControlProtocol.clientConnectTimeout)
            case .unsupported: return -1  // refused above
            }
        } catch {
            switch error.errno {
            case ENOENT: throw .noSuchFile
            case ECONNREFUSED: throw .refused
            case ETIMEDOUT: throw .timedOut(what: "the connection to \(serverURL)", seconds: Int(ControlProtocol.clientConnectTimeout))
            default: throw .system(call: error.call, errno: error.errno)
            }
        }
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(CtlTransportError) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(call: "send", errno: errno)
            }
            off += n
        }
    }

    /// Append the bytes available next (up to `scratch.count`) to `buffer`;
    /// false at EOF. `scratch` is the caller's, kept between calls, so a
    /// stream read costs no allocation. Deadline and Ctrl-C as `receive`.
    static func receive(_ fd: Int32, appendingTo buffer: inout [UInt8], scratch: inout [UInt8], deadline: Double?,
                        interruptible: Bool, what: @autoclosure () -> String) throws(CtlTransportError) -> Bool {
        while true {
            if let deadline {
                try waitReadable(fd, deadline: deadline, interruptible: interruptible, what: what())
            } else if interruptible, !CtlInterrupt.waitReadable(fd) {
                throw .closed
            }
            let n = scratch.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { try interrupted(interruptible); continue }
                throw .system(call: "recv", errno: errno)
            }
            if n == 0 { return false }
            scratch.withUnsafeBytes { buffer.append(contentsOf: $0[..<n]) }
            return true
        }
    }

    /// Receive into `space` (not empty), waiting as long as it takes: the
    /// bytes received, nil at EOF.
    static func receive(_ fd: Int32, into space: UnsafeMutableRawBufferPointer, interruptible: Bool) throws(CtlTransportError) -> Int? {
        while true {
            if interruptible, !CtlInterrupt.waitReadable(fd) { throw .closed }
            let n = Glibc.recv(fd, space.baseAddress, space.count, 0)
            if n < 0 {
                if errno == EINTR { try interrupted(interruptible); continue }
                throw .system(call: "recv", errno: errno)
            }
            return n == 0 ? nil : n
        }
    }

    /// Ctrl-C during a read: `.closed` for a stream (`interruptible`), else
    /// the flag is cleared and the read fails with EINTR. Nothing without the flag.
    private static func interrupted(_ interruptible: Bool) throws(CtlTransportError) {
        guard CtlInterrupt.isSet else { return }
        if interruptible { throw .closed }
        CtlInterrupt.clear()
        throw .system(call: "recv", errno: EINTR)
    }

    /// Wait until `fd` is readable or `deadline` passes (`.timedOut`).
    private static func waitReadable(_ fd: Int32, deadline: Double, interruptible: Bool, what: @autoclosure () -> String) throws(CtlTransportError) {
        while true {
            let ready: Bool
            do throws(SystemError) {
                ready = try SocketDeadline.wait(fd, events: Int16(POLLIN), deadline: deadline)
            } catch {
                guard error.errno == EINTR else { throw .system(call: "poll", errno: error.errno) }
                try interrupted(interruptible)
                continue
            }
            if !ready { throw .timedOut(what: what(), seconds: Int(ControlProtocol.clientReplyTimeout)) }
            return
        }
    }

    /// The bytes available next (up to 64 KiB); nil at EOF. Past `deadline`
    /// (monotonic seconds; nil: none) `.timedOut(what:)`. With `interruptible`,
    /// Ctrl-C (EINTR with the flag set) is `.closed`; otherwise the flag is
    /// cleared and the read fails with EINTR.
    static func receive(_ fd: Int32, deadline: Double?, interruptible: Bool, what: @autoclosure () -> String) throws(CtlTransportError) -> [UInt8]? {
        var bytes: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        guard try receive(fd, appendingTo: &bytes, scratch: &scratch, deadline: deadline, interruptible: interruptible, what: what())
        else { return nil }
        return bytes
    }

    /// When a reply must have arrived by.
    static func replyDeadline() -> Double { EventLoop.now() + ControlProtocol.clientReplyTimeout }
}
