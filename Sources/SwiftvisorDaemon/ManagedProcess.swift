// One supervised process at runtime: its pure state machine plus what the
// shell holds for it (pipes, log files, its timer, callers waiting on it).
import SwiftvisorCore
import SwiftvisorOS

final class ManagedProcess {
    var machine: ProcessStateMachine
    /// The output channels' log files, open for the life of the process record
    /// (nil: `NONE`). They survive respawns so rotation state carries over.
    var stdoutLog: RotatingLogFile?
    var stderrLog: RotatingLogFile?
    /// Resolved paths (AUTO replaced by the file created in childlogdir).
    var stdoutPath: String?
    var stderrPath: String?
    /// The daemon's end of the child's stdin pipe, or -1.
    var stdinFD: Int32 = -1
    /// Child output pipes still being drained. They can outlive the child when
    /// a grandchild keeps the write end open.
    var outputPipes: [OutputPipe] = []
    var timer: EventLoop.TimerID?
    /// Set between the leader's reap and the group's end in a group stop.
    var groupWatch: (any GroupExitWatching)?
    /// `cgroup=true`: the process's cgroup, from its first spawn until it is
    /// removed empty.
    var cgroupPath: String?
    /// Why the last operator signal failed (strerror), set while it is performed.
    var signalFailure: String?
    /// readiness=notify: the daemon's end of this run's NOTIFY_SOCKET, or -1.
    var notifyFD: Int32 = -1
    /// readiness=fd: the daemon's end of this run's notification pipe, or -1.
    var readyPipeFD: Int32 = -1
    /// readiness=log: this run's line scanners, one per channel, while STARTING.
    var stdoutReadyScan: LogLineScanner?
    var stderrReadyScan: LogLineScanner?
    /// The last `STATUS=` line the child sent (shown in its description).
    var notifyStatus: String?
    /// `watchdog_sec`: fires when no WATCHDOG=1 came in time (Supervisor+Readiness.swift).
    var watchdogTimer: EventLoop.TimerID?
    /// tcp/http readiness checks while STARTING (Supervisor+Probes.swift).
    var probe: ProbeRun?
    /// Callbacks consulted on every state change; one returning true is removed.
    var stateObservers: [(ProcessState) -> Bool] = []
    /// The pool of an `[eventlistener:x]` process: its stdin and stdout are the
    /// listener protocol's channel (EventHub).
    var listenerPool: String?
    /// Capture mode per channel (`*_capture_maxbytes` > 0), fresh for each run.
    var stdoutCapture: CaptureMode?
    var stderrCapture: CaptureMode?
    /// For `/metrics` (docs/metrics.md): spawns, spawns the daemon made on its
    /// own, exits by status label. `startRequested`: a `start` event came
    /// (operator, autostart) and no spawn has followed it yet.
    var starts = 0
    var restarts = 0
    var exits: [String: Int] = [:]
    var startRequested = false

    init(config: ProcessConfig) {
        machine = ProcessStateMachine(config: config)
    }

    var config: ProcessConfig { machine.config }
    var namespec: String { machine.config.namespec }
    var name: String { machine.config.name }
    var groupName: String { machine.config.groupName }
}

/// One readable end of a child's stdout or stderr pipe.
final class OutputPipe {
    let fd: Int32
    let channel: OutputChannel
    init(fd: Int32, channel: OutputChannel) { self.fd = fd; self.channel = channel }
}

enum OutputChannel: String {
    case stdout, stderr
}
