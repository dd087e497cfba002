// Lines to syslog as supervisord sends them: its SyslogHandler
// (supervisor/loggers.py at 4.3.0) calls Python's `syslog.syslog(msg)`
// without `openlog`, so glibc writes one datagram per message to /dev/log:
// `<14>Dec  6 21:36:42 supervisord: MSG` (facility user, level info, the
// ident the basename of argv[0], no pid, the time local in the C locale).
// Unlike glibc's syslog(3), which blocks on a full socket, nothing here waits:
// messages queue (bounded) while the reader is slow and are dropped, counted,
// when it is gone or the queue is full; file logs never depend on it.
import Glibc

public final class SyslogSender {
    /// Where the datagrams go when the environment does not say otherwise.
    public static let defaultPath = "/dev/log"
    /// Read once when the sender is made (at start-up): another datagram
    /// socket to send to, for tests (docs/configuration.md, "syslog").
    public static let environmentVariable = "SWIFTVISOR_SYSLOG_SOCKET"
    /// supervisord's: Python's syslog module takes the basename of argv[0].
    public static let ident = "supervisord"
    /// `<14>`: LOG_USER | LOG_INFO, what `syslog.syslog(msg)` sends without `openlog`.
    static let priority = "<14>"
    /// Most bytes waiting for a slow reader; past it messages are dropped.
    public static let queueLimit = 1024 * 1024
    /// A message is cut here (a datagram larger than the socket's buffer would be refused whole).
    public static let messageLimit = 64 * 1024

    public let path: String
    /// Messages not delivered (no reader, queue full, refused).
    public private(set) var dropped: UInt64 = 0
    /// Called once when messages start to queue: watch `descriptor` for
    /// writability and call `flush()` then.
    public var onBlocked: ((Int32) -> Void)?
    public private(set) var descriptor: Int32 = -1
    /// Counts connections: a new value means `descriptor` is another socket
    /// (possibly with the same number), so a writable watch must be renewed.
    public private(set) var connection = 0

    private var queue: [[UInt8]] = []
    private var queueHead = 0
    private var queuedBytes = 0
    private var nextConnectAttempt: Double = 0
    private var headerSecond: Int = -1
    private var header: [UInt8] = []

    public init(path: String? = nil) {
        if let path {
            self.path = path
        } else if let env = getenv(Self.environmentVariable), env.pointee != 0 {
            self.path = String(cString: env)
        } else {
            self.path = Self.defaultPath
        }
    }

    deinit { if descriptor >= 0 { Sys.close(descriptor) } }

    /// Whether messages wait for the reader.
    public var isBlocked: Bool { queueHead < queue.count }

    /// Send `message` (without header) as one datagram, or queue it.
    public func send<C: Collection>(_ message: C) where C.Element == UInt8 {
        var datagram = currentHeader()
        datagram.append(contentsOf: message.prefix(Self.messageLimit))
        if isBlocked && !flush() {
            enqueue(datagram)
            return
        }
        switch deliver(datagram) {
        case .sent: break
        case .wouldBlock:
            enqueue(datagram)
            onBlocked?(descriptor)
        case .failed: dropped += 1
        }
    }

    /// Send what waits; true when nothing is left.
    @discardableResult
    public func flush() -> Bool {
        while queueHead < queue.count {
            switch deliver(queue[queueHead]) {
            case .sent, .failed:
                queuedBytes -= queue[queueHead].count
                queueHead += 1
            case .wouldBlock:
                return false
            }
        }
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
        queuedBytes = 0
        return true
    }

    private func enqueue(_ datagram: [UInt8]) {
        guard queuedBytes + datagram.count <= Self.queueLimit else { dropped += 1; return }
        queue.append(datagram)
        queuedBytes += datagram.count
    }

    private enum Delivery { case sent, wouldBlock, failed }

    private func deliver(_ datagram: [UInt8]) -> Delivery {
        for attempt in 0..<2 {
            guard connectIfDue() else { return .failed }
            let n = datagram.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n >= 0 { return .sent }
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            if e == EINTR { continue }
            if e == EMSGSIZE { return .failed }
            // The reader went away (journald restarted): connect again once,
            // as glibc's syslog(3) does.
            Sys.close(descriptor)
            descriptor = -1
            if attempt == 0 { nextConnectAttempt = 0 }
        }
        return .failed
    }

    /// Connected, or not tried again within a second of a failure (a missing
    /// /dev/log costs one failed connect a second, not one per line).
    private func connectIfDue() -> Bool {
        if descriptor >= 0 { return true }
        let now = Sys.clock(CLOCK_MONOTONIC)
        guard now >= nextConnectAttempt else { return false }
        nextConnectAttempt = now + 1
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return false }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { Sys.close(fd); return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { Sys.close(fd); return false }
        descriptor = fd
        connection += 1
        return true
    }

    /// `<14>Dec  6 21:36:42 supervisord: ` (glibc's `%h %e %T` in the C locale), made once a second.
    private func currentHeader() -> [UInt8] {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let second = Int(ts.tv_sec)
        if second != headerSecond {
            headerSecond = second
            var t = time_t(second)
            var tm = tm()
            localtime_r(&t, &tm)
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            let month = months.indices.contains(Int(tm.tm_mon)) ? months[Int(tm.tm_mon)] : "Jan"
            func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let day = tm.tm_mday < 10 ? " \(tm.tm_mday)" : "\(tm.tm_mday)"
            header = Array("\(Self.priority)\(month) \(day) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) \(Self.ident): ".utf8)
        }
        return header
    }
}
