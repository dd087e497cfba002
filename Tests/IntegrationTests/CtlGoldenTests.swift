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

    /// supervisord 4.3.0's own race in `startProcess(wait=True)` of a process
    /// that exits at once (`quick`, /bin/true, startsecs=1): when its main loop
    /// wakes for the child's closed pipe before the child is a zombie, nothing
    /// wakes it again for a second (Python retries poll on SIGCHLD), the
    /// process is then counted RUNNING and exits "expected": the call answers
    /// ABNORMAL_TERMINATION and the process ends EXITED instead of SPAWN_ERROR
    /// and FATAL. Real supervisorctl meets it too (1 run in 12 measured); the
    /// golden has the usual outcome. Only these two lines may differ so.
    static let supervisordRace: [(usual: String, raced: String)] = [
        ("quick: ERROR (spawn error)", "quick: ERROR (abnormal termination)"),
        ("quick                            FATAL     Exited too quickly (process log may have details)",
         "quick                            EXITED    STOPTIME"),
    ]

    private func replay(_ script: String, golden: String, daemon: String = Binaries.swiftvisord) throws {
        let dir = Binaries.packageRoot + "/Tests/Golden/ctl/"
        let work = sandbox.dir + "/run"
        let r = try sandbox.run("/bin/bash", [dir + script, daemon, Binaries.swiftvisorctl, work], timeout: 180)
        let expected = try String(contentsOfFile: dir + golden, encoding: .utf8)
        var got = r.stdout
        if daemon != Binaries.swiftvisord && got != expected {
            for (usual, raced) in Self.supervisordRace where !expected.contains(raced) {
                got = got.replacingOccurrences(of: "\n" + raced + "\n", with: "\n" + usual + "\n")
            }
            if got == expected { print("note: supervisord's startProcess race seen (quick); the rest matches") }
        }
        if got != expected {
            // Show the first differing step, not two walls of text.
            let got = got.components(separatedBy: "\n"), want = expected.components(separatedBy: "\n")
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

    // swiftvisorctl against real supervisord 4.3.0: the probe finds HTTP and
    // every command goes over XML-RPC; the transcripts are the same goldens.

    /// supervisord of the virtualenv with supervisor 4.3.0 (Supervisor430), or a skip.
    private func supervisord() throws -> String {
        let python = try Supervisor430.python()
        let bin = (python as NSString).deletingLastPathComponent + "/supervisord"
        guard FileManager.default.isExecutableFile(atPath: bin) else { throw XCTSkip("no supervisord beside \(python)") }
        return bin
    }

    func test_ctlScenario_againstSupervisord430_matchesSupervisorctl430() throws {
        try replay("ctl-scenario.sh", golden: "ctl-transcript.golden", daemon: supervisord())
    }

    func test_allScenario_againstSupervisord430_matchesSupervisorctl430() throws {
        try replay("all-scenario.sh", golden: "all-transcript.golden", daemon: supervisord())
    }

    func test_authScenario_againstSupervisord430_matchesSupervisorctl430() throws {
        try replay("auth-scenario.sh", golden: "auth-transcript.golden", daemon: supervisord())
    }
}
