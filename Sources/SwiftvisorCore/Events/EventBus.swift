/// Every pool, and the global event serial (supervisord's `GlobalSerial`,
/// process.py): an event gets its serial when the first pool accepts it, so
/// an event nobody subscribed to uses none. Pools are offered an event in the
/// order they were added (supervisord's subscription order).
public struct EventBus: Sendable {
    public private(set) var pools: [EventPool] = []
    private var lastSerial = -1
    /// The concrete types some pool subscribes to: checked before an event is
    /// even built, so with no listener the daemon does no event work.
    public private(set) var subscribed: Set<EventType> = []

    public init() {}

    public func wants(_ type: EventType) -> Bool { subscribed.contains(type) }

    public var isEmpty: Bool { pools.isEmpty }

    public mutating func addPool(_ pool: EventPool) {
        pools.removeAll { $0.name == pool.name }
        pools.append(pool)
        recompute()
    }

    public mutating func removePool(_ name: String) {
        pools.removeAll { $0.name == name }
        recompute()
    }

    private mutating func recompute() {
        subscribed = pools.reduce(into: Set<EventType>()) { $0.formUnion($1.subscription.types) }
    }

    /// Offer `event` to every subscribed pool. Returns the pools that took
    /// it (their names, to dispatch) and what they logged.
    public mutating func publish(_ event: SupervisorEvent) -> (pools: [Int], actions: [EventPool.Action]) {
        guard wants(event.type) else { return ([], []) }
        var serial: Int?
        var took: [Int] = []
        var out: [EventPool.Action] = []
        for i in pools.indices where pools[i].subscription.accepts(event.type) {
            if serial == nil {
                lastSerial = Self.next(lastSerial)
                serial = lastSerial
            }
            out += pools[i].accept(event, serial: serial ?? 0)
            took.append(i)
        }
        return (took, out)
    }

    /// Change a pool in place (listener state, received bytes, dispatch).
    public mutating func withPool<R>(_ name: String, _ body: (inout EventPool) -> R) -> R? {
        guard let i = pools.firstIndex(where: { $0.name == name }) else { return nil }
        return body(&pools[i])
    }

    public mutating func withPool<R>(at index: Int, _ body: (inout EventPool) -> R) -> R? {
        guard pools.indices.contains(index) else { return nil }
        return body(&pools[index])
    }

    /// supervisord's `new_serial`: 0, 1, ... wrapping to 0 after `Int.max`.
    static func next(_ serial: Int) -> Int { serial == Int.max ? 0 : serial + 1 }
}
