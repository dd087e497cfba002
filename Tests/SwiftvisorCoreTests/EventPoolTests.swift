import XCTest
@testable import SwiftvisorCore

/// Pools: serials, the buffer, dispatch to READY listeners, re-queueing
/// (process.py `EventListenerPool` at 4.3.0, without its two bugs).
final class EventPoolTests: XCTestCase {
    func ev(_ n: Int) -> SupervisorEvent { .remoteCommunication(type: "t", data: "\(n)") }

    /// A pool whose listeners are RUNNING and READY; `writes` records what each got.
    func readyPool(_ listeners: [String] = ["l0"], bufferSize: Int = 10, events: [String] = ["EVENT"]) -> EventPool {
        var pool = EventPool(name: "pool", events: events, bufferSize: bufferSize, handler: .standard, listenerNames: listeners)
        for l in listeners {
            pool.listenerSpawned(l)
            pool.listenerRunning(l, true)
            _ = pool.received(l, Array("READY\n".utf8))
        }
        return pool
    }

    func test_overflow_dropsOldest_withSupervisordLine() {
        var pool = EventPool(name: "p", events: ["EVENT"], bufferSize: 2, handler: .standard, listenerNames: ["l"])
        XCTAssertEqual(pool.accept(ev(0), serial: 10), [])
        XCTAssertEqual(pool.accept(ev(1), serial: 11), [])
        XCTAssertEqual(pool.accept(ev(2), serial: 12), [.log(.error, "pool p event buffer overflowed, discarding event 10")])
        XCTAssertEqual(pool.queue.elements.map(\.serial), [11, 12])
        XCTAssertEqual(pool.queue.elements.map(\.poolSerial), [1, 2])
    }

