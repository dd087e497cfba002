/// What a reload does to the control listeners (`[unix_http_server]`,
/// `[inet_http_server]`): supervisord closes and reopens every server on each
/// reload (options.py make_http_servers); we keep a listener whose binding is
/// unchanged, so its clients keep their connections, and bind anew only what
/// changed. The shell (ControlSocketSetup) performs the plan.
public enum ListenerRebinding {
    /// Where one listener listens and, for a socket file, the mode and owner
    /// it was created with (a change of either also needs a new bind).
    public struct Binding: Sendable, Equatable {
        public var endpoint: ControlEndpoint
        public var mode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(endpoint: ControlEndpoint, mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil) {
            self.endpoint = endpoint; self.mode = mode; self.uid = uid; self.gid = gid
        }

        /// Every listener of `config`, sockets first, in config order.
        public static func all(in config: Configuration) -> [Binding] {
            config.unixHTTPServers.map { Binding(endpoint: ControlEndpoint($0), mode: $0.chmod, uid: $0.chownUID, gid: $0.chownGID) }
                + config.inetHTTPServers.map { Binding(endpoint: ControlEndpoint($0)) }
        }

        /// Same address, mode and owner: the bound socket can stay (credentials may still change).
        public func sameBinding(as other: Binding) -> Bool {
            endpoint.address == other.endpoint.address && mode == other.mode && uid == other.uid && gid == other.gid
        }
    }

    public enum Step: Sendable, Equatable {
        /// Keep listener `current` as the wanted listener `wanted` (new credentials).
        case keep(current: Int, wanted: Int)
        /// Bind `wanted` anew. With `replacing`, listener `current` of the same
        /// section goes: before the bind when it holds the same address
        /// (`freeFirst`: a new mode or owner), after a successful bind otherwise
        /// (a failed bind then keeps it, so the daemon stays reachable).
        case bind(wanted: Int, replacing: Int?, freeFirst: Bool)
    }

    /// Match listeners by section; `close` lists the current listeners whose
    /// section is gone.
    public static func plan(current: [Binding], wanted: [Binding]) -> (steps: [Step], close: [Int]) {
        var remaining = Array(current.indices)
        var steps: [Step] = []
        for (w, want) in wanted.enumerated() {
            let match = remaining.firstIndex { current[$0].endpoint.section == want.endpoint.section }
            let c = match.map { remaining.remove(at: $0) }
            if let c, current[c].sameBinding(as: want) {
                steps.append(.keep(current: c, wanted: w))
            } else {
                let sameAddress = c.map { current[$0].endpoint.address == want.endpoint.address } ?? false
                steps.append(.bind(wanted: w, replacing: c, freeFirst: sameAddress))
            }
        }
        return (steps, remaining)
    }
}
