// Event listeners in the daemon: performs what the pure `EventBus` and its
// `EventPool`s decide (Sources/SwiftvisorCore/Events, docs/events.md).
// Events come from the supervisor (state changes, output, groups, the
// daemon's own state) and from a wall-clock tick timer; they are built only
// when a pool subscribes to their type, so with no listener configured none
// of this does any work and no tick timer exists.
//
// A listener can never block the loop: envelopes go to its stdin pipe
// non-blocking (what does not fit waits for a writable watch, and a busy
// listener gets nothing more, so at most one envelope is pending per
// listener); its stdout is read like any child output, bounded per wakeup.
import SwiftvisorCore
import SwiftvisorOS

final class EventHub {
    private let loop: any EventScheduling
    private let log: MainLog
    /// `[supervisord] identifier`: the envelope's `server:`.
    var identifier = "supervisor"
    private(set) var bus = EventBus()
    /// Listener processes by pool, in the pool's process order.
    private var members: [String: [ManagedProcess]] = [:]
    /// What is left to write of an envelope, per listener stdin fd.
    private var pendingWrites: [Int32: [UInt8]] = [:]
    private static let listenerPipeSize: Int32 = 1 << 20
    private var ticks: TickSchedule?
    private var tickTimer: EventLoop.TimerID?
    /// The daemon's stdout and stderr, for the printing result handlers:
    /// opened on first use as the main log's echo is, so a stream nobody
    /// reads queues (then drops) instead of blocking the loop.
    private lazy var stdoutTarget: RotatingLogFile? = Self.target(StandardStreams.standardOutput(), "/dev/stdout", fd: 1)
    private lazy var stderrTarget: RotatingLogFile? = Self.target(StandardStreams.standardError(), "/dev/stderr", fd: 2)
    private var watched: Set<ObjectIdentifier> = []
    /// supervisor_stdlog's module globals (pad width, colours), daemon-wide.
    private var stdlog = StdlogFormatter()
    /// supervisor_stdout's `print` soft space, and the main log echo's write
    /// count when it was last looked at (an echo in between clears it).
    private var printSoftspace = false
    private var echoWritesSeen = 0
    /// Counts of pools removed (reload, `remove`), so the totals never go back.
    private var removedDelivered = 0
    private var removedDropped = 0

    /// Events delivered to and dropped by every pool since the daemon started.
    var eventCounts: (delivered: Int, dropped: Int) {
        bus.pools.reduce((removedDelivered, removedDropped)) { ($0.0 &+ $1.delivered, $0.1 &+ $1.dropped) }
    }

    private static func target(_ stream: InheritedStream?, _ name: String, fd: Int32) -> RotatingLogFile? {
        guard let stream else { return nil }
        if stream.isRegularFile { return RotatingLogFile(descriptor: stream.appendingDescriptor(), name: name) }
        return try? RotatingLogFile(path: "/proc/self/fd/\(fd)", maxBytes: 0, backups: 0)
    }

    private func printOutput(_ output: ResultHandler.Output) {
        switch output {
        case .print(let item):
            guard let target = stdoutTarget else { return }
            if log.echoWrites != echoWritesSeen { printSoftspace = false; echoWritesSeen = log.echoWrites }
            write(ResultHandler.python2Print(item, softspace: &printSoftspace), to: target)
        case .stdlog(let body):
            guard let (stream, bytes) = stdlog.format(body), let target = stream == .stderr ? stderrTarget : stdoutTarget else { return }
            write(bytes, to: target)
        }
    }

    private func write(_ bytes: [UInt8], to target: RotatingLogFile) {
        target.write(bytes)
        let fd = target.descriptor, key = ObjectIdentifier(target)
        guard target.isBlocked, !watched.contains(key), fd >= 0 else { return }
        watched.insert(key)
        loop.watchWritable(fd) { [weak self, weak target] in
            guard let self, let target, target.flushPending() else { return }
            self.loop.unwatchWritable(fd)
            self.watched.remove(key)
        }
    }

    init(loop: any EventScheduling, log: MainLog) {
        self.loop = loop
        self.log = log
    }

    @inline(__always)
    func wants(_ type: EventType) -> Bool { bus.wants(type) }

    // MARK: - Pools

    func addPool(_ group: GroupConfig, processes: [ManagedProcess]) {
        guard let l = group.eventListener else { return }
        let handler = ResultHandler(spec: l.resultHandler) ?? .standard
        var pool = EventPool(name: group.name, events: l.events, bufferSize: l.bufferSize, handler: handler,
                             listenerNames: processes.map(\.name))
        // The threshold is the new config's when a reload re-adds the pools.
        pool.debugLines = log.threshold.rawValue <= LogLevel.debug.rawValue
        bus.addPool(pool)
        members[group.name] = processes
        for p in processes { p.listenerPool = group.name }
        refreshTicks()
    }

