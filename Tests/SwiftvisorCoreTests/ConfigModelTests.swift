import XCTest
@testable import SwiftvisorCore

final class ConfigModelTests: XCTestCase {
    func test_namespec_whenGroupEqualsName_isBareName() {
        let p = ProcessConfig(name: "web", programName: "web", groupName: "web", command: "x")
        XCTAssertEqual(p.namespec, "web")
        let q = ProcessConfig(name: "w_01", programName: "w", groupName: "w", command: "x")
        XCTAssertEqual(q.namespec, "w:w_01")
    }
}
