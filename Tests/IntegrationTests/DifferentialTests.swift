// The edge-case corpus in Tests/Fixtures/differential is run through
// supervisord 4.3.0's own parser and through swiftvisord --dump-config by
// Tests/Fixtures/differential-check.py. `same/` must agree case by case
// (accept/reject, and every resolved value); `differs/` holds the documented
// differences (docs/configuration.md), each of which must still be visible:
// an error, or a warning in --check. Skipped where supervisord 4.3.0 is not installed.
import Foundation
import XCTest

final class DifferentialTests: XCTestCase {
    static let python = "/opt/sup430/bin/python"
    let corpus = Paths.packageRoot + "/Tests/Fixtures/differential"

    func runChecker(_ dir: String) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw XCTSkip("supervisord 4.3.0 is not installed at \(Self.python)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python)
        p.arguments = [Paths.packageRoot + "/Tests/Fixtures/differential-check.py", Binary.swiftvisord, dir]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func test_edgeCaseCorpus_agreesWithSupervisord430() throws {
        let (status, output) = try runChecker(corpus + "/same")
        XCTAssertEqual(status, 0, output.split(separator: "\n").filter { $0.hasPrefix("DIFF") || $0.hasPrefix("  ") }.joined(separator: "\n"))
        XCTAssertGreaterThan(output.split(separator: "\n").filter { $0.hasPrefix("ok") }.count, 150)
    }

    func test_documentedDifferences_areNeverSilent() throws {
        let (_, output) = try runChecker(corpus + "/differs")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus + "/differs").filter { $0.hasSuffix(".conf") }
        XCTAssertEqual(output.split(separator: "\n").filter { $0.hasPrefix("DIFF") }.count, names.count, output)
        for name in names {
            let r = try Binary.run(["-c", corpus + "/differs/" + name, "--check"], cwd: corpus + "/differs")
            XCTAssertTrue(r.status == 2 || r.stdout.contains("warning: "), "\(name): \(r.stdout)\(r.stderr)")
        }
    }
}
