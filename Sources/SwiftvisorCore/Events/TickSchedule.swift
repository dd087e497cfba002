/// TICK_5, TICK_60 and TICK_3600 (supervisord.py `Supervisor.tick`): an
/// event when the wall clock enters a new period, carrying the aligned start
/// of that period (`timeslice`: `int(now - now % period)`). The first look
/// only records the current periods; a stall over several boundaries gives
/// one tick per type; TICK_5 comes before TICK_60 before TICK_3600.
///
/// supervisord evaluates this on every main-loop pass (it wakes at least once
/// a second); here the daemon arms one timer for `nextDeadline`, and only
/// while some pool subscribes to a tick.
public struct TickSchedule: Sendable {
    public let types: [EventType]
    private var last: [Int: Int] = [:]

    /// `types`: the subscribed TICK types (others are ignored).
    public init(types: some Sequence<EventType>) {
        self.types = [EventType.tick5, .tick60, .tick3600].filter { t in types.contains(t) }
    }

    static func slice(_ period: Int, _ now: Double) -> Int {
        guard now.isFinite, now >= 0, now < 1e15 else { return 0 }
        let n = Int(now)
        return n - n % period
    }

    /// The first look: remember the current periods, emit nothing.
    public mutating func start(now: Double) {
        for t in types { if let p = t.tickPeriod { last[p] = Self.slice(p, now) } }
    }

    /// The ticks due at `now`, in supervisord's order.
    public mutating func due(now: Double) -> [SupervisorEvent] {
        var out: [SupervisorEvent] = []
        for t in types {
            guard let p = t.tickPeriod else { continue }
            let s = Self.slice(p, now)
            if last[p] == nil { last[p] = s; continue }
            if last[p] != s {
                last[p] = s
                out.append(.tick(t, when: s))
            }
        }
        return out
    }

    /// When the next boundary of any subscribed period is crossed; nil with no ticks.
    public func nextDeadline(after now: Double) -> Double? {
        guard let p = types.compactMap(\.tickPeriod).min() else { return nil }
        return Double(Self.slice(p, now) + p)
    }
}
