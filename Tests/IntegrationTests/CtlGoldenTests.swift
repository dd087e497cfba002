// swiftvisorctl + swiftvisord (and each against the other's real 4.3.0
// counterpart) against transcripts recorded from supervisorctl
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

    /// supervisord 4.3.0's own race in `startProcess(wait=True)` of a program
    /// that exits within startsecs (`quick`, /bin/true; `crashy`, 0.3 s; both
    /// startsecs=1): when its main loop wakes for the child's closed pipes
    /// before the child is a zombie, nothing wakes it again for a second
    /// (Python retries poll after SIGCHLD), and then the process has "stayed
    /// up" startsecs: supervisord logs `success: NAME entered RUNNING state`
    /// for a program that died long before, answers ABNORMAL_TERMINATION (or
    /// restarts it as an unexpected exit), and every later step differs from
    /// the golden. That log line identifies the race; a run that shows it is
    /// run again (at most `raceAttempts` times). A run that differs without
    /// it fails at once.
    static let raceSignatures = ["success: quick entered RUNNING state", "success: crashy entered RUNNING state"]
    static let raceAttempts = 4

    private func replay(_ script: String, golden: String, daemon: String = Binaries.swiftvisord,
                        ctl: String = Binaries.swiftvisorctl) throws {
        let dir = Binaries.packageRoot + "/Tests/Golden/ctl/"
        let expected = try String(contentsOfFile: dir + golden, encoding: .utf8)
        for attempt in 1...Self.raceAttempts {
            let work = sandbox.dir + "/run\(attempt)"
            let r = try sandbox.run("/bin/bash", [dir + script, daemon, ctl, work], timeout: 180)
            if r.stdout == expected { return }
            let log = (try? String(contentsOfFile: work + "/supervisord.log", encoding: .utf8)) ?? ""
            let raced = daemon != Binaries.swiftvisord && Self.raceSignatures.contains { log.contains($0) }
            if raced && attempt < Self.raceAttempts {
                print("note: attempt \(attempt) met supervisord's startsecs race (its log: \(Self.raceSignatures.filter { log.contains($0) })); running the scenario again")
                continue
            }
            // Show the first differing step, not two walls of text.
            let got = r.stdout.components(separatedBy: "\n"), want = expected.components(separatedBy: "\n")
            let i = Array(zip(got, want)).firstIndex { $0.0 != $0.1 } ?? min(got.count, want.count)
            let context = want[max(0, i - 6)..<min(want.count, i + 3)].joined(separator: "\n")
            XCTFail("transcript differs at line \(i + 1)\(raced ? " (supervisord's startsecs race in every attempt)" : ""):\n  got:  \(i < got.count ? got[i] : "<end>")\n  want: \(i < want.count ? want[i] : "<end>")\ncontext (golden):\n\(context)\nstderr: \(r.stderr)")
            return
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

    // Real supervisorctl 4.3.0 against swiftvisord: every command goes over
    // XML-RPC to the HTTP worker; the transcripts are the same goldens, so
    // an operator's habits and scripts see supervisord.

    /// supervisorctl of the virtualenv with supervisor 4.3.0, or a skip.
    private func supervisorctl() throws -> String {
        let python = try Supervisor430.python()
        let bin = (python as NSString).deletingLastPathComponent + "/supervisorctl"
        guard FileManager.default.isExecutableFile(atPath: bin) else { throw XCTSkip("no supervisorctl beside \(python)") }
        return bin
    }

    func test_ctlScenario_realSupervisorctl430AgainstSwiftvisord_matchesTheGolden() throws {
        try replay("ctl-scenario.sh", golden: "ctl-transcript.golden", ctl: supervisorctl())
    }

    func test_allScenario_realSupervisorctl430AgainstSwiftvisord_matchesTheGolden() throws {
        try replay("all-scenario.sh", golden: "all-transcript.golden", ctl: supervisorctl())
    }

    func test_authScenario_realSupervisorctl430AgainstSwiftvisord_matchesTheGolden() throws {
        try replay("auth-scenario.sh", golden: "auth-transcript.golden", ctl: supervisorctl())
    }
}
