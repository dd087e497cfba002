// Some tests change process-wide state (signal masks, a signalfd for
// SIGCHLD, subreaper status) that other tests' threads would disturb: with
// Dispatch threads alive, SIGCHLD can go to a thread that does not block it
// and never reach the signalfd. Such a test re-runs itself alone in a fresh
// copy of the test binary, the way the daemon runs: single-threaded.
import Foundation
import XCTest

extension XCTestCase {
    /// True inside the isolated copy: run the real test body. Outside, run the
    /// copy, assert it passed, and return false.
    func runningIsolated(file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        if ProcessInfo.processInfo.environment["SWIFTVISOR_ISOLATED_TEST"] == "1" { return true }
        // XCTest on Linux names a test "EventLoopTests.test_x"; select it as
        // "IntegrationTests.EventLoopTests/test_x".
        let parts = name.split(separator: ".")
        guard parts.count == 2 else { XCTFail("unexpected test name \(name)", file: file, line: line); return false }
        let selector = "IntegrationTests.\(parts[0])/\(parts[1])"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        p.arguments = [selector]
        var env = ProcessInfo.processInfo.environment
        env["SWIFTVISOR_ISOLATED_TEST"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "isolated run of \(selector) failed:\n\(output)", file: file, line: line)
        XCTAssertTrue(output.contains("Executed 1 test"), "isolated run of \(selector) ran no test:\n\(output)", file: file, line: line)
        return false
    }
}
