// swiftvisorctl's stdin/stdout/stderr: stdout buffered (a 1000-line status is
// one write), flushed before prompts, stderr and at exit. Thread-safe, because
// `fg` prints its output stream from a second thread.
import Glibc
import Synchronization
import SwiftvisorCore

public final class CtlTerminalIO: CtlTerminal, @unchecked Sendable {
    private let out = Mutex<[UInt8]>([])
    private var input: [UInt8] = []
    private var inputEOF = false

    public init() {}

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        // A large piece (a chunk of `logs -f`) goes out as it is, after what
        // waits: not copied into the buffer first.
        if bytes.count >= 64 * 1024 {
            flush()
            Self.writeAll(1, bytes)
            return
        }
        let full = out.withLock { buf -> Bool in
            buf.append(contentsOf: bytes)
            return buf.count >= 64 * 1024
        }
        if full { flush() }
    }

    /// When stdout is a pipe smaller than 1 MiB, ask for 1 MiB (F_SETPIPE_SZ;
    /// refused, or not a pipe: nothing changes). At the default 64 KiB a
    /// reader of `logs -f` at full speed wakes for every 64 KiB and the
    /// writer blocks between; the bytes and their order are the same either way.
    public func prepareForStreaming() {
        let wanted = 1 << 20
        guard let size = Sys.pipeSize(1), size < wanted else { return }
        _ = Sys.setPipeSize(1, Int32(wanted))
    }

    public func flush() {
        let bytes = out.withLock { buf -> [UInt8] in
            let b = buf
            buf.removeAll(keepingCapacity: true)
            return b
        }
        Self.writeAll(1, bytes)
    }

    public func writeError(_ line: String) {
        flush()
        Self.writeAll(2, Array((line + "\n").utf8))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, base + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                return  // stdout closed (e.g. `| head`): nothing useful left to do
            }
            off += n
        }
    }

    public func readLine(prompt: String) -> String? {
        write(Array(prompt.utf8))
        flush()
        while true {
            if let nl = input.firstIndex(of: 0x0A) {
                let line = String(decoding: input[..<nl], as: UTF8.self)
                input.removeSubrange(...nl)
                return line
            }
            if inputEOF {
                if input.isEmpty { return nil }
                let line = String(decoding: input, as: UTF8.self)
                input = []
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR {
                    if CtlInterrupt.isSet { CtlInterrupt.clear(); return nil }
                    continue
                }
                inputEOF = true
            } else if n == 0 {
                inputEOF = true
            } else {
                input += chunk[0..<n]
            }
        }
    }

    public func readPassword(prompt: String) -> String? {
        var old = termios()
        let tty = isatty(0) == 1 && tcgetattr(0, &old) == 0
        if tty {
            var quiet = old
            quiet.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(0, TCSANOW, &quiet)
        }
        defer { if tty { var o = old; _ = tcsetattr(0, TCSANOW, &o) } }
        return readLine(prompt: prompt)
    }
}
