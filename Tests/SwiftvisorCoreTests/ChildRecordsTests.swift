// The crash-recovery state file format and the choice of which live
// processes a new daemon may stop (identity = pid + start time).
import XCTest
@testable import SwiftvisorCore

private let marker = "0123456789abcdef0123456789abcdef"

final class ChildRecordsTests: XCTestCase {
    private let records = ChildRecords(daemonPid: 100, daemonStartTime: 5000, marker: marker, children: [
        ChildRecord(pid: 200, startTime: 6000, stopwaitsecs: 10, marker: marker, namespec: "web"),
        ChildRecord(pid: 300, startTime: 7000, stopwaitsecs: 1, marker: marker, namespec: "workers:w 1"),
    ])

    func test_encodeThenDecode_givesTheSameRecords() {
        XCTAssertEqual(ChildRecords.decode(records.encoded()), records)
    }

    func test_decode_rejectsAFileWithoutTheMagicLine() {
        XCTAssertNil(ChildRecords.decode("daemon 1 2\n200 6000 10 web\n"))
        XCTAssertNil(ChildRecords.decode(""))
    }

    func test_decode_skipsMalformedChildLines_keepingTheGoodOnes() {
        let text = "swiftvisord-children 2\ndaemon 100 5000 \(marker)\nnot a line\n1 5 5 \(marker) init-must-never-be-listed\n"
            + "300 1 1 not-a-marker x\n200 6000 10 \(marker) web\n"
        XCTAssertEqual(ChildRecords.decode(text)?.children.map(\.pid), [200])
    }

    func test_select_whenTheLeaderLivesWithTheSameStartTime_selectsItAndItsGroup() {
        let live = [ObservedProcess(pid: 200, processGroup: 200, startTime: 6000),
                    ObservedProcess(pid: 201, processGroup: 200, startTime: 6001),
                    ObservedProcess(pid: 999, processGroup: 999, startTime: 1)]
        let found = LeftoverSelection.select(records, live: live, ownPid: 50, carriesMarker: { _, _ in true })
        XCTAssertEqual(found.map(\.record.namespec), ["web"])
        XCTAssertEqual(found.first?.pids, [200, 201])
        XCTAssertEqual(found.first?.leaderAlive, true)
    }

    func test_decode_rejectsTheUnmarkedVersion1Format_andBoundsStopwaitsecs() {
        XCTAssertNil(ChildRecords.decode("swiftvisord-children 1\ndaemon 100 5000\n200 6000 10 web\n"))
        let text = "swiftvisord-children 2\ndaemon 100 5000 \(marker)\n200 6000 99999999999 \(marker) web\n"
        XCTAssertEqual(ChildRecords.decode(text)?.children.first?.stopwaitsecs, ChildRecords.maximumStopwait)
    }

    func test_select_whenTheLeaderLacksTheMarker_leavesItAndItsGroupAlone() {
        // Same pid and start time, but not one of ours: a forged or stale record.
        let live = [ObservedProcess(pid: 200, processGroup: 200, startTime: 6000),
                    ObservedProcess(pid: 201, processGroup: 200, startTime: 6001)]
        var asked: [Int32] = []
        let found = LeftoverSelection.select(records, live: live, ownPid: 50) { pid, entry in
            asked.append(pid)
            XCTAssertEqual(entry, "SWIFTVISOR_INSTANCE=\(marker)")
            return false
        }
        XCTAssertTrue(found.isEmpty)
        XCTAssertEqual(asked, [200])
    }

    func test_select_whenTheLeaderExited_selectsOnlyGroupMembersThatCarryTheMarker() {
        let live = [ObservedProcess(pid: 301, processGroup: 300, startTime: 7005),
                    ObservedProcess(pid: 302, processGroup: 300, startTime: 7006)]
        let found = LeftoverSelection.select(records, live: live, ownPid: 50) { pid, _ in pid == 302 }
        XCTAssertEqual(found.first?.pids, [302])
    }

    func test_newMarker_is32LowercaseHexDigits() {
        let m = ChildRecords.newMarker((1, UInt64.max))
        XCTAssertEqual(m, "0000000000000001ffffffffffffffff")
        XCTAssertTrue(ChildRecords.isMarker(Substring(m)))
        XCTAssertFalse(ChildRecords.isMarker("0000000000000001FFFFFFFFFFFFFFFF"))
    }

    func test_select_whenThePidWasReusedByAStranger_leavesItAlone() {
        let live = [ObservedProcess(pid: 200, processGroup: 200, startTime: 9999),
                    ObservedProcess(pid: 201, processGroup: 200, startTime: 10000)]
        XCTAssertTrue(LeftoverSelection.select(records, live: live, ownPid: 50, carriesMarker: { _, _ in true }).isEmpty)
    }

    func test_select_whenTheLeaderExitedButGrandchildrenRemainInItsGroup_selectsThem() {
        let live = [ObservedProcess(pid: 301, processGroup: 300, startTime: 7005)]
        let found = LeftoverSelection.select(records, live: live, ownPid: 50, carriesMarker: { _, _ in true })
        XCTAssertEqual(found.first?.record.namespec, "workers:w 1")
        XCTAssertEqual(found.first?.pids, [301])
        XCTAssertEqual(found.first?.leaderAlive, false)
    }

    func test_select_neverSelectsTheNewDaemonItself_norProcessesOlderThanTheChild() {
        let live = [ObservedProcess(pid: 50, processGroup: 200, startTime: 8000),
                    ObservedProcess(pid: 250, processGroup: 200, startTime: 10)]
        XCTAssertTrue(LeftoverSelection.select(records, live: live, ownPid: 50, carriesMarker: { _, _ in true }).isEmpty)
    }
}

final class ChildRecordsToleranceTests: XCTestCase {
    func test_select_acceptsAKernelStartTimeUpTo1sBeforeTheStamp_butNeverAfterIt() {
        let records = ChildRecords(daemonPid: 1, daemonStartTime: 1, marker: marker, children: [
            ChildRecord(pid: 200, startTime: 6001, stopwaitsecs: 1, marker: marker, namespec: "web")])
        func found(_ start: UInt64) -> Bool {
            !LeftoverSelection.select(records, live: [ObservedProcess(pid: 200, processGroup: 200, startTime: start)], ownPid: 9, carriesMarker: { _, _ in true }).isEmpty
        }
        XCTAssertTrue(found(6001))
        XCTAssertTrue(found(6000))
        XCTAssertTrue(found(5901))
        XCTAssertFalse(found(5900), "more than 1 s before the stamp")
        XCTAssertFalse(found(6002), "started after the stamp: the pid was reused")
    }
}
