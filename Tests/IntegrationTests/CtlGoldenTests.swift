// swiftvisorctl + swiftvisord against transcripts recorded from supervisorctl
// + supervisord 4.3.0 (Tests/Golden/ctl/*.golden): every command's exact
// stdout and exit code, error cases and connection errors included. The
// scenario scripts are the same ones that recorded the goldens, so the steps
// cannot drift apart.
import Foundation
import XCTest

final class CtlGoldenTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func replay(_ script: String, golden: String) throws {
        let dir = Binaries.packageRoot + "/Tests/Golden/ctl/"
        let work = sandbox.dir + "/run"
        let r = try sandbox.run("/bin/bash", [dir + script, Binaries.swiftvisord, Binaries.swiftvisorctl, work], timeout: 180)
        let expected = try String(contentsOfFile: dir + golden, encoding: .utf8)
        if r.stdout != expected {
            // Show the first differing step, not two walls of text.
            let got = r.stdout.components(separatedBy: "\n"), want = expected.components(separatedBy: "\n")
            let i = Array(zip(got, want)).firstIndex { $0.0 != $0.1 } ?? min(got.count, want.count)
            let context = want[max(0, i - 6)..<min(want.count, i + 3)].joined(separator: "\n")
            XCTFail("transcript differs at line \(i + 1):\n  got:  \(i < got.count ? got[i] : "<end>")\n  want: \(i < want.count ? want[i] : "<end>")\ncontext (golden):\n\(context)\nstderr: \(r.stderr)")
        }
    }

    func test_ctlScenario_everyCommandAndError_matchesSupervisorctl430() throws {
        try replay("ctl-scenario.sh", golden: "ctl-transcript.golden")
    }

    func test_allScenario_allForms_resultOrderAndExitCodes_matchSupervisorctl430() throws {
        try replay("all-scenario.sh", golden: "all-transcript.golden")
    }

    func test_authScenario_credentialsAndRefusals_matchSupervisorctl430() throws {
        try replay("auth-scenario.sh", golden: "auth-transcript.golden")
    }
}
