// ProcUsageReader: a /metrics scrape's /proc reads, split over a helper
// thread past `parallelThreshold` pids, with each child's stat file held
// open between scrapes (statm; CPU time from the process's CPU clock). The result must be in the order of the pids
// whichever thread read them, nil for a process that does not exist; a held
// file must be dropped once its process is gone and never outlive the
// processes asked for; and nothing is held past the descriptor budget.
import Foundation
import Glibc
import XCTest
@testable import SwiftvisorOS

final class ProcUsageReaderTests: XCTestCase {
    /// Above pid_max (at most 2^22), so never a process.
    private let absent: Int32 = 0x7fff_fff0

    private func openFDs() -> Int { ProcFS.openDescriptors().count }

    func test_readsAreInPidOrder_onBothSidesOfTheSplit() throws {
        let reader = ProcUsageReader()
        let me = getpid()
        for count in [1, ProcUsageReader.parallelThreshold - 1, ProcUsageReader.parallelThreshold,
                      3 * ProcUsageReader.parallelThreshold + 1] {
            let pids = (0..<count).map { $0 % 3 == 1 ? absent : me }
            let usages = reader.usage(of: pids, openDescriptors: openFDs())
            XCTAssertEqual(usages.count, count)
            for (i, u) in usages.enumerated() {
                if pids[i] == absent {
                    XCTAssertNil(u, "index \(i) of \(count)")
                } else {
                    let u = try XCTUnwrap(u, "index \(i) of \(count)")
                    XCTAssertGreaterThan(u.residentBytes, 0)
                    XCTAssertGreaterThan(try XCTUnwrap(u.openFDs), 2)
                }
            }
            // The same pid asked for many times is held once.
            XCTAssertEqual(reader.heldCount, 1)
        }
        let one = try XCTUnwrap(ProcFS.usage(of: me))
        for u in reader.usage(of: [me, me], openDescriptors: openFDs()) {
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(u).cpuSeconds, one.cpuSeconds)
        }
        XCTAssertEqual(reader.usage(of: [], openDescriptors: 0).count, 0)
        XCTAssertEqual(reader.heldCount, 0)
    }

    func test_cpuSeconds_isTheSumProcStatGives_andNilForNoProcess() throws {
        // Burn some CPU so the figure is well above a clock tick.
        var x: UInt64 = 1
        let end = ProcessInfo.processInfo.systemUptime + 0.05
        while ProcessInfo.processInfo.systemUptime < end { x = x &* 6364136223846793005 &+ 1 }
        XCTAssertNotEqual(x, 0)
        let before = try XCTUnwrap(ProcFS.cpuSeconds(getpid()))
        let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let after = try XCTUnwrap(ProcFS.cpuSeconds(getpid()))
        let fields = try XCTUnwrap(stat.split(separator: ")").last).split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let statSeconds = (try XCTUnwrap(Double(fields[11])) + (try XCTUnwrap(Double(fields[12])))) / ticks
        // stat's ticks are the same runtime, rounded to clock ticks.
        XCTAssertGreaterThan(statSeconds, before - 2 / ticks)
        XCTAssertLessThan(statSeconds, after + 2 / ticks)
        XCTAssertGreaterThanOrEqual(after, before)
        XCTAssertNil(ProcFS.cpuSeconds(absent))
        XCTAssertNil(ProcFS.cpuSeconds(0))
        XCTAssertNil(ProcFS.cpuSeconds(-1))
    }

    func test_aHeldFile_isReusedWhileItsProcessLives_andDroppedWhenItIsGone() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["1000"]
        try child.run()
        let pid = child.processIdentifier
        defer { if child.isRunning { child.terminate(); child.waitUntilExit() } }
        let reader = ProcUsageReader()
        let before = openFDs()
        XCTAssertNotNil(reader.usage(of: [pid], openDescriptors: before)[0])
        XCTAssertEqual(reader.heldCount, 1)
        XCTAssertEqual(openFDs(), before + 1, "one stat file held")
        for _ in 0..<3 {
            let u = try XCTUnwrap(reader.usage(of: [pid], openDescriptors: before)[0])
            XCTAssertGreaterThan(u.residentBytes, 0)
            XCTAssertEqual(openFDs(), before + 1, "the held file is reused, nothing more opened")
        }
        child.terminate()
        child.waitUntilExit()
        let afterExit = openFDs()  // Process has closed its own descriptors by now
        // Reaped: the held file fails, is dropped, and the pid reads as gone.
        XCTAssertNil(reader.usage(of: [pid], openDescriptors: before)[0])
        XCTAssertEqual(reader.heldCount, 0)
        XCTAssertEqual(openFDs(), afterExit - 1)
    }

    func test_filesOfProcessesNoLongerAskedFor_areClosed() throws {
        let reader = ProcUsageReader()
        let before = openFDs()
        _ = reader.usage(of: [getpid(), getppid()], openDescriptors: before)
        XCTAssertEqual(reader.heldCount, 2)
        _ = reader.usage(of: [getpid()], openDescriptors: before)
        XCTAssertEqual(reader.heldCount, 1)
        XCTAssertEqual(openFDs(), before + 1)
        reader.closeAll()
        XCTAssertEqual(openFDs(), before)
    }

    func test_nothingIsHeldPastTheBudget_butEverythingIsRead() throws {
        var limit = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue)), &limit), 0)
        let soft = Int(clamping: limit.rlim_cur)
        let reader = ProcUsageReader()
        // A daemon already at half its limit holds nothing more.
        let usages = reader.usage(of: [getpid(), getppid()], openDescriptors: soft / 2)
        XCTAssertEqual(usages.compactMap { $0 }.count, 2)
        XCTAssertEqual(reader.heldCount, 0)
        // One short of it: one file held, the other read and closed.
        _ = reader.usage(of: [getpid(), getppid()], openDescriptors: soft / 2 - 1)
        XCTAssertEqual(reader.heldCount, 1)
        XCTAssertEqual(ProcUsageReader.budget(openDescriptors: soft / 2 - 1), 1)
        // At the cap, a process that replaces a held one (a restart: a new
        // pid) is held in its place: the file closed for the old one frees
        // the budget it took.
        reader.closeAll()
        _ = reader.usage(of: [getpid()], openDescriptors: soft / 2 - 1)
        XCTAssertEqual(reader.heldCount, 1)
        _ = reader.usage(of: [getppid()], openDescriptors: soft / 2)  // the held file counted
        XCTAssertEqual(reader.heldCount, 1)
        XCTAssertEqual(ProcUsageReader.budget(openDescriptors: Int.max), 0)
    }
}
