/// A pool's FIFO of events waiting for a listener: append at the tail,
/// re-insert a returned event at the head, drop the oldest. O(1) each way
/// (a ring), since a flooding child may push thousands per second through it.
public struct EventQueue: Sendable {
    private var slots: [QueuedEvent?] = []
    private var head = 0
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ e: QueuedEvent) {
        grow()
        slots[(head + count) % slots.count] = e
        count += 1
    }

    public mutating func prepend(_ e: QueuedEvent) {
        grow()
        head = (head + slots.count - 1) % slots.count
        slots[head] = e
        count += 1
    }

    public mutating func popFirst() -> QueuedEvent? {
        guard count > 0 else { return nil }
        let e = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        return e
    }

    /// The events in queue order (tests, diagnostics).
    public var elements: [QueuedEvent] {
        (0..<count).compactMap { slots[(head + $0) % slots.count] }
    }

    private mutating func grow() {
        guard count == slots.count else { return }
        let old = elements
        slots = Array(repeating: nil, count: max(8, slots.count * 2))
        for (i, e) in old.enumerated() { slots[i] = e }
        head = 0
    }
}

/// An event in one pool's queue: its global serial and this pool's serial
/// (both fixed when the pool first accepted it, kept when it is re-queued).
public struct QueuedEvent: Sendable, Equatable {
    public let serial: Int
    public let poolSerial: Int
    public let event: SupervisorEvent
    public init(serial: Int, poolSerial: Int, event: SupervisorEvent) {
        self.serial = serial; self.poolSerial = poolSerial; self.event = event
    }
}
