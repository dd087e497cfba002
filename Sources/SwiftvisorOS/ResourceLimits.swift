// minfds / minprocs (options.py set_rlimits_or_exit): raise the soft limit
// (and the hard one when it is lower too, which needs root) to the minimum.
import Glibc

public enum ResourceLimit {
    case openFiles, processes

    var resource: Int32 {
        switch self {
        case .openFiles: return Int32(RLIMIT_NOFILE.rawValue)
        // RLIMIT_NPROC is a macro over an enum value Swift does not import.
        case .processes: return 6
        }
    }

    public enum Outcome: Equatable, Sendable {
        case unchanged
        case raised(to: Int)
        /// The hard limit could not be raised; `current` is what the environment allows.
        case refused(current: Int)
    }

    public func raise(toAtLeast minimum: Int) -> Outcome {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(resource)), &limit) == 0 else { return .unchanged }
        // The config reader refuses a negative minimum; nothing to raise to anyway.
        guard let floor = rlim_t(exactly: minimum) else { return .unchanged }
        let infinity = rlim_t.max  // RLIM_INFINITY
        if limit.rlim_cur == infinity || limit.rlim_cur >= floor { return .unchanged }
        var wanted = limit
        wanted.rlim_cur = floor
        if limit.rlim_max != infinity && limit.rlim_max < floor { wanted.rlim_max = floor }
        if setrlimit(__rlimit_resource_t(UInt32(resource)), &wanted) != 0 {
            return .refused(current: Int(clamping: limit.rlim_cur))
        }
        return .raised(to: minimum)
    }
}
