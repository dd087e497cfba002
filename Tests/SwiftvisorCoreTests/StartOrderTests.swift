import XCTest
@testable import SwiftvisorCore

final class StartOrderTests: XCTestCase {
    private func proc(_ name: String, group: String, priority: Int = 999) -> ProcessConfig {
        var p = ProcessConfig(name: name, programName: name, groupName: group, command: "/bin/true")
        p.priority = priority
        return p
    }

    private func group(_ name: String, priority: Int = 999, _ processes: [(String, Int)] = []) -> GroupConfig {
        let procs = processes.isEmpty ? [proc(name, group: name, priority: priority)]
                                      : processes.map { proc($0.0, group: name, priority: $0.1) }
        return GroupConfig(name: name, priority: priority, kind: processes.isEmpty ? .program : .heterogeneous, processes: procs)
    }

    /// Groups read in a deliberately unsorted order.
    private var groups: [GroupConfig] {
        [group("b"), group("a"), group("z", priority: 10), group("B"), group("m", priority: 500)]
    }

    func test_groupsAscending_byPriorityThenCodePointName() {
        // "B" < "a" < "b": Python compares code points.
        XCTAssertEqual(StartOrder.groupsAscending(groups).map(\.name), ["z", "m", "B", "a", "b"])
    }

    func test_autostart_keepsConfiguredProcessOrderInsideAGroup() {
        // [group:web] programs=slow,fast with program priorities 50 and 5:
        // transition() walks the group's dict in config order, not by priority.
        let web = group("web", priority: 100, [("slow", 50), ("fast", 5)])
        let order = StartOrder.autostart([group("late", priority: 900), web, group("early", priority: 1)])
        XCTAssertEqual(order.map(\.namespec), ["early", "web:slow", "web:fast", "late"])
    }

    func test_startAll_sortsProcessesByPriorityInsideEachGroup() {
        let web = group("web", priority: 100, [("slow", 50), ("fast", 5), ("mid", 20)])
        let order = StartOrder.startAll([group("late", priority: 900), web, group("early", priority: 1)])
        XCTAssertEqual(order.map(\.namespec), ["early", "web:fast", "web:mid", "web:slow", "late"])
    }

    func test_processesAscending_keepsConfiguredOrderForEqualPriorities() {
        let names = (0..<40).map { "p\(39 - $0)" }
        let g = GroupConfig(name: "g", priority: 1, kind: .heterogeneous,
                            processes: names.map { proc($0, group: "g", priority: 7) } + [proc("first", group: "g", priority: 1)])
        XCTAssertEqual(StartOrder.processesAscending(in: g).map(\.name), ["first"] + names)
    }

    func test_shutdownGroups_descendingPriorityAndReverseNamesOnTies() {
        XCTAssertEqual(StartOrder.shutdownGroups(groups).map(\.name), ["b", "a", "B", "m", "z"])
    }

    func test_shutdownProcesses_descendingPriorityAndReverseConfiguredOrderOnTies() {
        let g = group("g", priority: 1, [("x", 1), ("y", 5), ("w", 5), ("v", 3)])
        XCTAssertEqual(StartOrder.shutdownProcesses(in: g).map(\.name), ["w", "y", "v", "x"])
    }

    func test_emptyInputs_giveEmptyOrders() {
        XCTAssertEqual(StartOrder.autostart([]), [])
        XCTAssertEqual(StartOrder.shutdownGroups([]), [])
    }

    func test_pythonLess_comparesCodePointsNotCanonicalEquivalence() {
        // Python: 'e\u0301' < '\u00e9' is True, and 'é' > 'f'; Swift's String `<`
        // treats the two spellings of é as equal.
        XCTAssertTrue(StartOrder.pythonLess("e\u{301}", "\u{e9}"))
        XCTAssertFalse(StartOrder.pythonLess("\u{e9}", "e\u{301}"))
        XCTAssertTrue(StartOrder.pythonLess("f", "\u{e9}"))
        XCTAssertTrue(StartOrder.pythonLess("B", "a"))
        XCTAssertTrue(StartOrder.pythonLess("ab", "abc"))
        XCTAssertFalse(StartOrder.pythonLess("a", "a"))
    }

    func test_avail_sortsByProcessNameAloneAcrossGroups_tiesInGroupOrder() {
        // supervisord 4.3.0 `avail`: chg, grp:ga, grp:gb, gone, oldgrp:gone2 — not by "group:name".
        let groups = [group("gone"), group("oldgrp", [("gone2", 999)]), group("chg"),
                      group("grp", [("ga", 999), ("gb", 999)]), group("z", priority: 5, [("ga", 999)])]
        let order = StartOrder.avail(groups).map { "\($0.group.name):\($0.process.name)" }
        XCTAssertEqual(order, ["chg:chg", "z:ga", "grp:ga", "grp:gb", "gone:gone", "oldgrp:gone2"])
    }
}
