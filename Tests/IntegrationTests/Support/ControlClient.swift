// A minimal SWV1 client for reliability tests (docs/protocol.md): raw Unix
// socket, one request line, the reply read up to its end line, every wait
// bounded by a deadline. Independent of swiftvisorctl on purpose: the fuzz and
// chaos checks must speak to the daemon the way any client might.
import Foundation
import XCTest

final class ControlClient {
    let fd: Int32

    /// Connect to `path`; nil when nothing listens there.
    init?(path: String) {
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return nil }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { close(s); return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0 else { close(s); return nil }
        fd = s
    }

    /// Connect to 127.0.0.1:`port`; nil when nothing listens there.
    init?(port: Int) {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return nil }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let ok = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(s); return nil }
        fd = s
    }

    deinit { close(fd) }

    /// Write all of `bytes`; false when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    func send(_ line: String) -> Bool { send(Array(line.utf8)) }

    /// Close the sending side (a half-open connection).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    private var pending: [UInt8] = []

    /// The next line (without `\n`), nil at EOF or when `timeout` passes.
    func readLine(timeout: Double) -> String? {
        let deadline = monotonicNow() + timeout
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<nl], as: UTF8.self)
                pending.removeSubrange(...nl)
                return line
            }
            let left = deadline - monotonicNow()
            guard left > 0 else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(left * 1000) + 1)
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { return nil }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            pending.append(contentsOf: buf[0..<n])
        }
    }

    /// What became of one request.
    enum Outcome: Equatable {
        case ok([String])
        case error(String)
        case stream
        case closed
        case timedOut
    }

    /// Read one reply: `SWV1 OK` + items up to `.`, `SWV1 ERR ...` (+ `.`),
    /// `SWV1 STREAM`, EOF, or nothing within `timeout`.
    func readReply(timeout: Double) -> Outcome {
        let deadline = monotonicNow() + timeout
        guard let status = readLine(timeout: timeout) else {
            return isClosed() ? .closed : .timedOut
        }
        if status.hasPrefix("SWV1 STREAM") { return .stream }
        var items: [String] = []
        while let line = readLine(timeout: max(0, deadline - monotonicNow())) {
            if line == "." {
                return status.hasPrefix("SWV1 OK") ? .ok(items) : .error(status)
            }
            items.append(line)
        }
        return status.hasPrefix("SWV1 ERR") ? .error(status) : (isClosed() ? .closed : .timedOut)
    }

    /// Send `line` and read its reply.
    func request(_ line: String, timeout: Double = 10) -> Outcome {
        guard send(line.hasSuffix("\n") ? line : line + "\n") else { return .closed }
        return readReply(timeout: timeout)
    }

    /// True when the peer closed the connection (EOF or reset).
    func isClosed() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        var b: UInt8 = 0
        return recv(fd, &b, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) <= 0
    }

    /// statename of every process in a `status` reply, by name.
    static func states(_ items: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for item in items where item.hasPrefix("process ") {
            var fields: [String: String] = [:]
            for word in item.split(separator: " ").dropFirst() {
                if let eq = word.firstIndex(of: "=") { fields[String(word[..<eq])] = String(word[word.index(after: eq)...]) }
            }
            if let name = fields["name"], let state = fields["statename"] {
                let group = fields["group"] ?? name
                out[group == name ? name : "\(group):\(name)"] = state
            }
        }
        return out
    }
}

extension Sandbox {
    /// A client connected to this sandbox's daemon, when the control server
    /// answers the protocol (it has landed); nil otherwise.
    func controlClient() -> ControlClient? {
        guard let c = ControlClient(path: socketPath), case .ok = c.request("pid", timeout: 2) else { return nil }
        return c
    }
}

/// A loopback port that was free a moment ago (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &sin) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw XCTSkip("cannot bind a loopback TCP port here (errno \(errno))") }
    return Int(UInt16(bigEndian: sin.sin_port))
}