    /// A removed group's pool; its queued events go with it (supervisord's `before_remove`).
    func removePool(_ name: String) {
        for p in members[name] ?? [] { dropPendingWrite(p) }
        for w in idleWaiters where w.process.listenerPool == name { loop.cancel(w.timer) }
        idleWaiters.removeAll { $0.process.listenerPool == name }
        members[name] = nil
        if let pool = bus.pools.first(where: { $0.name == name }) {
            removedDelivered &+= pool.delivered
            removedDropped &+= pool.dropped
        }
        bus.removePool(name)
        refreshTicks()
    }

    /// Reload: every pool goes; the global serial survives, as supervisord's does.
    func removeAllPools() {
        for name in bus.pools.map(\.name) { removePool(name) }
    }

    // MARK: - Publishing

    func publish(_ event: SupervisorEvent) {
        let (took, actions) = bus.publish(event)
        perform(actions)
        for i in took { dispatch(poolAt: i) }
    }

    private func perform(_ actions: [EventPool.Action]) {
        for a in actions {
            switch a {
            case .log(let level, let line): log.log(level, line)
            case .output(let output): printOutput(output)
            }
        }
    }

    private func dispatch(poolAt index: Int) {
        guard bus.pools.indices.contains(index), bus.pools[index].canDispatch else { return }
        let name = bus.pools[index].name
        let procs = members[name] ?? []
        let actions = bus.withPool(at: index) { pool in
            pool.dispatch(identifier: identifier) { listener, bytes in
                guard let p = procs.first(where: { $0.name == listener }) else { return .closed }
                return self.write(bytes, to: p)
            }
        } ?? []
        perform(actions)
    }

    private func dispatch(pool name: String) {
        guard let i = bus.pools.firstIndex(where: { $0.name == name }) else { return }
        dispatch(poolAt: i)
    }

    // MARK: - Listener processes

    func listenerSpawned(_ p: ManagedProcess) {
        guard let pool = p.listenerPool else { return }
        dropPendingWrite(p)
        // A PROCESS_LOG envelope carries up to a whole read of the child's
        // pipe (64 KiB) plus its header: more than a default pipe holds, so it
        // would go out in two writes, the second after a writable wakeup.
        // 1 MiB (pipe-max-size's default) lets any envelope go out in one
        // write; refused (a non-root user past its pipe page budget), the
        // pipe keeps its 64 KiB and the writable watch does the rest.
        if p.stdinFD >= 0 { _ = Sys.setPipeSize(p.stdinFD, Self.listenerPipeSize) }
        _ = bus.withPool(pool) { $0.listenerSpawned(p.name) }
    }

    func listenerStateChanged(_ p: ManagedProcess, to state: ProcessState) {
        guard let pool = p.listenerPool else { return }
        _ = bus.withPool(pool) { $0.listenerRunning(p.name, state == .running) }
        if state == .running { dispatch(pool: pool) }
        checkIdleWaiters()
    }

    /// Reaped: the event it held goes back to its pool's queue, for another
    /// listener or for its own next run.
    func listenerExited(_ p: ManagedProcess) {
        guard let pool = p.listenerPool else { return }
        dropPendingWrite(p)
        perform(bus.withPool(pool) { $0.listenerExited(p.name) } ?? [])
        dispatch(pool: pool)
        checkIdleWaiters()
    }

    /// Bytes the listener wrote on its stdout (already in its log file, if any).
    func listenerOutput(_ p: ManagedProcess, _ bytes: [UInt8]) {
        guard let pool = p.listenerPool else { return }
        perform(bus.withPool(pool) { $0.received(p.name, bytes) } ?? [])
        dispatch(pool: pool)
        checkIdleWaiters()
    }

    // MARK: - Draining before a stop

    private var idleWaiters: [(process: ManagedProcess, timer: EventLoop.TimerID, body: () -> Void)] = []

    /// Nothing left that this listener could still receive: its pool's queue
    /// is empty (or no listener of the pool can take events any more) and it
    /// holds no event.
    func isIdle(_ p: ManagedProcess) -> Bool {
        guard let name = p.listenerPool, let pool = bus.pools.first(where: { $0.name == name }) else { return true }
        let holds = pool.listeners.contains { $0.name == p.name && $0.held != nil && $0.running }
        let canTake = pool.listeners.contains { $0.running && $0.proto.state != .unknown }
        return !holds && (pool.queue.isEmpty || !canTake)
    }

