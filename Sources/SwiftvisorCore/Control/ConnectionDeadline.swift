// When the control server closes a connection on its own: the auth deadline
// for a connection that has not authenticated, the idle timeout for one with
// nothing in progress (docs/protocol.md §7). Pure, so the rule is unit-tested
// on a fake clock; ControlServer arms a timer for the time it returns.

public enum ConnectionDeadline {
    public enum Decision: Sendable, Equatable {
        /// Close the connection now.
        case close
        /// Check again at this time (monotonic seconds).
        case checkAt(Double)
    }

    /// - Parameters:
    ///   - authenticated: false only when the server has credentials and no
    ///     `auth` succeeded yet.
    ///   - active: a request in flight, a reply being written or a follow
    ///     stream: never idle (a waiting `start` or a quiet `tail -f` lasts).
    ///   - lastActivity: when the client last sent bytes or a reply completed.
    public static func decide(now: Double, acceptedAt: Double, lastActivity: Double,
                              authenticated: Bool, active: Bool) -> Decision {
        if !authenticated {
            let deadline = acceptedAt + ControlProtocol.authTimeout
            return now >= deadline ? .close : .checkAt(deadline)
        }
        if active { return .checkAt(now + ControlProtocol.idleTimeout) }
        let deadline = lastActivity + ControlProtocol.idleTimeout
        return now >= deadline ? .close : .checkAt(deadline)
    }
}
