// The control socket's place in start-up: bound in the foreground before
// daemonizing (so "already listening" reaches the terminal), attached to the
// daemon once it exists, removed at exit.
import SwiftvisorCore
import SwiftvisorOS

struct ControlSocketError: Error, CustomStringConvertible {
    var description: String
}

final class ControlSocketSetup {
    static func bind(_ config: Configuration) throws(ControlSocketError) -> ControlSocketSetup {
        ControlSocketSetup()
    }

    func attach(to daemon: Daemon, log: MainLog) {}

    func remove() {}
}
