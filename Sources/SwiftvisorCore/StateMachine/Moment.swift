/// A point in time as the state machine sees it, injected by the caller.
///
/// Two clocks travel together because they answer different questions:
/// `monotonic` (CLOCK_MONOTONIC seconds) drives every deadline, so a wall-clock
/// step (NTP, `date -s`) can neither fire nor starve a timer; `wall` (Unix
/// epoch seconds) is only displayed (`laststart`/`laststop`, uptime), which
/// supervisord reports from `time.time()`. This replaces supervisord's
/// `_check_and_adjust_for_system_clock_rollback` patching.
public struct Moment: Sendable, Equatable, Comparable {
    /// Seconds on a monotonic clock; its origin is arbitrary.
    public var monotonic: Double
    /// Seconds since the Unix epoch.
    public var wall: Double

    /// A moment read from both clocks at once.
    public init(monotonic: Double, wall: Double) {
        self.monotonic = monotonic
        self.wall = wall
    }

    /// The same moment `seconds` later on both clocks (for tests and for
    /// deriving one moment from another without reading the clocks again).
    public func adding(_ seconds: Double) -> Moment {
        Moment(monotonic: monotonic + seconds, wall: wall + seconds)
    }

    /// Ordered by the monotonic clock (the one logic trusts), then by wall time
    /// so that the order agrees with `==`.
    public static func < (lhs: Moment, rhs: Moment) -> Bool {
        if lhs.monotonic != rhs.monotonic { return lhs.monotonic < rhs.monotonic }
        return lhs.wall < rhs.wall
    }
}
