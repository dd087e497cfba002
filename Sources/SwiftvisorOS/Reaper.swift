// Collecting exited children: one waitpid(-1, WNOHANG) loop, woken by SIGCHLD
// through the event loop's signalfd (supervisord instead polls once a second).
import Glibc
import CSwiftvisor
import SwiftvisorCore

/// Reaps every exited child and orphaned descendant.
public enum Reaper {
    /// Make this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER):
    /// descendants whose parent exits (double-forking daemons) are re-parented
    /// here instead of to init, so they are reaped and can be found.
    public static func becomeSubreaper() throws(SystemError) {
        _ = try syscall("prctl(PR_SET_CHILD_SUBREAPER)") { swv_set_child_subreaper() }
    }

    /// Undo `becomeSubreaper` (for tests that must not adopt other tests' orphans).
    public static func stopBeingSubreaper() throws(SystemError) {
        _ = try syscall("prctl(PR_SET_CHILD_SUBREAPER, 0)") { swv_unset_child_subreaper() }
    }

    /// Reap every child that has exited, without blocking. Returns them in the
    /// order the kernel reported them; an empty array when none is waiting.
    public static func reapAll() -> [(pid: Int32, status: ExitStatus)] {
        var reaped: [(pid: Int32, status: ExitStatus)] = []
        while true {
            var raw: Int32 = 0
            let pid: Int32
            do {
                pid = try Sys.waitpid(-1, &raw, WNOHANG)
            } catch {
                // ECHILD: no children at all. Nothing else is possible with -1/WNOHANG.
                break
            }
            if pid == 0 { break }
            reaped.append((pid: pid, status: decode(raw)))
        }
        return reaped
    }

    /// Decode a wait status. Without WUNTRACED/WCONTINUED only these two happen.
    public static func decode(_ raw: Int32) -> ExitStatus {
        if swv_wifsignaled(raw) != 0 {
            return .signaled(signal: swv_wtermsig(raw), coreDumped: swv_wcoredump(raw) != 0)
        }
        return .exited(code: Int(swv_wexitstatus(raw)))
    }
}