    func test_dispatch_inOrder_busyListenerNeverGetsASecondEvent() {
        var pool = readyPool()
        _ = pool.accept(ev(0), serial: 0)
        _ = pool.accept(ev(1), serial: 1)
        var got: [(String, String)] = []
        let log = pool.dispatch(identifier: "supervisor") { l, b in got.append((l, String(decoding: b, as: UTF8.self))); return .written }
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got.first?.1, "ver:3.0 server:supervisor serial:0 pool:pool poolserial:0 eventname:REMOTE_COMMUNICATION len:8\ntype:t\n0")
        XCTAssertEqual(log, [.log(.debug, "event 0 sent to listener l0")])
        XCTAssertEqual(pool.dispatch(identifier: "supervisor") { _, _ in XCTFail("busy listener written to"); return .written }, [])
        XCTAssertEqual(pool.queue.count, 1)
        _ = pool.received("l0", Array("RESULT 2\nOKREADY\n".utf8))
        _ = pool.dispatch(identifier: "supervisor") { l, b in got.append((l, String(decoding: b, as: UTF8.self))); return .written }
        XCTAssertEqual(got.map { $0.1.split(separator: " ")[2] }, ["serial:0", "serial:1"])
    }

    /// Above loglevel debug the daemon turns DEBG lines off: every other
    /// action (WARN, ERRO, the verdicts) is the same, without them.
    func test_debugLinesOff_dropsOnlyTheDebugActions() {
        func run(debug: Bool) -> [EventPool.Action] {
            var pool = EventPool(name: "pool", events: ["EVENT"], bufferSize: 1, handler: .standard, listenerNames: ["l0"])
            pool.debugLines = debug
            var out: [EventPool.Action] = []
            pool.listenerSpawned("l0")
            pool.listenerRunning("l0", true)
            out += pool.received("l0", Array("READY\n".utf8))
            out += pool.accept(ev(0), serial: 0)
            out += pool.dispatch(identifier: "s") { _, _ in .written }
            out += pool.received("l0", Array("RESULT 4\nFAILREADY\n".utf8))
            out += pool.accept(ev(1), serial: 1)
            out += pool.dispatch(identifier: "s") { _, _ in .written }
            out += pool.received("l0", Array("RESULT 2\nOKREADY\nx".utf8))
            return out
        }
        let all = run(debug: true), quiet = run(debug: false)
        XCTAssertTrue(all.contains(.log(.debug, "l0: event was processed")))
        XCTAssertEqual(quiet, all.filter { if case .log(.debug, _) = $0 { return false } else { return true } })
        XCTAssertTrue(quiet.contains(.log(.error, "pool pool event buffer overflowed, discarding event 0")))
        XCTAssertTrue(quiet.contains(.log(.warn, "l0: event was rejected")))
    }

    func test_notRunningListener_getsNothing_evenWhenReady() {
        var pool = readyPool()
        pool.listenerRunning("l0", false)
        _ = pool.accept(ev(0), serial: 0)
        XCTAssertFalse(pool.canDispatch)
        _ = pool.dispatch(identifier: "s") { _, _ in XCTFail("written"); return .written }
        XCTAssertEqual(pool.queue.count, 1)
    }

    func test_fail_requeuesAtHead_beforeNewerEvents() {
        var pool = readyPool()
        _ = pool.accept(ev(0), serial: 0)
        _ = pool.dispatch(identifier: "s") { _, _ in .written }
        _ = pool.accept(ev(1), serial: 1)
        let out = pool.received("l0", Array("RESULT 4\nFAIL".utf8))
        XCTAssertEqual(out.first, .log(.warn, "l0: event was rejected"))
        XCTAssertTrue(out.contains(.log(.debug, "rebuffering event 0 for pool pool (buf size=1, max=10)")))
        XCTAssertEqual(pool.queue.elements.map(\.serial), [0, 1])
        XCTAssertEqual(pool.queue.elements.map(\.poolSerial), [0, 1], "a re-queued event keeps its poolserial")
    }

    func test_requeueIntoFullBuffer_dropsOldestQueued_andReturnedGoesFirst() {
        var pool = readyPool(bufferSize: 2)
        _ = pool.accept(ev(0), serial: 0)
        _ = pool.dispatch(identifier: "s") { _, _ in .written }
        _ = pool.accept(ev(1), serial: 1)
        _ = pool.accept(ev(2), serial: 2)
        let out = pool.received("l0", Array("garbage\n".utf8))
        XCTAssertTrue(out.contains(.log(.warn, "l0: bad result line: 'garbage'")))
        XCTAssertTrue(out.contains(.log(.error, "pool pool event buffer overflowed, discarding event 1")))
        XCTAssertEqual(pool.queue.elements.map(\.serial), [0, 2])
        XCTAssertEqual(pool.listeners[0].proto.state, .unknown)
    }

    func test_listenerExitWhileBusy_requeuesItsEvent_andRestartStartsAcknowledged() {
        var pool = readyPool()
        _ = pool.accept(ev(0), serial: 0)
        _ = pool.dispatch(identifier: "s") { _, _ in .written }
        XCTAssertEqual(pool.listenerExited("l0"), [.log(.debug, "rebuffering event 0 for pool pool (buf size=0, max=10)")])
        XCTAssertEqual(pool.queue.elements.map(\.serial), [0])
        pool.listenerSpawned("l0")
        XCTAssertEqual(pool.listeners[0].proto.state, .acknowledged)
        XCTAssertNil(pool.listeners[0].held)
    }

    func test_epipe_triesNextListener() {
        var pool = readyPool(["a", "b"])
        _ = pool.accept(ev(0), serial: 5)
        var tried: [String] = []
        let out = pool.dispatch(identifier: "s") { l, _ in tried.append(l); return l == "a" ? .closed : .written }
        XCTAssertEqual(tried, ["a", "b"])
        XCTAssertEqual(out, [.log(.debug, "epipe occurred while sending event 5 to listener a, listener state unchanged"),
                             .log(.debug, "event 5 sent to listener b")])
        XCTAssertEqual(pool.listeners.map { $0.proto.state }, [.ready, .busy])
    }

    func test_bus_serialsOnlyForAcceptedEvents_andEachPoolItsOwnPoolserial() {
        var bus = EventBus()
        bus.addPool(EventPool(name: "a", events: ["PROCESS_STATE", "PROCESS_STATE_RUNNING"], bufferSize: 10, handler: .standard, listenerNames: ["a"]))
        bus.addPool(EventPool(name: "b", events: ["TICK_60", "PROCESS_STATE_RUNNING"], bufferSize: 10, handler: .standard, listenerNames: ["b"]))
        XCTAssertFalse(bus.wants(.tick5))
        XCTAssertEqual(bus.publish(.tick(.tick5, when: 0)).pools, [], "nobody subscribed: no serial used")
        let running = SupervisorEvent.processState(StateTransition(from: .starting, to: .running, tries: 0, expected: true, pid: 3), processName: "x", groupName: "x")
        XCTAssertEqual(bus.publish(.tick(.tick60, when: 60)).pools, [1])
        XCTAssertEqual(bus.publish(running).pools, [0, 1])
        XCTAssertEqual(bus.pools[0].queue.elements.map(\.serial), [1], "overlapping subscriptions queue an event once")
        XCTAssertEqual(bus.pools[1].queue.elements.map(\.serial), [0, 1])
        XCTAssertEqual(bus.pools[1].queue.elements.map(\.poolSerial), [0, 1])
        XCTAssertEqual(bus.pools[0].queue.elements.map(\.poolSerial), [0])
        XCTAssertEqual(EventBus.next(Int.max), 0)
    }

    func test_rejectionStaysInItsPool() {
        // supervisord re-queues a rejected event into every pool that has a
        // process of the same priority; here only the listener's own pool gets it.
        var bus = EventBus()
        bus.addPool(readyPool(["f"], events: ["PROCESS_STATE_RUNNING"]))
        bus.addPool(EventPool(name: "tickonly", events: ["TICK_3600"], bufferSize: 10, handler: .standard, listenerNames: ["t"]))
        let running = SupervisorEvent.processState(StateTransition(from: .starting, to: .running, tries: 0, expected: true, pid: 3), processName: "x", groupName: "x")
        _ = bus.publish(running)
        _ = bus.withPool("pool") { $0.dispatch(identifier: "s") { _, _ in .written } }
        _ = bus.withPool("pool") { $0.received("f", Array("RESULT 4\nFAIL".utf8)) }
        XCTAssertEqual(bus.pools[0].queue.count, 1)
        XCTAssertEqual(bus.pools[1].queue.count, 0)
    }

    func test_queue_ringGrowsAndKeepsOrder() {
        var q = EventQueue()
        for i in 0..<20 { q.append(QueuedEvent(serial: i, poolSerial: i, event: ev(i))) }
        for _ in 0..<15 { _ = q.popFirst() }
        for i in 20..<30 { q.append(QueuedEvent(serial: i, poolSerial: i, event: ev(i))) }
        q.prepend(QueuedEvent(serial: 99, poolSerial: 99, event: ev(99)))
        XCTAssertEqual(q.elements.map(\.serial), [99] + Array(15..<30))
    }

    func test_numprocs_aBusyListenerIsSkipped_theNextReadyOneGetsTheEvent() {
        var pool = readyPool(["l0", "l1"])
        _ = pool.accept(ev(0), serial: 0)
        _ = pool.accept(ev(1), serial: 1)
        _ = pool.accept(ev(2), serial: 2)
        var to: [String] = []
        _ = pool.dispatch(identifier: "s") { l, _ in to.append(l); return .written }
        XCTAssertEqual(to, ["l0", "l1"], "one event each; the third waits")
        XCTAssertEqual(pool.queue.elements.map(\.serial), [2])
        _ = pool.received("l1", Array("RESULT 2\nOKREADY\n".utf8))
        _ = pool.dispatch(identifier: "s") { l, _ in to.append(l); return .written }
        XCTAssertEqual(to, ["l0", "l1", "l1"])
    }
}
