import XCTest
@testable import SwiftvisorCore

/// The diff behind reread/update/avail (supervisord's diff_to_active).
final class ConfigDiffTests: XCTestCase {
    private func group(_ name: String, _ priority: Int, command: String = "/bin/true", line: Int? = nil) -> GroupConfig {
        var p = ProcessConfig(name: name, programName: name, groupName: name, command: command)
        p.priority = priority
        if let line { p.location = SourceLocation(file: "s.conf", line: line) }
        return GroupConfig(name: name, priority: priority, kind: .program, processes: [p])
    }

    func test_added_andChanged_followTheNewConfigOrder_removed_theRunningOrder() {
        let running = [group("zold", 1), group("keep", 5), group("mold", 50), group("edit", 60), group("aold", 3)]
        let proposed = StartOrder.groupsAscending([group("grp", 50), group("new", 7), group("keep", 5),
                                                  group("edit", 60, command: "/bin/false"), group("b", 50)])
        XCTAssertEqual(ConfigDiff.changes(running: running, proposed: proposed), [
            ConfigChange(.added, group: "new"), ConfigChange(.added, group: "b"), ConfigChange(.added, group: "grp"),
            ConfigChange(.changed, group: "edit"),
            ConfigChange(.removed, group: "zold"), ConfigChange(.removed, group: "mold"), ConfigChange(.removed, group: "aold"),
        ])
    }

    func test_aSectionMovedInTheFile_isNotAChange() {
        XCTAssertEqual(ConfigDiff.changes(running: [group("w", 1, line: 3)], proposed: [group("w", 1, line: 30)]), [])
        XCTAssertTrue(ConfigDiff.sameRuntime(group("w", 1, line: 3), group("w", 1, line: 30)))
        XCTAssertFalse(ConfigDiff.sameRuntime(group("w", 1), group("w", 2)))
    }
}
