// The main log's per-round batch: a burst's buffer is not kept for the
// daemon's life (docs/benchmarks.md, "Anonymous memory per process").
import Foundation
@testable import SwiftvisorDaemon
import XCTest

final class MainLogBatchTests: XCTestCase {
    func test_burstRound_releasesItsBuffer_whileAnOrdinaryRoundKeepsIt() throws {
        let dir = NSTemporaryDirectory() + "swv-mainlog-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try MainLog(path: dir + "/main.log", maxbytes: 0, backups: 0, threshold: .info, echoToStdout: false)
        var rounds: [() -> Void] = []
        log.deferToEndOfRound = { rounds.append($0) }

        // An ordinary round: a few lines, the buffer is kept for the next one.
        for i in 0..<10 { log.info("line \(i)") }
        rounds.removeFirst()()
        XCTAssertGreaterThan(log.batchCapacity, 0, "a small round keeps its buffer")

        // A burst (a start-up of thousands of programs): its buffer goes.
        let message = String(repeating: "x", count: 100)
        var logged = 0
        while logged <= MainLog.burstBytes { log.info(message); logged += message.utf8.count }
        rounds.removeFirst()()
        XCTAssertEqual(log.batchCapacity, 0, "a burst's buffer is not held for the daemon's life")
        let written = try String(contentsOfFile: dir + "/main.log", encoding: .utf8)
        XCTAssertEqual(written.split(separator: "\n").count, 10 + logged / message.utf8.count, "every line written")
        log.close()
    }
}
