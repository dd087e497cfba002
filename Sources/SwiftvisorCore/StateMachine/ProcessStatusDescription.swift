extension ProcessStateMachine {
    /// The description column of `supervisorctl status`
    /// (rpcinterface.py `_interpretProcessInfo`):
    /// - RUNNING: `pid 5894, uptime 0:00:05` (`1 day, 2:03:04` past a day);
    /// - BACKOFF/FATAL: `spawnerr`, or `unknown error (try "tail x")`;
    /// - STOPPED/EXITED: the stop time, or `Not started` if never started;
    /// - STARTING/STOPPING/UNKNOWN: empty.
    ///
    /// - Parameter formatStopTime: formats a wall time (Unix seconds) as
    ///   strftime `%b %d %I:%M %p` in local time, which needs the OS time zone.
    public func statusDescription(now: Moment, formatStopTime: (Double) -> String) -> String {
        Self.statusDescription(state: state, pid: pid, laststart: laststart, laststop: laststop, spawnerr: spawnerr,
                               name: config.name, now: now, formatStopTime: formatStopTime)
    }

    /// The same from the machine's fields: a caller holding the machine in a
    /// class reads them in place instead of copying the whole machine (its
    /// config included) to call the method (`status` of 10,000 processes).
    public static func statusDescription(state: ProcessState, pid: Int32, laststart: Moment?, laststop: Moment?,
                                         spawnerr: String?, name: @autoclosure () -> String,
                                         now: Moment, formatStopTime: (Double) -> String) -> String {
        switch state {
        case .running:
            // The RPC truncates both times to whole seconds before subtracting
            // (capped_int), so 10.9 → 12.1 is 2 s, not 1.2 s.
            let start = laststart.map { Self.wholeSeconds($0.wall) } ?? 0
            let seconds = Self.wholeSeconds(now.wall) - start
            // A wall clock set back must not show a negative uptime.
            return "pid \(pid), uptime \(Self.formatTimedelta(max(seconds, 0)))"
        case .backoff, .fatal:
            if let spawnerr, !spawnerr.isEmpty { return spawnerr }
            return "unknown error (try \"tail \(name())\")"
        case .stopped, .exited:
            guard let laststart, Self.wholeSeconds(laststart.wall) != 0 else { return "Not started" }
            // Started but never reaped (stopped from BACKOFF after a spawn error):
            // supervisord formats laststop = 0, i.e. the epoch.
            return formatStopTime(Double(laststop.map { Self.wholeSeconds($0.wall) } ?? 0))
        case .starting, .stopping, .unknown:
            return ""
        }
    }

    /// Python's int() of a float: truncation toward zero.
    private static func wholeSeconds(_ t: Double) -> Int {
        guard t.isFinite else { return 0 }
        return Int(t.rounded(.towardZero))
    }

    /// Python's `str(datetime.timedelta(seconds=n))` for n >= 0:
    /// `H:MM:SS`, preceded by `1 day, ` or `N days, `.
    static func formatTimedelta(_ totalSeconds: Int) -> String {
        let days = totalSeconds / 86_400
        let rest = totalSeconds % 86_400
        let h = rest / 3600, m = rest % 3600 / 60, s = rest % 60
        let clock = "\(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
        switch days {
        case 0: return clock
        case 1: return "1 day, \(clock)"
        default: return "\(days) days, \(clock)"
        }
    }
}
