// Reading a process's identity from /proc/<pid>/stat (crash recovery).
import Foundation
import XCTest
import SwiftvisorOS

final class ProcessStartTimeTests: XCTestCase {
    func test_parse_takesFieldsAfterTheLastParenthesis_soACommWithSpacesAndParensIsHarmless() {
        let line = "4242 (we(ird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n"
        XCTAssertEqual(ProcessStat.parse(Array(line.utf8)),
                       ProcessStat(pid: 4242, state: UInt8(ascii: "S"), ppid: 1, processGroup: 4242, startTime: 987654))
    }

    func test_parse_rejectsTruncatedText() {
        XCTAssertNil(ProcessStat.parse(Array("4242 (x) S 1 4242".utf8)))
        XCTAssertNil(ProcessStat.parse(Array("".utf8)))
    }

    func test_of_ownProcess_matchesProcSelfStatField22_andIsStable() throws {
        let text = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let fields = text[text.index(after: text.lastIndex(of: ")")!)...].split(separator: " ")
        let expected = UInt64(fields[19])
        XCTAssertEqual(ProcessStartTime.of(getpid()), expected)
        XCTAssertEqual(ProcessStartTime.stat(getpid())?.processGroup, getpgrp())
        XCTAssertEqual(ProcessStartTime.of(getpid()), ProcessStartTime.of(getpid()))
    }

    func test_of_aPidThatDoesNotExist_isNil() {
        XCTAssertNil(ProcessStartTime.of(Int32.max))
    }
}

final class ProcessStartTimeClockTests: XCTestCase {
    func test_nowInTicks_rightAfterASpawn_isNotBeforeTheChildsStartTime_andClose() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sleep")
        p.arguments = ["5"]
        try p.run()
        let stamp = ProcessStartTime.nowInTicks()
        defer { p.terminate(); p.waitUntilExit() }
        let start = try XCTUnwrap(ProcessStartTime.of(p.processIdentifier))
        XCTAssertLessThanOrEqual(start, stamp, "the stamp is taken after the fork")
        XCTAssertLessThanOrEqual(stamp - start, 100, "kernel \(start), stamp \(stamp)")
    }
}
