import XCTest
@testable import SwiftvisorCore

final class StatusFormatterTests: XCTestCase {
    func snap(_ g: String, _ n: String, _ state: String, _ desc: String) -> ProcessSnapshot {
        ProcessSnapshot(name: n, group: g, state: 0, statename: state, description: desc)
    }

    func test_statusLines_matchSupervisorctlColumns() {
        let lines = StatusFormatter.statusLines([
            snap("grp", "gb", "STOPPED", "Not started"),
            snap("quick", "quick", "FATAL", "Exited too quickly (process log may have details)"),
            snap("sleeper", "sleeper", "STARTING", ""),
        ])
        XCTAssertEqual(lines, [
            "grp:gb                           STOPPED   Not started",
            "quick                            FATAL     Exited too quickly (process log may have details)",
            "sleeper                          STARTING  ",
        ])
    }

    func test_statusLines_widenToLongestNamespecPlusThree() {
        let long = String(repeating: "x", count: 40)
        let lines = StatusFormatter.statusLines([snap(long, long, "RUNNING", "d"), snap("a", "a", "STOPPED", "e")])
        XCTAssertEqual(lines[0], long + "   RUNNING   d")
        XCTAssertEqual(lines[1], "a" + String(repeating: " ", count: 42) + "STOPPED   e")
    }

    func test_availLine_matchesSupervisorctl() {
        XCTAssertEqual(StatusFormatter.availLine(ConfigInfo(group: "grp", name: "ga", inuse: true, autostart: true, groupPriority: 999, processPriority: 999)),
                       "grp:ga                           in use    auto      999:999")
        XCTAssertEqual(StatusFormatter.availLine(ConfigInfo(group: "x", name: "x", inuse: false, autostart: false, groupPriority: 1, processPriority: 2)),
                       "x                                avail     manual    1:2")
    }

    func test_rereadLines_sortedByName_orNoUpdates() {
        XCTAssertEqual(StatusFormatter.rereadLines([]), ["No config updates to processes"])
        XCTAssertEqual(StatusFormatter.rereadLines([ConfigChange(.removed, group: "redir"), ConfigChange(.added, group: "newp"),
                                                    ConfigChange(.changed, group: "idle")]),
                       ["idle: changed", "newp: available", "redir: disappeared"])
    }

    func test_uptime_isPythonTimedelta() {
        XCTAssertEqual(StatusDescription.uptime(5), "0:00:05")
        XCTAssertEqual(StatusDescription.uptime(3600 * 25 + 61), "1 day, 1:01:01")
        XCTAssertEqual(StatusDescription.uptime(86_400 * 3), "3 days, 0:00:00")
        XCTAssertEqual(StatusDescription.uptime(-10), "0:00:00")
    }

    func test_describe_perState() {
        let t = LocalDateTime(year: 2025, month: 11, day: 22, hour: 11, minute: 50)
        func d(_ state: Int, start: Int = 100, spawnerr: String = "") -> String {
            StatusDescription.describe(state: state, name: "web", pid: 42, start: start, stop: 200, now: 105, spawnerr: spawnerr, stopLocal: t)
        }
        XCTAssertEqual(d(20), "pid 42, uptime 0:00:05")
        XCTAssertEqual(d(0), "Nov 22 11:50 AM")
        XCTAssertEqual(d(100), "Nov 22 11:50 AM")
        XCTAssertEqual(d(0, start: 0), "Not started")
        XCTAssertEqual(d(200, spawnerr: "can't find command 'x'"), "can't find command 'x'")
        XCTAssertEqual(d(30), "unknown error (try \"tail web\")")
        XCTAssertEqual(d(10), "")
        XCTAssertEqual(d(40), "")
    }

    func test_stopTime_twelveHourClock() {
        XCTAssertEqual(StatusDescription.stopTime(LocalDateTime(year: 2025, month: 1, day: 5, hour: 0, minute: 7)), "Jan 05 12:07 AM")
        XCTAssertEqual(StatusDescription.stopTime(LocalDateTime(year: 2025, month: 12, day: 31, hour: 12, minute: 0)), "Dec 31 12:00 PM")
        XCTAssertEqual(StatusDescription.stopTime(LocalDateTime(year: 2025, month: 7, day: 14, hour: 23, minute: 59)), "Jul 14 11:59 PM")
    }

    func test_helpOverview_matchesPythonCmdColumnize() {
        XCTAssertEqual(CtlHelp.overview(), [
            "", "default commands (type help <topic>):", "=====================================",
            "add    exit      open  reload  restart   start   tail   ",
            "avail  fg        pid   remove  shutdown  status  update ",
            "clear  maintail  quit  reread  signal    stop    version", "",
        ])
    }
}
