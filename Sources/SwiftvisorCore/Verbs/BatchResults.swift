/// The reply of a verb that acts on several processes (start, stop, signal,
/// clear): one result slot per selected process, filled as each finishes, and
/// the order they are listed in.
///
/// supervisord's `make_allfunc` (rpcinterface.py, `startProcessGroup` and the
/// like) lists a group or `all` selection's immediate results first (e.g.
/// NO_FILE from the precheck), then the waited ones as its 50 ms poll sees
/// them finish, those of one poll in process order. The order matters:
/// supervisorctl's exit status depends on it. Explicit names (`g:p`) keep
/// their argument order.
public struct BatchResults: Sendable {
    /// A process the verb must act on: its slot, and whether it was named
    /// explicitly (`g:p`) or came from a group or `all` (where supervisord
    /// skips processes the verb does not apply to instead of reporting them).
    public struct Work: Sendable, Equatable {
        public var slot: Int
        public var key: ProcessKey
        public var explicit: Bool
    }

    /// In selection order, one per selected process.
    public private(set) var work: [Work] = []
    private var slots: [NameResult?] = []
    private var finished: [Bool] = []
    /// 0: finished while the verb was being dispatched; n > 0: finished in
    /// supervisord's n-th 50 ms poll round.
    private var round: [Int] = []
    private var blocks: [Range<Int>] = []
    private var outstanding = 0

    /// supervisord polls waiting results every 50 ms (`make_allfunc`'s deferred callback).
    public static let pollInterval = 0.05

    public init(_ selections: [NameSelection]) {
        for selection in selections {
            switch selection {
            case .fault(let r):
                slots.append(r)
                finished.append(true)
            case .process(let key):
                work.append(Work(slot: slots.count, key: key, explicit: true))
                slots.append(nil)
                finished.append(false)
            case .group(_, let keys), .all(let keys):
                let start = slots.count
                for key in keys {
                    work.append(Work(slot: slots.count, key: key, explicit: false))
                    slots.append(nil)
                    finished.append(false)
                }
                blocks.append(start..<slots.count)
            }
        }
        round = Array(repeating: 0, count: slots.count)
        outstanding = work.count
    }

    /// The poll round of a completion `elapsed` seconds after dispatch ended
    /// (0 for a result known while dispatching).
    public static func round(elapsed: Double, immediate: Bool) -> Int {
        guard !immediate else { return 0 }
        let r = elapsed / pollInterval
        return 1 + (r.isFinite && r >= 0 && r < 1e9 ? Int(r) : 0)
    }

    /// Record slot `slot`'s outcome (nil: skipped, listed nowhere). A slot is
    /// filled once; later calls for it are ignored. Returns true when this
    /// completed the batch.
    @discardableResult
    public mutating func complete(slot: Int, with result: NameResult?, round r: Int) -> Bool {
        guard slots.indices.contains(slot), !finished[slot] else { return false }
        finished[slot] = true
        slots[slot] = result
        round[slot] = r
        outstanding -= 1
        return outstanding == 0
    }

    public var isComplete: Bool { outstanding == 0 }

    /// The results in reply order: selections in argument order; inside a
    /// group or `all`, by (round, process order).
    public var ordered: [NameResult] {
        var ordered = slots
        for block in blocks {
            let sorted = block.sorted { (round[$0], $0) < (round[$1], $1) }
            for (dst, src) in zip(block, sorted) { ordered[dst] = slots[src] }
        }
        return ordered.compactMap { $0 }
    }
}
