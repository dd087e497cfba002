import XCTest

final class HarnessTests: XCTestCase {
    func test_binaries_areBuiltNextToTheTests() {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Binaries.swiftvisord), Binaries.swiftvisord)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Binaries.swiftvisorctl), Binaries.swiftvisorctl)
        XCTAssertTrue(FileManager.default.fileExists(atPath: Binaries.packageRoot + "/Package.swift"), Binaries.packageRoot)
    }
}
