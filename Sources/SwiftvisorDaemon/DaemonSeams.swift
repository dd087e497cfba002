// The two seams that let the daemon's logic run in-process without the OS
// doing anything (Tests/DaemonTests): the event loop's timers, deferrals and
// descriptor watches, and the process host (spawn, signal, reap, adopted
// children). The daemon uses the live ones: `EventLoop` and `LiveProcessHost`.
import SwiftvisorCore
import SwiftvisorOS

/// What the supervisor and the lifecycle need of the event loop.
protocol EventScheduling: AnyObject {
    /// Monotonic and wall-clock time, in seconds.
    func now() -> Double
    func wallNow() -> Double
    func schedule(at deadline: Double, _ handler: @escaping () -> Void) -> EventLoop.TimerID
    func cancel(_ id: EventLoop.TimerID)
    /// Run `body` after the current round (after the replies and log lines of this one).
    func deferToNextRound(_ body: @escaping () -> Void)
    func watchReadable(_ fd: Int32, _ handler: @escaping () -> Void)
    func watchWritable(_ fd: Int32, _ handler: @escaping () -> Void)
    func unwatchWritable(_ fd: Int32)
    func unwatch(_ fd: Int32)
}

extension EventLoop: EventScheduling {
    func now() -> Double { EventLoop.now() }
    func wallNow() -> Double { EventLoop.wallNow() }
}

/// What the supervisor asks of the kernel about its children.
protocol ProcessHost: AnyObject {
    func spawn(_ request: SpawnRequest, programName: String) throws(SpawnError) -> SpawnedChild
    /// kill(2): `pid` < 0 signals the process group.
    func signal(_ pid: Int32, _ signal: Int32) throws(SystemError)
    /// Every child that exited since the last call (waitpid(-1, WNOHANG) until none).
    func reapAll() -> [(pid: Int32, status: ExitStatus)]
    /// Live processes whose parent is `pid` (adopted orphans at shutdown).
    func children(of pid: Int32) -> [Int32]
}

/// The real thing: posix_spawn, kill(2), waitpid, /proc.
final class LiveProcessHost: ProcessHost {
    func spawn(_ request: SpawnRequest, programName: String) throws(SpawnError) -> SpawnedChild {
        try Spawner.spawn(request, programName: programName)
    }
    func signal(_ pid: Int32, _ signal: Int32) throws(SystemError) { try Sys.kill(pid, signal) }
    func reapAll() -> [(pid: Int32, status: ExitStatus)] { Reaper.reapAll() }
    func children(of pid: Int32) -> [Int32] { ProcFS.children(of: pid) }
}
