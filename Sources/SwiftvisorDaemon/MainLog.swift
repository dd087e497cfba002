// The activity log: supervisord's line format and level names, written to
// `[supervisord] logfile` with its rotation, and echoed to stdout when the
// daemon runs in the foreground and is not `silent`.
//
// Neither target may block the daemon: a pipe or terminal that stops being
// read (a stuck container log driver) gets the lines queued, bounded, and
// flushed when it becomes writable again (`onBlocked` asks the daemon for a
// writable watch).
import SwiftvisorCore
import SwiftvisorOS

public final class MainLog {
    /// Lines below this level are dropped (`loglevel=`).
    public var threshold: LogLevel
    private var file: RotatingLogFile?
    /// The foreground echo: our own open file description of stdout, so making
    /// it non-blocking does not touch the terminal's or the shell's.
    private var echo: RotatingLogFile?
    private var echoRaw = false
    /// Writes of the echo on stdout so far: a Python 2 `print` on the same
    /// stdout (supervisor_stdout's handler, EventHub) loses its soft space.
    private(set) var echoWrites = 0
    /// Called after each line is written (the control server follows `maintail -f` with it).
    public var onWrite: (() -> Void)?
    /// Called once when a target starts queueing because it would block; the
    /// daemon watches its descriptor and calls `flush(_:)` when writable.
    var onBlocked: ((RotatingLogFile) -> Void)?
    /// Called when a blocked target is replaced (`retarget`), before it is closed.
    var onRetired: ((RotatingLogFile) -> Void)?
    private var blockedTargets: Set<ObjectIdentifier> = []
    public private(set) var path: String?
    /// `[supervisord] logfile=syslog`: lines go to syslog (supervisord's
    /// format, `SyslogFormat.mainLogMessages`) instead of a file.
    public var toSyslog = false
    /// The syslog socket of the main log and of `stdout_syslog`/`stderr_syslog`
    /// programs, opened when first used.
    public var syslog: SyslogSender {
        if let syslogSender { return syslogSender }
        let sender = SyslogSender()
        sender.onBlocked = { [weak self] fd in self?.onSyslogBlocked?(fd) }
        syslogSender = sender
        return sender
    }
    private var syslogSender: SyslogSender?
    /// Called when syslog messages start to queue (the daemon watches `fd`
    /// for writability, then calls `syslog.flush()`).
    var onSyslogBlocked: ((Int32) -> Void)?

    /// - Parameters:
    ///   - path: the log file, or nil for no file (`logfile=syslog`: then `toSyslog` is set).
    public init(path: String?, maxbytes: Int, backups: Int, threshold: LogLevel, echoToStdout: Bool) throws(SystemError) {
        self.threshold = threshold
        self.path = path
        let stdout = StandardStreams.standardOutput()
        if let path, Self.isStdout(path), let stdout, stdout.isRegularFile {
            // `logfile=/dev/stdout` (or /dev/fd/1) redirected to a file: write
            // the inherited descriptor with O_APPEND instead of reopening the
            // file at offset 0 over what is already there.
            file = RotatingLogFile(descriptor: stdout.appendingDescriptor(), name: path)
        } else if let path {
            // O_APPEND always: someone else may append to the same file (the
            // daemon's own stdout redirected into it with `>>`).
            file = try RotatingLogFile(path: path, maxBytes: Int64(maxbytes), backups: backups, appendOnly: true)
        }
        // Stdout redirected into the log file itself: the lines are there once already.
        let stdoutIsTheLog: Bool = {
            guard let stdout, let file else { return false }
            return stdout.isSameFile(as: file.descriptor)
        }()
        if echoToStdout && !Self.isStdout(path) && !stdoutIsTheLog {
            if let stdout, stdout.isRegularFile {
                // `swiftvisord -n > FILE`: append on the inherited descriptor,
                // so nothing else writing to FILE is overwritten.
                echo = RotatingLogFile(descriptor: stdout.appendingDescriptor(), name: "/dev/stdout")
            } else {
                // A pipe or terminal: our own open file description, so making
                // it non-blocking does not touch the shell's. A socket cannot
                // be reopened by path: write to fd 1 as is.
                echo = try? RotatingLogFile(path: "/proc/self/fd/1", maxBytes: 0, backups: 0)
                echoRaw = echo == nil
            }
        }
    }

    /// Set once the event loop runs: lines of one loop round are collected and
    /// written together at the end of the round (one `write` per target
    /// instead of one per line: `stop all` of 500 logs 1000 lines). Before the
    /// loop runs, and at close, lines are written at once.
    var deferToEndOfRound: ((@escaping () -> Void) -> Void)?
    private var batch: [UInt8] = []

