// Dropping privileges for `[supervisord] user=` (options.py drop_privileges):
// supplementary groups, then gid, then uid. setgid must come before setuid:
// once the uid is dropped the process no longer may change its gid.
import Glibc
import SwiftvisorCore

public enum Privileges {
    /// Switch the daemon to `user`. Returns nil on success, else supervisord's message.
    public static func drop(to user: ResolvedUser) -> String? {
        if geteuid() == user.uid { return nil }
        if geteuid() != 0 { return "Can't drop privilege as nonroot user" }
        if initgroups(user.name, user.gid) != 0 { return "Could not set groups of effective user" }
        if setgid(user.gid) != 0 { return "Could not set group id of effective user" }
        if setuid(user.uid) != 0 { return "Could not set user id of effective user" }
        return nil
    }

    public static var effectiveUID: UInt32 { geteuid() }
}
