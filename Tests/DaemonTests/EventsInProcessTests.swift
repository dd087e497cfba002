// Which events the daemon raises, and in what order, in-process: the real
// Daemon and Supervisor over the fake seams. The fake children have no stdin,
// so nothing is delivered and every event stays in its pool's queue to be read.
import XCTest
@testable import SwiftvisorCore
@testable import SwiftvisorDaemon
import SwiftvisorOS

final class EventsInProcessTests: XCTestCase {
    func listenerGroup(_ events: [String], autostart: Bool = false) -> GroupConfig {
        var g = GroupConfig(name: "rec", priority: -1, kind: .eventListener, processes: [program("rec", priority: -1, autostart: autostart)])
        var l = EventListenerConfig(events: events)
        l.bufferSize = 100
        g.eventListener = l
        return g
    }

    func queued(_ h: Harness) -> [String] {
        h.daemon.events.bus.pools.first?.queue.elements.map { "\($0.serial) \($0.event.type.name) \($0.event.payload)" } ?? []
    }

    func test_startUp_groupsAdded_thenRunning_thenStarts_thenShutdownStopping() throws {
        let h = try Harness([listenerGroup(["EVENT"]), programGroup(program("a"))])
        h.daemon.sendRemoteCommunication(type: "mytype", data: "my data é")
        h.daemon.handleSignal(SignalNumber.SIGTERM)
        XCTAssertEqual(queued(h), [
            "0 PROCESS_GROUP_ADDED groupname:rec\n",
            "1 PROCESS_GROUP_ADDED groupname:a\n",
            "2 SUPERVISOR_STATE_CHANGE_RUNNING ",
            "3 PROCESS_STATE_STARTING processname:a groupname:a from_state:STOPPED tries:0",
            "4 PROCESS_STATE_RUNNING processname:a groupname:a from_state:STARTING pid:40001",
            "5 REMOTE_COMMUNICATION type:mytype\nmy data é",
            "6 SUPERVISOR_STATE_CHANGE_STOPPING ",
            "7 PROCESS_STATE_STOPPING processname:a groupname:a from_state:RUNNING pid:40001",
        ])
        h.childExits("a")
        XCTAssertEqual(queued(h).last, "8 PROCESS_STATE_STOPPED processname:a groupname:a from_state:STOPPING pid:40001", "the old pid")
    }

    func test_onlySubscribedTypes_areBuilt_andSerialsCountOnlyThose() throws {
        let h = try Harness([listenerGroup(["PROCESS_STATE_RUNNING"]), programGroup(program("a"))])
        h.daemon.sendRemoteCommunication(type: "t", data: "d")
        XCTAssertEqual(queued(h), ["0 PROCESS_STATE_RUNNING processname:a groupname:a from_state:STARTING pid:40001"])
    }

    func test_noListener_noPools_noSubscriptions() throws {
        let h = try Harness([programGroup(program("a"))])
        XCTAssertTrue(h.daemon.events.bus.isEmpty)
        XCTAssertTrue(h.daemon.events.bus.subscribed.isEmpty)
        XCTAssertEqual(h.loop.pendingTimerCount, 0, "no tick timer")
    }

    func test_tickSubscription_armsOneTimer_removingThePoolCancelsIt() throws {
        let h = try Harness([listenerGroup(["TICK_60"]), programGroup(program("a"))])
        XCTAssertEqual(h.loop.pendingTimerCount, 1)
        h.daemon.events.removePool("rec")
        XCTAssertEqual(h.loop.pendingTimerCount, 0)
    }

    func test_removedGroup_raisesRemoved() throws {
        let h = try Harness([listenerGroup(["PROCESS_GROUP"]), programGroup(program("a"))])
        h.request(.stop(names: ["a"]))
        h.childExits("a")
        h.daemon.removeGroup("a")
        XCTAssertEqual(queued(h), ["0 PROCESS_GROUP_ADDED groupname:rec\n", "1 PROCESS_GROUP_ADDED groupname:a\n",
                                   "2 PROCESS_GROUP_REMOVED groupname:a\n"])
    }

    func test_reload_keepsTheGlobalSerial_poolserialStartsOver() throws {
        let h = try Harness([listenerGroup(["SUPERVISOR_STATE_CHANGE_RUNNING"]), programGroup(program("a"))])
        h.nextConfig = .success(h.daemon.config)
        h.daemon.handleSignal(SignalNumber.SIGHUP)
        h.childExits("a")
        h.loop.endRound()
        XCTAssertEqual(h.daemon.lifecycle.state, .running)
        let q = h.daemon.events.bus.pools.first?.queue.elements ?? []
        XCTAssertEqual(q.map(\.serial), [1], "serial 0 went to the pool before the reload")
        XCTAssertEqual(q.map(\.poolSerial), [0])
    }
}
