// The daemon's one loop: epoll for fds, a signalfd for signals, a min-heap of
// monotonic timers. It sleeps until the nearest timer or an event, so an idle
// daemon has no wakeups at all (supervisord polls every second: supervisord.py
// `Supervisor.runforever` at 4.3.0, `timeout = 1`).
import Glibc
import CSwiftvisor

/// A single-threaded epoll loop.
///
/// - Warning: not thread-safe. Create it, register handlers and call `run()` on
///   one thread; handlers run on that thread. It is `@unchecked Sendable` only so
///   it can be stored where Swift 6 demands Sendable (a global, a static); every
///   call must still come from the loop's thread.
public final class EventLoop: @unchecked Sendable {
    /// Identifies a scheduled timer, for `cancel`.
    public typealias TimerID = UInt64

    private struct Watch {
        var read: (() -> Void)?
        var write: (() -> Void)?
        var mask: UInt32 {
            (read != nil ? EPOLLIN.rawValue : 0) | (write != nil ? EPOLLOUT.rawValue : 0)
        }
    }

    private struct TimerEntry {
        var deadline: Double
        var id: TimerID
    }

    private let epfd: Int32
    private var watches: [Int32: Watch] = [:]
    private var heap: [TimerEntry] = []
    // Cancelled timers are dropped from here; their heap entries are skipped lazily.
    private var timerHandlers: [TimerID: () -> Void] = [:]
    private var nextTimerID: TimerID = 1
    private var deferred: [() -> Void] = []
    private var stopped = false
    private var signalFD: Int32 = -1
    private var signalMask = sigset_t()
    private var signalHandlers: [Int32: (Int32) -> Void] = [:]

    /// Create the epoll instance (EPOLL_CLOEXEC).
    public init() throws(SystemError) {
        epfd = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        sigemptyset(&signalMask)
    }

    deinit {
        Sys.close(epfd)
        if signalFD >= 0 { Sys.close(signalFD) }
    }

    /// CLOCK_MONOTONIC in seconds: for deadlines (immune to clock changes).
    public static func now() -> Double { Sys.clock(CLOCK_MONOTONIC) }

    /// CLOCK_REALTIME in seconds: for display and logs only.
    public static func wallNow() -> Double { Sys.clock(CLOCK_REALTIME) }

    // MARK: - Descriptors

    /// Call `handler` whenever `fd` is readable, at EOF, or in error (level-triggered).
    /// Replaces a previous read handler for `fd`.
    public func watchReadable(_ fd: Int32, _ handler: @escaping () -> Void) {
        var w = watches[fd] ?? Watch()
        w.read = handler
        update(fd, w)
    }

    /// Call `handler` whenever `fd` is writable (level-triggered): unwatch it
    /// when there is nothing left to write, or the loop spins.
    public func watchWritable(_ fd: Int32, _ handler: @escaping () -> Void) {
        var w = watches[fd] ?? Watch()
        w.write = handler
        update(fd, w)
    }

    /// Stop watching `fd` for writability (its read handler, if any, stays).
    public func unwatchWritable(_ fd: Int32) {
        guard var w = watches[fd] else { return }
        w.write = nil
        update(fd, w)
    }

    /// Forget `fd` entirely. Call before closing it: epoll tracks the open file
    /// description, not the number, so a dup'ed fd would keep firing.
    public func unwatch(_ fd: Int32) {
        guard watches.removeValue(forKey: fd) != nil else { return }
        Sys.epollDelete(epfd, fd)
    }

    private func update(_ fd: Int32, _ w: Watch) {
        let existed = watches[fd] != nil
        let mask = w.mask
        if mask == 0 {
            watches.removeValue(forKey: fd)
            if existed { Sys.epollDelete(epfd, fd) }
            return
        }
        watches[fd] = w
        var ev = epoll_event()
        ev.events = mask
        ev.data.fd = fd
        let op = existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD
        // Registration failing means a closed fd or a regular file (EPERM):
        // both are caller bugs, so trap with the reason rather than hang.
        do {
            _ = try syscall("epoll_ctl(\(fd))") { epoll_ctl(epfd, op, fd, &ev) }
        } catch {
            preconditionFailure("EventLoop cannot watch fd \(fd): \(error)")
        }
    }

    // MARK: - Timers

