// A short libFuzzer run of every target in Fuzz/ (scripts/fuzz.sh), so a
// change that lets some input trap, hang or blow up memory in the config
// reader, the control session, swiftvisorctl's reply parsing (SWV1, and
// supervisord's HTTP/XML-RPC answers), the HTTP
// request framing or the XML-RPC request decoder fails the suite. The long runs are recorded in docs/reliability.md ("Fuzzing").
// SWIFTVISOR_FUZZ_SECONDS sets the time per target (default 15).
import Foundation
import XCTest

final class FuzzSmokeTests: XCTestCase {
    static let seconds = ProcessInfo.processInfo.environment["SWIFTVISOR_FUZZ_SECONDS"] ?? "15"

    /// Run one target; skip, visibly, where the toolchain cannot build fuzzers.
    func fuzz(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let script = OpsTools.packageFile("scripts/fuzz.sh")
        // The first target builds the fuzzer (all of SwiftvisorCore, -O): minutes on a busy machine.
        // A 10 s hang limit, not the long runs' 1 s: on a machine shared with
        // parallel builds a process can be starved for over a second (wall
        // clock), which is not a hang of the code (docs/reliability.md).
        let r = try OpsProcess.run(["/bin/bash", script, target, Self.seconds], environment: ["SWIFTVISOR_FUZZ_TIMEOUT": "10"],
                                   timeout: 1200, file: file, line: line)
        if r.status == 77 {
            throw XCTSkip("this toolchain cannot build libFuzzer targets (swiftc -sanitize=fuzzer): \(r.stderr.suffix(300))")
        }
        let tail = r.stderr.split(separator: "\n").suffix(40).joined(separator: "\n")
        XCTAssertEqual(r.status, 0, "scripts/fuzz.sh \(target) found an input that fails:\n\(tail)", file: file, line: line)
        XCTAssertTrue(r.stdout.contains("fuzz.sh: target \(target): no crash"), r.stdout + tail, file: file, line: line)
        // A run that executed nothing proves nothing.
        let executed = r.stderr.split(separator: "\n").first { $0.hasPrefix("stat::number_of_executed_units:") }
        let count = executed.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        XCTAssertGreaterThan(count, 100, "the \(target) fuzzer ran only \(count) inputs", file: file, line: line)
    }

    func test_fuzz_configReader_findsNoCrashOrHang() throws { try fuzz("config") }
    func test_fuzz_controlSession_findsNoCrashOrHang() throws { try fuzz("control") }
    func test_fuzz_ctlReplyParsing_findsNoCrashOrHang() throws { try fuzz("ctl") }
    func test_fuzz_ctlAgainstSupervisordResponses_findsNoCrashOrHang() throws { try fuzz("ctlhttp") }
    func test_fuzz_httpRequestParser_findsNoCrashOrHang() throws { try fuzz("http") }
    func test_fuzz_listenerProtocol_findsNoCrashOrHang() throws { try fuzz("listener") }
    func test_fuzz_lineRegex_findsNoCrashOrHang() throws { try fuzz("regex") }
    func test_fuzz_procStat_findsNoCrashOrHang() throws { try fuzz("procstat") }
    func test_fuzz_statusReplyFastPath_findsNoCrashOrHang() throws { try fuzz("status") }
    func test_fuzz_workerChannel_findsNoCrashOrHang() throws { try fuzz("worker") }
    func test_fuzz_xmlrpcRequestDecoder_findsNoCrashOrHang() throws { try fuzz("xmlrpc") }

    /// Every target in Fuzz/Main.swift has a seed corpus and a test here.
    func test_fuzz_everyTargetHasSeedsAndASmokeTest() throws {
        let r = try OpsProcess.run(["/bin/bash", OpsTools.packageFile("scripts/fuzz.sh"), "--list"])
        let targets = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(targets, ["config", "control", "ctl", "ctlhttp", "http", "listener", "procstat", "regex", "status", "worker", "xmlrpc"])
        for t in targets {
            let seeds = (try? FileManager.default.contentsOfDirectory(atPath: OpsTools.packageFile("Fuzz/corpus/\(t)"))) ?? []
            XCTAssertFalse(seeds.isEmpty, "Fuzz/corpus/\(t)/ has no seeds")
        }
    }
}
