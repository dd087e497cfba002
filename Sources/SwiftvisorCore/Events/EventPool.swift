/// One `[eventlistener:x]` pool: its queue and its listener processes
/// (process.py `EventListenerPool` at 4.3.0). Pure: the daemon tells it what
/// its processes do and gives it a way to write; it returns the log lines.
///
/// - Each accepted event gets the pool's next `poolserial`; when the queue
///   holds `buffer_size` events the oldest is dropped with supervisord's ERRO.
/// - Dispatch gives the oldest event to the first listener (config order)
///   that is RUNNING and READY, which becomes BUSY: a busy listener never
///   gets a second event. With none available the event stays at the head.
/// - A rejected event, or one held by a listener that went UNKNOWN or
///   exited, goes back to the head of this pool's queue, and only this
///   pool's: supervisord compares processes by priority when it looks for the
///   pool of a rejected event (`Subprocess.__eq__`, process.py), so a
///   rejection leaks into every pool with a process of equal priority.
public struct EventPool: Sendable {
    public enum Action: Sendable, Equatable {
        case log(LogLevel, String)
        /// For the daemon's stdout or stderr (the printing result handlers).
        case output(ResultHandler.Output)
    }

    /// The outcome of writing an envelope to a listener's stdin.
    public enum WriteOutcome: Sendable {
        case written
        /// The listener closed its stdin (EPIPE): try the next one.
        case closed
    }

    public struct Listener: Sendable {
        public let name: String
        /// The process is RUNNING (events are not sent while STARTING, even after READY).
        public var running = false
        public var proto: ListenerProtocol
        /// The event this listener is working on (BUSY).
        public var held: QueuedEvent?
    }

    public let name: String
    public let subscription: EventSubscription
    public let bufferSize: Int
    /// Whether DEBG lines are wanted (the daemon's loglevel is debug): each
    /// event delivered would otherwise build three of them for nothing.
    public var debugLines = true {
        didSet { for i in listeners.indices { listeners[i].proto.debugLines = debugLines } }
    }
    public private(set) var queue = EventQueue()
    public private(set) var listeners: [Listener]
    private var lastPoolSerial = -1
    /// Events a listener acknowledged (OK or FAIL: either ends its delivery),
    /// and events discarded from a full buffer: `/metrics` (docs/metrics.md).
    public private(set) var delivered = 0
    public private(set) var dropped = 0

    public init(name: String, events: [String], bufferSize: Int, handler: ResultHandler, listenerNames: [String]) {
        self.name = name
        self.subscription = EventSubscription(names: events)
        self.bufferSize = max(1, bufferSize)
        self.listeners = listenerNames.map { Listener(name: $0, proto: ListenerProtocol(name: $0, handler: handler)) }
    }

    // MARK: - Queue

    /// A new event for this pool (the caller checked the subscription).
    public mutating func accept(_ event: SupervisorEvent, serial: Int) -> [Action] {
        lastPoolSerial = EventBus.next(lastPoolSerial)
        var out: [Action] = []
        makeRoom(&out)
        queue.append(QueuedEvent(serial: serial, poolSerial: lastPoolSerial, event: event))
        return out
    }

    /// An event that came back: at the head, so it is retried before newer ones.
    mutating func requeue(_ e: QueuedEvent, _ out: inout [Action]) {
        if debugLines { out.append(.log(.debug, "rebuffering event \(e.serial) for pool \(name) (buf size=\(queue.count), max=\(bufferSize))")) }
        makeRoom(&out)
        queue.prepend(e)
    }

    private mutating func makeRoom(_ out: inout [Action]) {
        if queue.count >= bufferSize, let dropped = queue.popFirst() {
            self.dropped &+= 1
            out.append(.log(.error, "pool \(name) event buffer overflowed, discarding event \(dropped.serial)"))
        }
    }

    // MARK: - Listener processes

    private func index(_ listener: String) -> Int? { listeners.firstIndex { $0.name == listener } }

    /// A new child of `listener` was spawned: a fresh protocol, ACKNOWLEDGED.
    public mutating func listenerSpawned(_ listener: String) {
        guard let i = index(listener) else { return }
        listeners[i].proto.spawned()
    }

    /// The listener process entered or left RUNNING.
    public mutating func listenerRunning(_ listener: String, _ running: Bool) {
        guard let i = index(listener) else { return }
        listeners[i].running = running
    }

    /// The listener process was reaped: the event it held goes back to the
    /// queue (supervisord's `finish()` notifies `EventRejectedEvent`).
    public mutating func listenerExited(_ listener: String) -> [Action] {
        guard let i = index(listener) else { return [] }
        listeners[i].running = false
        var out: [Action] = []
        if let e = listeners[i].held {
            listeners[i].held = nil
            requeue(e, &out)
        }
        return out
    }

    /// Bytes the listener wrote on its stdout.
    public mutating func received(_ listener: String, _ bytes: some Collection<UInt8>) -> [Action] {
        guard let i = index(listener) else { return [] }
        var out: [Action] = []
        for action in listeners[i].proto.received(bytes) {
            switch action {
            case .log(let level, let line): out.append(.log(level, line))
            case .output(let bytes): out.append(.output(bytes))
            case .eventDone:
                if listeners[i].held != nil { delivered &+= 1 }
                listeners[i].held = nil
            case .requeueEvent:
                if let e = listeners[i].held {
                    listeners[i].held = nil
                    requeue(e, &out)
                }
            }
        }
        return out
    }

    /// Whether some listener could take an event now.
    public var canDispatch: Bool {
        !queue.isEmpty && listeners.contains { $0.running && $0.proto.state == .ready }
    }

    // MARK: - Dispatch

    /// Hand queued events, oldest first, to RUNNING and READY listeners until
    /// the queue or the listeners run out (process.py `dispatch`, `_dispatchEvent`).
    public mutating func dispatch(identifier: String, write: (String, [UInt8]) -> WriteOutcome) -> [Action] {
        var out: [Action] = []
        while let e = queue.popFirst() {
            var sent = false
            for i in listeners.indices where listeners[i].running && listeners[i].proto.state == .ready {
                let bytes = EventEnvelope.encode(identifier: identifier, serial: e.serial, pool: name, poolSerial: e.poolSerial, event: e.event)
                switch write(listeners[i].name, bytes) {
                case .closed:
                    out.append(.log(.debug, "epipe occurred while sending event \(e.serial) to listener \(listeners[i].name), listener state unchanged"))
                    continue
                case .written:
                    listeners[i].proto.sent()
                    listeners[i].held = e
                    if debugLines { out.append(.log(.debug, "event \(e.serial) sent to listener \(listeners[i].name)")) }
                    sent = true
                }
                break
            }
            if !sent {
                // supervisord re-accepts it at the head (with the rebuffering
                // line only at debug level, which we skip: nothing moved).
                queue.prepend(e)
                break
            }
        }
        return out
    }
}
