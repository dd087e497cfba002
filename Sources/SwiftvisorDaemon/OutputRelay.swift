// Child output: each child's stdout and stderr pipes moved into their log
// files as the loop finds them readable (splice(2) when possible), a bounded
// share per wakeup, paused behind a log target that would block, drained at
// the child's exit. docs/architecture.md "Output" explains the choices.
import SwiftvisorCore
import SwiftvisorOS

final class OutputRelay {
    private let loop: any EventScheduling
    private let log: MainLog
    private let stripAnsi: Bool
    private let onLogWritten: (String) -> Void
    /// Full disk and other write failures of child logs, reported once each way.
    let lossReporter = LogLossReporter()
    /// Reused buffer for output that passes through memory (`NONE`, strip_ansi, debug echo).
    private var discard = [UInt8](repeating: 0, count: 65536)
    /// Whether a channel's bytes must also go somewhere besides the log (an
    /// event listener's protocol, PROCESS_LOG events); asked per wakeup, so
    /// output nobody listens to keeps the splice path.
    var wantsOutput: (ManagedProcess, OutputChannel) -> Bool = { _, _ in false }
    /// Those bytes, as read (before strip_ansi), after they reached the log.
    var onOutput: (ManagedProcess, OutputChannel, [UInt8]) -> Void = { _, _, _ in }
    /// Capture mode: what of the bytes read goes to the log (nil: all of them).
    var logPart: (ManagedProcess, OutputChannel, [UInt8]) -> [UInt8]? = { _, _, _ in nil }
    /// At EOF: bytes held back by capture mode, for the log.
    var heldAtEnd: (ManagedProcess, OutputChannel) -> [UInt8] = { _, _ in [] }

    init(loop: any EventScheduling, log: MainLog, stripAnsi: Bool, onLogWritten: @escaping (String) -> Void) {
        self.loop = loop
        self.log = log
        self.stripAnsi = stripAnsi
        self.onLogWritten = onLogWritten
    }


    func watch(_ p: ManagedProcess, fd: Int32, channel: OutputChannel) {
        let pipe = OutputPipe(fd: fd, channel: channel)
        p.outputPipes.append(pipe)
        watch(pipe, of: p)
    }

    private func watch(_ pipe: OutputPipe, of p: ManagedProcess) {
        loop.watchReadable(pipe.fd) { [weak self, weak p, weak pipe] in
            guard let self, let p, let pipe else { return }
            self.drain(pipe, of: p, wakeup: true)
        }
    }

    /// Chunks (of up to 128 KiB) moved per pipe per wakeup: a child that writes
    /// as fast as it can gets its share, then the loop serves everyone else
    /// (epoll is level-triggered, so the rest is taken on the next round).
    private static let chunksPerWakeup = 8

    /// Move what is in the pipe into the log file; close the pipe at EOF.
    /// Returns when the pipe is empty (EAGAIN), closed, paused behind a blocked
    /// log target, or after `limit` chunks; on a `wakeup`, also after a read
    /// through memory that did not fill the buffer (below).
    @discardableResult
    private func drain(_ pipe: OutputPipe, of p: ManagedProcess, limit: Int = chunksPerWakeup, wakeup: Bool = false) -> Bool {
        let file = pipe.channel == .stdout ? p.stdoutLog : (p.stderrLog ?? (p.config.redirectStderr ? p.stdoutLog : nil))
        var wrote = false
        var chunks = 0
        let tapped = wantsOutput(p, pipe.channel)
        let channel = pipe.channel == .stdout ? p.config.stdout : p.config.stderr
        // Timestamps and syslog need the bytes in memory; without them the
        // splice path below stays as it was (their cost is this check).
        let stamp = channel.timestamps && file != nil
        let copying = needsCopy || tapped || stamp || channel.syslog
        while chunks < limit {
            chunks += 1
            let result: RelayResult
            if copying {
                result = copy(pipe, of: p, into: file, tapped: tapped, stamp: stamp, syslog: channel.syslog)
            } else if let file {
                result = file.relay(fromPipe: pipe.fd)
            } else {
                switch discard.withUnsafeMutableBytes({ Sys.readNonBlocking(pipe.fd, into: $0) }) {
                case .data(let n): result = .moved(n)
                case .wouldBlock: result = .wouldBlock
                case .eof, .failed: result = .eof
                }
            }
            switch result {
            case .moved(let n) where wakeup && copying && n < discard.count:
                // The read emptied the pipe: the next one would find EAGAIN, or
                // the few bytes a child wrote meanwhile, each read becoming a
                // PROCESS_LOG event of its own. Back to the loop instead (epoll
                // is level-triggered): one event per pipe per round, holding
                // what the round's read found, as supervisord's one read per
                // channel per loop (dispatchers.py `handle_read_event`), while
                // the listener's answer is served in the same round.
                wrote = true
            case .moved:
                // Pipes keep the kernel's 64 KiB: growing them measured no CPU
                // gain per MiB (docs/benchmarks.md) and would spend the per-user
                // pipe page budget that non-root daemons have.
                wrote = true
                continue
            case .wouldBlock:
                break
            case .blocked:
                if let file { pause(pipe, of: p, behind: file) }
            case .eof:
                let tail = heldAtEnd(p, pipe.channel)
                if !tail.isEmpty, let file { file.write(stripAnsi ? ChildOutputText.stripANSI(tail) : tail); wrote = true }
                loop.unwatch(pipe.fd)
                Sys.close(pipe.fd)
                p.outputPipes.removeAll { $0 === pipe }
            }
            break
        }
        if wrote, let file { lossReporter.check(file, program: p.name, channel: pipe.channel.rawValue, log: log) }
        if wrote, let path = file?.path { onLogWritten(path) }
        return wrote
    }