    public func log(_ level: LogLevel, _ message: String) {
        guard level.rawValue >= threshold.rawValue else { return }
        let asctime = LocalTime.logTimestamp(wall: EventLoop.wallNow())
        let line = "\(asctime) \(level.tag) \(message)\n"
        if toSyslog {
            for m in SyslogFormat.mainLogMessages(asctime: asctime, level: level.tag, message: message) { syslog.send(m) }
        }
        guard let deferToEndOfRound else {
            emit(Array(line.utf8))
            return
        }
        if batch.isEmpty {
            deferToEndOfRound { [weak self] in self?.flushBatch() }
        }
        batch.append(contentsOf: line.utf8)
    }

    /// Write the lines collected in this loop round.
    func flushBatch() {
        guard !batch.isEmpty else { return }
        let burst = batch.count > Self.burstBytes
        writeBatch(keepingCapacity: !burst)
        // A burst (start-up, `stop all` or a reload of thousands of programs)
        // freed its lines, its messages and the work behind them in one round:
        // give those pages back, or they stay in the daemon's resident memory
        // (docs/benchmarks.md, "Anonymous memory per process").
        if burst { Sys.releaseFreeHeap() }
    }

    /// About 3,000 lines: more than any round of a daemon with a few hundred programs.
    static let burstBytes = 256 * 1024

    /// What the round's buffer holds on to between rounds (tests).
    var batchCapacity: Int { batch.capacity }

    private func writeBatch(keepingCapacity: Bool) {
        let lines = batch
        // After a burst, the buffer's capacity goes too (it would be held
        // for the daemon's life).
        if keepingCapacity { batch.removeAll(keepingCapacity: true) } else { batch = [] }
        emit(lines)
    }

    private func emit(_ bytes: [UInt8]) {
        for target in [file, echo] {
            guard let target else { continue }
            target.write(bytes)
            if target.isBlocked, blockedTargets.insert(ObjectIdentifier(target)).inserted {
                onBlocked?(target)
            }
        }
        if echoRaw { bytes.withUnsafeBytes { Sys.writeAll(1, $0) } }
        if echo != nil || echoRaw { echoWrites &+= 1 }
        onWrite?()
    }

    /// Write what `target` queued; true when it is empty again.
    func flush(_ target: RotatingLogFile) -> Bool {
        guard target.flushPending() else { return false }
        blockedTargets.remove(ObjectIdentifier(target))
        return true
    }

    public func critical(_ m: String) { log(.critical, m) }
    public func error(_ m: String) { log(.error, m) }
    public func warn(_ m: String) { log(.warn, m) }
    public func info(_ m: String) { log(.info, m) }
    public func debug(_ m: String) { log(.debug, m) }
    public func blather(_ m: String) { log(.blather, m) }

    /// SIGUSR2: reopen by path (for external logrotate).
    public func reopen() {
        flushBatch()  // lines logged before the reopen belong to the old file
        guard let file else { return }
        file.reopen()
        // A new descriptor: a queue still waiting needs a new writable watch.
        if file.isBlocked {
            blockedTargets.remove(ObjectIdentifier(file))
            if blockedTargets.insert(ObjectIdentifier(file)).inserted { onBlocked?(file) }
        }
    }

    /// supervisord's clearLog: empty the log file (its backups stay) and go
    /// on writing to the new, empty one. False when there is no log file
    /// (supervisord's NO_FILE).
    func clear() -> Bool {
        flushBatch()  // lines logged before the clear belong to the old file
        guard let file, path != nil else { return false }
        file.flushPending()
        file.clear()
        return true
    }

    /// A reload whose `logfile`/`logfile_maxbytes`/`logfile_backups` changed:
    /// write to the new file from now on (supervisord recreates its logger on
    /// every reload). If the new file cannot be opened the old one is kept.
    func retarget(path newPath: String?, maxbytes: Int, backups: Int) throws(SystemError) {
        flushBatch()  // lines logged before the reload belong to the old file
        var replacement: RotatingLogFile? = nil
        if let newPath {
            replacement = try RotatingLogFile(path: newPath, maxBytes: Int64(maxbytes), backups: backups, appendOnly: true)
        }
        if let old = file {
            old.flushPending()
            // Its writable watch must go before its descriptor does.
            if blockedTargets.remove(ObjectIdentifier(old)) != nil { onRetired?(old) }
            old.close()
        }
        file = replacement
        path = newPath
    }

    public func close() {
        deferToEndOfRound = nil
        flushBatch()
        file?.flushPending()
        file?.close(); file = nil
        echo?.flushPending()
        echo?.close(); echo = nil
        syslogSender?.flush()  // what waits for a slow reader: one last try, never a wait
    }

    /// `logfile=/dev/stdout` with `-n`: echoing as well would print every line twice.
    private static func isStdout(_ path: String?) -> Bool {
        guard let path else { return false }
        return path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1"
    }
}
