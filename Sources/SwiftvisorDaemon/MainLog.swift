// The activity log: supervisord's line format and level names, written to
// `[supervisord] logfile` with its rotation, and echoed to stdout when the
// daemon runs in the foreground and is not `silent`.
import SwiftvisorCore
import SwiftvisorOS
import Glibc

public final class MainLog {
    /// Lines below this level are dropped (`loglevel=`).
    public var threshold: LogLevel
    private var file: RotatingLogFile?
    private let echoToStdout: Bool
    /// Called after each line is written (the control server follows `maintail -f` with it).
    public var onWrite: (() -> Void)?
    public private(set) var path: String?

    /// - Parameters:
    ///   - path: the log file, or nil for no file (`logfile=syslog` is treated as no file for now).
    public init(path: String?, maxbytes: Int, backups: Int, threshold: LogLevel, echoToStdout: Bool) throws(SystemError) {
        self.threshold = threshold
        self.echoToStdout = echoToStdout
        self.path = path
        if let path {
            file = try RotatingLogFile(path: path, maxBytes: Int64(maxbytes), backups: backups)
        }
    }

    public func log(_ level: LogLevel, _ message: String) {
        guard level.rawValue >= threshold.rawValue else { return }
        let line = "\(LocalTime.logTimestamp(wall: EventLoop.wallNow())) \(level.tag) \(message)\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeBytes { buffer in
            file?.write(buffer)
            if echoToStdout, !isStdoutTheLogFile {
                _ = Glibc.write(1, buffer.baseAddress, buffer.count)
            }
        }
        bytes.removeAll()
        onWrite?()
    }

    public func critical(_ m: String) { log(.critical, m) }
    public func error(_ m: String) { log(.error, m) }
    public func warn(_ m: String) { log(.warn, m) }
    public func info(_ m: String) { log(.info, m) }
    public func debug(_ m: String) { log(.debug, m) }
    public func blather(_ m: String) { log(.blather, m) }

    /// SIGUSR2: reopen by path (for external logrotate).
    public func reopen() { file?.reopen() }

    public func close() { file?.close(); file = nil }

    /// `logfile=/dev/stdout` with `-n`: echoing as well would print every line twice.
    private var isStdoutTheLogFile: Bool {
        guard let path else { return false }
        return path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1"
    }
}
