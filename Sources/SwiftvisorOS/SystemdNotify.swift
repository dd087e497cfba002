// sd_notify(3) implemented directly: one datagram to $NOTIFY_SOCKET.
// `READY=1` once listening and autostart programs are launched, `RELOADING=1`,
// `STOPPING=1`, so a unit can be `Type=notify`.
import Glibc

public enum SystemdNotify {
    /// Send `state` if NOTIFY_SOCKET is set; errors are ignored (systemd may not listen).
    public static func send(_ state: String) {
        guard let raw = getenv("NOTIFY_SOCKET") else { return }
        var path = String(cString: raw)
        guard !path.isEmpty else { return }
        let abstract = path.hasPrefix("@")
        if abstract { path.removeFirst() }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { _ = Glibc.close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let offset = abstract ? 1 : 0
        guard bytes.count + offset < MemoryLayout.size(ofValue: addr.sun_path) else { return }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, b) in bytes.enumerated() { raw[i + offset] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + offset + bytes.count + (abstract ? 0 : 1))
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                // MSG_DONTWAIT: a socket nobody reads fills after
                // net.unix.max_dgram_qlen datagrams (10 by default), and a
                // blocking send would then hang the whole daemon; a dropped
                // notification costs nothing of what it supervises.
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), sa, length) }
            }
        }
    }
}
