// Is a process group empty? The one question a group stop asks before it
// reports STOPPED (docs/architecture.md, "Stopping a process group").
import Glibc

public enum ProcessGroup {
    /// True when no process has process group id `pgid`: kill(-pgid, 0) fails
    /// with ESRCH. Any other answer (success, EPERM for a member we may not
    /// signal) means a member exists. Zombies count as members until reaped,
    /// so the caller reaps before asking.
    public static func isEmpty(_ pgid: Int32) -> Bool {
        guard pgid > 0 else { return true }
        do {
            try Sys.kill(-pgid, 0)
            return false
        } catch {
            return error.errno == ESRCH
        }
    }
}
