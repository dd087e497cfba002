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

    func test_helpOverview_matchesPythonCmdColumnize() {
        XCTAssertEqual(CtlHelp.overview(), [
            "", "default commands (type help <topic>):", "=====================================",
            "add    exit      open  reload  restart   start   tail   ",
            "avail  fg        pid   remove  shutdown  status  update ",
            "clear  maintail  quit  reread  signal    stop    version", "",
        ])
    }
}