    // MARK: - Blocked log targets

    /// Log targets that would block (a pipe nobody reads), with the child pipes
    /// paused behind them. Only those children wait; the loop goes on.
    private var blocked: [ObjectIdentifier: (file: RotatingLogFile, fd: Int32, pipes: [(OutputPipe, ManagedProcess)])] = [:]

    private func pause(_ pipe: OutputPipe, of p: ManagedProcess, behind file: RotatingLogFile) {
        loop.unwatch(pipe.fd)
        let key = ObjectIdentifier(file)
        if var entry = blocked[key] {
            entry.pipes.append((pipe, p))
            blocked[key] = entry
            return
        }
        blocked[key] = (file, file.descriptor, [(pipe, p)])
        watchBlocked(key)
    }

    private func watchBlocked(_ key: ObjectIdentifier) {
        guard let entry = blocked[key], entry.fd >= 0 else { return }
        loop.watchWritable(entry.fd) { [weak self] in self?.resume(key) }
    }

    private func resume(_ key: ObjectIdentifier) {
        guard let entry = blocked[key], entry.file.flushPending() else { return }
        loop.unwatchWritable(entry.fd)
        blocked[key] = nil
        for (pipe, p) in entry.pipes where p.outputPipes.contains(where: { $0 === pipe }) {
            watch(pipe, of: p)
            drain(pipe, of: p)
        }
    }

    /// Whether child output must pass through the daemon's memory (strip_ansi,
    /// or the debug-level echo into the main log) instead of being spliced.
    private var needsCopy: Bool {
        stripAnsi || log.threshold.rawValue <= LogLevel.debug.rawValue
    }

    /// Reused buffer for timestamped output.
    private var stamped: [UInt8] = []

    private func copy(_ pipe: OutputPipe, of p: ManagedProcess, into file: RotatingLogFile?, tapped: Bool,
                      stamp: Bool = false, syslog: Bool = false) -> RelayResult {
        if let file, file.isBlocked { return .blocked }
        let n: Int
        switch discard.withUnsafeMutableBytes({ Sys.readNonBlocking(pipe.fd, into: $0) }) {
        case .data(let count): n = count
        case .wouldBlock: return .wouldBlock
        case .eof, .failed: return .eof
        }
        let raw = Array(discard[0..<n])
        let logged = tapped ? (logPart(p, pipe.channel, raw) ?? raw) : raw
        let data = stripAnsi ? ChildOutputText.stripANSI(logged) : logged
        if let file, stamp {
            // One clock read per read from the pipe: the moment the daemon read these lines.
            data.withUnsafeBytes { file.stamper.stamp($0, micros: Sys.wallMicros(), into: &stamped) }
            file.write(stamped)
        } else {
            file?.write(data)
        }
        if syslog {
            for message in SyslogFormat.programMessages(processName: p.name, chunk: data) { log.syslog.send(message) }
        }
        if log.threshold.rawValue <= LogLevel.debug.rawValue {
            log.debug(ChildOutputText.mainLogEcho(processName: p.name, channel: pipe.channel.rawValue, data: data))
        }
        if tapped { onOutput(p, pipe.channel, raw) }
        return .moved(n)
    }

    /// At a child's exit: take what it left in its pipes before logging the exit
    /// (bounded, since a grandchild may still be writing into the same pipe).
    func drainAll(_ p: ManagedProcess) {
        for pipe in p.outputPipes { drain(pipe, of: p, limit: 64) }
    }

    /// Everything stopped: take what is left in `p`'s pipes and close them,
    /// so a grandchild holding one open cannot keep the daemon waiting.
    func closeAll(_ p: ManagedProcess) {
        for pipe in p.outputPipes { drain(pipe, of: p); loop.unwatch(pipe.fd); Sys.close(pipe.fd) }
        p.outputPipes.removeAll()
    }

    /// SIGUSR2: `reopen` changes descriptors; move the writable watches of blocked targets with them.
    func reopening(_ reopen: () -> Void) {
        for (key, entry) in blocked where entry.fd >= 0 { loop.unwatchWritable(entry.fd); blocked[key]?.fd = -1 }
        reopen()
        for (key, entry) in blocked {
            blocked[key]?.fd = entry.file.descriptor
            watchBlocked(key)
        }
    }
}
