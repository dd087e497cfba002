// The edge-case corpus in Tests/Fixtures/differential is run through
// supervisord 4.3.0's own parser and through swiftvisord --dump-config by
// Tests/Fixtures/differential-check.py. `same/` must agree case by case
// (accept/reject, and every resolved value); `differs/` holds the documented
// differences (docs/configuration.md), each of which must still be visible:
// an error, or a warning in --check. supervisor 4.3.0 is found in the virtualenv
// named by SWV_SUPERVISOR_VENV (.ci/run makes .ci/venv and sets it), else in
// .ci/venv; without it these tests skip, saying so.
import Foundation
import XCTest

final class DifferentialTests: XCTestCase {
    let corpus = Paths.packageRoot + "/Tests/Fixtures/differential"

    func runChecker(_ dir: String) throws -> (Int32, String) {
        try Supervisor430.run(script: Paths.packageRoot + "/Tests/Fixtures/differential-check.py", [Binary.swiftvisord, dir])
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

/// Where supervisor 4.3.0 is installed for the tests that compare with it.
enum Supervisor430 {
    struct Misconfigured: Error, CustomStringConvertible { let description: String }

    /// The virtualenv's python: SWV_SUPERVISOR_VENV if set (an error if it has
    /// no python: CI asked for it), else the package's .ci/venv, else a skip.
    static func python() throws -> String {
        if let venv = ProcessInfo.processInfo.environment["SWV_SUPERVISOR_VENV"], !venv.isEmpty {
            let python = venv + "/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw Misconfigured(description: "SWV_SUPERVISOR_VENV=\(venv) has no bin/python")
            }
            return python
        }
        let local = Paths.packageRoot + "/.ci/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: local) else {
            throw XCTSkip("supervisor 4.3.0 not found (SWV_SUPERVISOR_VENV unset, no \(local)): .ci/run installs it; not compared with supervisord")
        }
        return local
    }

    /// Run a Python `script` with supervisor 4.3.0's interpreter; its exit
    /// status and its stdout and stderr together.
    static func run(script: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try python())
        p.arguments = [script] + arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
