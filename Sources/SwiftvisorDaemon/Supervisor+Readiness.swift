// Readiness (docs/dependencies.md): what turns STARTING into RUNNING when a
// program sets `readiness=`. The machine keeps the process STARTING and owns
// the deadline (readiness_start_period); this file runs the check and feeds
// `.ready` when it passes. `notify`: each run gets its own NOTIFY_SOCKET,
// watched by the event loop; nothing polls. `log`: the output relay hands
// this file each channel's bytes while the process is STARTING (its splice
// path resumes once RUNNING), after they reached the log.
import SwiftvisorCore
import SwiftvisorOS

extension Supervisor {
    /// A fresh socket for this run; nil (and the spawn reported failed) when
    /// it cannot be made.
    func openNotifySocket(_ p: ManagedProcess) -> String? {
        closeNotifySocket(p)
        notifySerial &+= 1
        let name = "swiftvisord/\(PidFile.currentPID)/\(notifySerial)"
        do {
            let fd = try NotifySocket.open(name: name)
            p.notifyFD = fd
            p.notifyStatus = nil
            loop.watchReadable(fd) { [weak self, weak p] in
                guard let self, let p else { return }
                self.readNotifications(p, pid: p.machine.pid)
            }
            return name
        } catch {
            feed(p, .spawnFailed(reason: "cannot create NOTIFY_SOCKET: \(error)"))
            return nil
        }
    }

    /// `readiness=fd`: the pipe for this run; returns the write end for the
    /// spawn (nil, and the spawn reported failed, when it cannot be made).
    func openReadinessPipe(_ p: ManagedProcess, target: Int) -> Int32? {
        closeReadinessPipe(p)
        let pipe: (read: Int32, write: Int32)
        do {
            pipe = try NotificationPipe.open(target: Int32(target))
        } catch {
            feed(p, .spawnFailed(reason: "cannot create the readiness pipe: \(error)"))
            return nil
        }
        p.readyPipeFD = pipe.read
        loop.watchReadable(pipe.read) { [weak self, weak p] in
            guard let self, let p, p.readyPipeFD == pipe.read else { return }
            switch NotificationPipe.read(pipe.read) {
            case .nothing: return
            case .line:
                self.closeReadinessPipe(p)
                self.feed(p, .ready(how: "fd \(target): a line written"))
            case .closed:
                // Closed without a line: never ready this run (the start period decides).
                self.closeReadinessPipe(p)
            }
        }
        return pipe.write
    }

    /// `readiness=log`: fresh line scanners for this run (the pattern was
    /// checked when the config was read).
    func startLogScan(_ p: ManagedProcess) {
        p.stdoutReadyScan = nil
        p.stderrReadyScan = nil
        guard p.config.readiness.kind == .log, let pattern = p.config.readiness.logPattern,
              let regex = try? LineRegex(pattern) else { return }
        p.stdoutReadyScan = LogLineScanner(regex: regex)
        if !p.config.redirectStderr { p.stderrReadyScan = LogLineScanner(regex: regex) }
    }

    /// Whether the relay must show this channel's bytes to the scanner: only
    /// while STARTING, so a RUNNING process's output keeps the splice path.
    func scansForReadiness(_ p: ManagedProcess, _ channel: OutputChannel) -> Bool {
        p.machine.state == .starting && (channel == .stdout ? p.stdoutReadyScan : p.stderrReadyScan) != nil
    }

    func scanForReadiness(_ p: ManagedProcess, _ channel: OutputChannel, _ bytes: [UInt8]) {
        let matched: Bool
        switch channel {
        case .stdout: matched = p.stdoutReadyScan?.feed(bytes) ?? false
        case .stderr: matched = p.stderrReadyScan?.feed(bytes) ?? false
        }
        guard matched else { return }
        p.stdoutReadyScan = nil
        p.stderrReadyScan = nil
        feed(p, .ready(how: "log: a line on \(channel.rawValue) matched \(p.config.readiness.label)"))
    }

    func closeReadinessPipe(_ p: ManagedProcess) {
        guard p.readyPipeFD >= 0 else { return }
        loop.unwatch(p.readyPipeFD)
        Sys.close(p.readyPipeFD)
        p.readyPipeFD = -1
    }

    func closeNotifySocket(_ p: ManagedProcess) {
        guard p.notifyFD >= 0 else { return }
        loop.unwatch(p.notifyFD)
        Sys.close(p.notifyFD)
        p.notifyFD = -1
    }

    /// Messages from the child (or a helper in its process group) only:
    /// anything else on the host could otherwise declare it ready.
    func readNotifications(_ p: ManagedProcess, pid child: Int32) {
        guard p.notifyFD >= 0, child > 0 else {
            // No child yet (between spawn and .spawned) or none any more: drain.
            if p.notifyFD >= 0 { _ = NotifySocket.receiveAll(p.notifyFD) }
            return
        }
        for (sender, bytes) in NotifySocket.receiveAll(p.notifyFD) {
            guard sender == child || (sender > 0 && NotifySocket.processGroup(of: sender) == child) else {
                log.warn("\(p.namespec): ignored a NOTIFY_SOCKET message from pid \(sender), not in its process group")
                continue
            }
            let message = NotifyMessage.parse(bytes)
            if let status = message.status { p.notifyStatus = status }
            if message.ready { feed(p, .ready(how: "notify: READY=1")) }
            if message.watchdog && p.machine.state == .running { armWatchdog(p) }
        }
    }

    /// `watchdog_sec`: from RUNNING on, each WATCHDOG=1 must come within the
    /// interval (systemd's WatchdogSec=); a missed one counts as a liveness
    /// failure: the process is stopped and restarted as an unexpected exit.
    func watchdogStateChanged(_ p: ManagedProcess, to state: ProcessState) {
        guard p.config.watchdogSec > 0 else { return }
        if state == .running { armWatchdog(p) } else { disarmWatchdog(p) }
    }

    private func armWatchdog(_ p: ManagedProcess) {
        disarmWatchdog(p)
        let seconds = p.config.watchdogSec
        p.watchdogTimer = loop.schedule(at: loop.now() + Double(seconds)) { [weak self, weak p] in
            guard let self, let p else { return }
            p.watchdogTimer = nil
            self.feed(p, .livenessFailed(reason: "watchdog: no WATCHDOG=1 within \(seconds) seconds (watchdog_sec)"))
        }
    }

    func disarmWatchdog(_ p: ManagedProcess) {
        if let t = p.watchdogTimer { loop.cancel(t); p.watchdogTimer = nil }
    }
}
