// The daemon's memory per program: the records of thousands of programs,
// what reading their config left behind, all in its anonymous resident memory
// (RssAnon), the figure docs/benchmarks.md ("Scale") measures.
import Foundation
import XCTest

final class DaemonMemoryTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    /// 5,000 programs cost under 2 KiB each, the daemon's fixed part
    /// included: each process's options are shared between the config and its
    /// state machine, equal commands are one string, and the parser's garbage
    /// is given back (2.6 KiB each before).
    func test_fiveThousandPrograms_holdUnderTwoKiBEach() throws {
        let programs = 5_000
        var body = ""
        for i in 0..<programs {
            body += """
            [program:p\(i)]
            command=/bin/sleep 1000
            autostart=false
            stdout_logfile=NONE
            redirect_stderr=true

            """
        }
        try sandbox.writeConfig(body)
        let daemon = try sandbox.startDaemon()
        let pid = daemon.processIdentifier
        // Measured as the benchmark does, before any request (a reply's own
        // garbage is not the records' cost); the start-up ends with the
        // heap's free pages given back, so wait for that, with a deadline.
        var kib = Int.max
        waitUntil("RssAnon under 2 KiB per program (last \(kib) KiB for \(programs))", timeout: 20, interval: 0.05) {
            kib = rssAnonKiB(pid) ?? Int.max
            return Double(kib) / Double(programs) < 2.0
        }
        XCTAssertTrue(daemon.isRunning, "the daemon still runs")
        let status = try sandbox.ctl("status", "p0")
        XCTAssertTrue(status.stdout.contains("STOPPED"), status.stdout)
    }

    private func rssAnonKiB(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return Int(line.dropFirst("RssAnon:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}