    /// Run `handler` once, at or after the monotonic time `deadline` (see `now()`).
    /// Timers due in the same round run in deadline order, ties in scheduling order.
    @discardableResult
    public func schedule(at deadline: Double, _ handler: @escaping () -> Void) -> TimerID {
        let id = nextTimerID
        nextTimerID += 1
        timerHandlers[id] = handler
        heap.append(TimerEntry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        return id
    }

    /// Cancel a timer; a timer that already ran or was cancelled is ignored.
    public func cancel(_ id: TimerID) {
        timerHandlers.removeValue(forKey: id)
    }

    private func before(_ a: TimerEntry, _ b: TimerEntry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }

    private func siftUp(_ index: Int) {
        var i = index
        while i > 0 {
            let parent = (i - 1) / 2
            guard before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func popTimer() -> TimerEntry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && before(heap[l], heap[m]) { m = l }
                if r < heap.count && before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }

    /// The earliest live deadline, dropping cancelled entries from the top.
    private func nearestDeadline() -> Double? {
        while let top = heap.first {
            if timerHandlers[top.id] != nil { return top.deadline }
            _ = popTimer()
        }
        return nil
    }

    // MARK: - Signals

    /// Deliver `signals` to `handler` on the loop thread. They are blocked with
    /// sigprocmask (so call this before starting threads: the mask is inherited)
    /// and read from a signalfd. Several deliveries of one signal between two
    /// reads coalesce into one call, as with any standard signal.
    public func onSignals(_ signals: [Int32], _ handler: @escaping (Int32) -> Void) throws(SystemError) {
        for s in signals {
            sigaddset(&signalMask, s)
            signalHandlers[s] = handler
        }
        _ = try syscall("sigprocmask") { sigprocmask(SIG_BLOCK, &signalMask, nil) }
        let fd = try syscall("signalfd") { signalfd(signalFD, &signalMask, Int32(SFD_CLOEXEC | SFD_NONBLOCK)) }
        if signalFD < 0 {
            signalFD = fd
            watchReadable(fd) { [unowned self] in self.drainSignals() }
        }
    }

    private func drainSignals() {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while true {
            let n: Int
            do {
                n = try withUnsafeMutableBytes(of: &info) { (buf) throws(SystemError) in try Sys.read(signalFD, into: buf) }
            } catch {
                return  // EAGAIN: drained
            }
            guard n == size else { return }
            let sig = Int32(bitPattern: info.ssi_signo)
            signalHandlers[sig]?(sig)
        }
    }

    // MARK: - Running

    /// Run `body` after the current dispatch round (after this round's fd
    /// handlers and timers), before sleeping again.
    public func deferToNextRound(_ body: @escaping () -> Void) {
        deferred.append(body)
    }

    /// Same as `deferToNextRound`.
    public func `defer`(_ body: @escaping () -> Void) {
        deferToNextRound(body)
    }

    /// Ask `run()` to return after the current round.
    public func stop() {
        stopped = true
    }

    /// Dispatch events until `stop()`. Each round: wait (until the nearest timer,
    /// forever when there is none, not at all when work is deferred), run fd
    /// handlers, then due timers, then deferred bodies.
    public func run() throws(SystemError) {
        stopped = false
        let capacity = 64
        var events = [epoll_event](repeating: epoll_event(), count: capacity)
        while !stopped {
            var timeout: Int32 = -1
            if !deferred.isEmpty {
                timeout = 0
            } else if let deadline = nearestDeadline() {
                // Round up: waking a millisecond early would just cost another round.
                let ms = ((deadline - EventLoop.now()) * 1000).rounded(.up)
                timeout = ms <= 0 ? 0 : Int32(min(ms, Double(Int32.max)))
            }
            let n = try syscall("epoll_wait") {
                events.withUnsafeMutableBufferPointer { epoll_wait(epfd, $0.baseAddress, Int32(capacity), timeout) }
            }
            for i in 0..<Int(n) {
                let fd = events[i].data.fd
                let bits = events[i].events
                // Look the handler up now, not before the round: an earlier handler
                // in this round may have unwatched (and closed) this fd.
                let hangup = bits & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                if bits & EPOLLIN.rawValue != 0 || hangup, let h = watches[fd]?.read { h() }
                if bits & EPOLLOUT.rawValue != 0 || hangup, let h = watches[fd]?.write { h() }
            }
            runDueTimers()
            while !deferred.isEmpty {
                let batch = deferred
                deferred.removeAll()
                for body in batch { body() }
            }
        }
    }

    private func runDueTimers() {
        let now = EventLoop.now()
        // Timers scheduled by a handler for "now" run in the next round, so a
        // handler re-arming itself at `now` cannot starve the fds.
        var due: [TimerEntry] = []
        while let top = heap.first, top.deadline <= now {
            due.append(popTimer())
        }
        for entry in due {
            if let h = timerHandlers.removeValue(forKey: entry.id) { h() }
        }
    }
}