    /// Run `body` once `p` is idle, or after `seconds` at the latest.
    func whenIdle(_ p: ManagedProcess, within seconds: Double, _ body: @escaping () -> Void) {
        let timer = loop.schedule(at: loop.now() + seconds) { [weak self, weak p] in
            guard let self, let p else { return }
            self.releaseWaiters { $0 === p }
        }
        idleWaiters.append((p, timer, body))
    }

    private func checkIdleWaiters() {
        guard !idleWaiters.isEmpty else { return }
        releaseWaiters { self.isIdle($0) }
    }

    private func releaseWaiters(_ ready: (ManagedProcess) -> Bool) {
        var due: [() -> Void] = []
        idleWaiters.removeAll { w in
            guard ready(w.process) else { return false }
            loop.cancel(w.timer)
            due.append(w.body)
            return true
        }
        for body in due { body() }
    }

    // MARK: - Writing envelopes

    private func write(_ bytes: [UInt8], to p: ManagedProcess) -> EventPool.WriteOutcome {
        let fd = p.stdinFD
        guard fd >= 0 else { return .closed }
        var written = 0
        writing: while written < bytes.count {
            switch Self.writeSome(fd, bytes[written...]) {
            case .wrote(let n): written += n
            case .wouldBlock: break writing
            case .closed:
                // EPIPE (the listener closed its stdin) or worse: nothing was
                // delivered if nothing was written; try another listener.
                // Half an envelope was delivered otherwise: the listener
                // fails the protocol or exits, and the event comes back.
                return written == 0 ? .closed : .written
            }
        }
        if written < bytes.count {
            pendingWrites[fd] = Array(bytes[written...])
            loop.watchWritable(fd) { [weak self, weak p] in
                guard let self, let p else { return }
                self.flushPending(p, fd: fd)
            }
        }
        return .written
    }

    private func flushPending(_ p: ManagedProcess, fd: Int32) {
        guard var rest = pendingWrites[fd], p.stdinFD == fd else {
            loop.unwatchWritable(fd)
            pendingWrites[fd] = nil
            return
        }
        writing: while !rest.isEmpty {
            switch Self.writeSome(fd, rest[...]) {
            case .wrote(let n): rest.removeFirst(n)
            case .wouldBlock: break writing
            case .closed: rest = []  // its exit returns the event to the queue
            }
        }
        if rest.isEmpty {
            loop.unwatchWritable(fd)
            pendingWrites[fd] = nil
        } else {
            pendingWrites[fd] = rest
        }
    }

    private enum WriteStep { case wrote(Int), wouldBlock, closed }

    /// One non-blocking write(2) to a listener's stdin.
    private static func writeSome(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> WriteStep {
        let result: Result<Int, SystemError> = bytes.withUnsafeBytes { raw in
            do throws(SystemError) { return .success(try Sys.write(fd, raw)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let n): return n > 0 ? .wrote(n) : .wouldBlock
        case .failure(let e): return e.errno == Errno.EAGAIN || e.errno == Errno.EWOULDBLOCK ? .wouldBlock : .closed
        }
    }

    /// Before the listener's stdin is closed (exit) or replaced (respawn).
    private func dropPendingWrite(_ p: ManagedProcess) {
        let fd = p.stdinFD
        guard fd >= 0, pendingWrites.removeValue(forKey: fd) != nil else { return }
        loop.unwatchWritable(fd)
    }

    // MARK: - Ticks

    /// A timer exists only while some pool subscribes to a TICK type.
    private func refreshTicks() {
        let types = [EventType.tick5, .tick60, .tick3600].filter { bus.wants($0) }
        if ticks?.types == types { return }
        if let t = tickTimer { loop.cancel(t); tickTimer = nil }
        guard !types.isEmpty else { ticks = nil; return }
        var schedule = TickSchedule(types: types)
        schedule.start(now: loop.wallNow())
        ticks = schedule
        armTick()
    }

    private func armTick() {
        let wall = loop.wallNow()
        guard let next = ticks?.nextDeadline(after: wall) else { return }
        // The boundary is wall-clock time; the loop's timers are monotonic.
        tickTimer = loop.schedule(at: loop.now() + max(0, next - wall)) { [weak self] in
            guard let self else { return }
            self.tickTimer = nil
            let now = self.loop.wallNow()
            let due = self.ticks?.due(now: now) ?? []
            for e in due { self.publish(e) }
            self.armTick()
        }
    }
}
