// The pure line logic of `swiftvisorctl logs`, line timestamps and the syslog
// message format, over in-memory logs (no daemon, no clock).
import SwiftvisorCore
import XCTest

/// A log with rotations held in memory, read as `readlog --file=N` reads it.
private struct FakeLog {
    /// files[0] is the current file, files[1] `path.1`, ...
    var files: [[UInt8]]
    var reads: [(file: Int, offset: Int, length: Int)] = []
    /// Bumped at a rotation: every file is then another inode.
    var generation = 0

    init(_ files: [String]) { self.files = files.map { Array($0.utf8) } }

    mutating func read(_ file: Int, _ offset: Int, _ length: Int) -> LogChunk? {
        reads.append((file, offset, length))
        guard files.indices.contains(file) else { return nil }
        let f = files[file]
        let start = offset < 0 ? max(0, f.count + offset) : min(offset, f.count)
        let end = offset < 0 || length == 0 ? f.count : min(f.count, start + length)
        return LogChunk(size: f.count, id: 100 + file + generation * 1000, bytes: Array(f[start..<end]))
    }

    var bytesRead: Int { reads.reduce(0) { $0 + ($1.offset < 0 ? -$1.offset : $1.length) } }
}

private func texts(_ tail: LogTail?) -> [String] {
    (tail?.lines ?? []).map { String(decoding: $0.text, as: UTF8.self) }
}

private func numbered(_ range: ClosedRange<Int>) -> String {
    range.map { "line \($0)\n" }.joined()
}

final class LogTailReaderTests: XCTestCase {
    func test_lastLines_withTrailingNewline_areExactlyTheLastN() {
        var log = FakeLog([numbered(1...20)])
        let tail = LogTailReader.tail(count: 5) { log.read($0, $1, $2) }
        XCTAssertEqual(texts(tail), ["line 16", "line 17", "line 18", "line 19", "line 20"])
        XCTAssertEqual(tail?.partial, [])
        XCTAssertEqual(tail?.followOffset, log.files[0].count)
    }

    func test_lastLines_withoutTrailingNewline_countTheUnterminatedLine() {
        var log = FakeLog([numbered(1...20) + "half"])
        let tail = LogTailReader.tail(count: 5) { log.read($0, $1, $2) }
        XCTAssertEqual(texts(tail), ["line 17", "line 18", "line 19", "line 20"])
        XCTAssertEqual(tail?.partial, Array("half".utf8))
        // A follow starts at the unterminated line, so it is shown whole once it ends.
        XCTAssertEqual(tail?.followOffset, log.files[0].count - 4)
    }

    func test_lastLines_crossTheRotationBoundary_intoBackups_evenMidLine() {
        // Rotation happens between writes, not at line ends: `line 8` is split.
        let all = numbered(1...12)
        let cut1 = all.range(of: "line 8")!.lowerBound
        let cut2 = all.range(of: "ne 4")!.lowerBound
        var log = FakeLog([String(all[cut1...]), String(all[cut2..<cut1]), String(all[..<cut2])])
        XCTAssertEqual(texts(LogTailReader.tail(count: 7) { log.read($0, $1, $2) }), (6...12).map { "line \($0)" })
        XCTAssertEqual(texts(LogTailReader.tail(count: nil) { log.read($0, $1, $2) }), (1...12).map { "line \($0)" })
        XCTAssertEqual(texts(LogTailReader.tail(count: 100) { log.read($0, $1, $2) }), (1...12).map { "line \($0)" })
    }

    func test_missingCurrentFile_isNil_emptyFile_hasNoLines() {
        var missing = FakeLog([])
        XCTAssertNil(LogTailReader.tail(count: 5) { missing.read($0, $1, $2) })
        var empty = FakeLog([""])
        XCTAssertEqual(texts(LogTailReader.tail(count: 5) { empty.read($0, $1, $2) }), [])
    }

    func test_largeLog_readsOnlyItsEnd() {
        let line = String(repeating: "x", count: 99) + "\n"
        var log = FakeLog([String(repeating: line, count: 100_000)])  // 10 MB
        let tail = LogTailReader.tail(count: 50) { log.read($0, $1, $2) }
        XCTAssertEqual(tail?.lines.count, 50)
        XCTAssertEqual(log.bytesRead, LogTailReader.firstRead)
    }

    func test_since_readsBackUntilAnOlderLine_andKeepsOnlyNewerOnes() {
        let base: Int64 = 1_800_000_000_000_000
        var text = ""
        for i in 0..<2000 {
            text += String(decoding: LogTimestamp.format(micros: base + Int64(i) * 1_000_000), as: UTF8.self) + "event \(i) " + String(repeating: "y", count: 60) + "\n"
        }
        var log = FakeLog([text])
        let tail = LogTailReader.tail(count: nil, since: base + 1500 * 1_000_000) { log.read($0, $1, $2) }
        XCTAssertEqual(tail?.lines.count, 500)
        XCTAssertEqual(tail?.lines.first?.time, base + 1500 * 1_000_000)
        XCTAssertTrue(log.bytesRead < text.utf8.count, "read \(log.bytesRead) of \(text.utf8.count)")
        // With a count as well: the last N of those.
        var again = FakeLog([text])
        XCTAssertEqual(LogTailReader.tail(count: 3, since: base) { again.read($0, $1, $2) }?.lines.count, 3)
    }

    func test_rotationBetweenReads_startsOver() {
        var log = FakeLog([numbered(1...10000)])  // over 64 KiB: a second read of the current file follows the first
        var rotated = false
        let tail = LogTailReader.tail(count: 9000) { (file: Int, offset: Int, length: Int) -> LogChunk? in
            if offset >= 0 && !rotated {
                // The current file was renamed to .1 and a new one began.
                rotated = true
                log.files = [Array(numbered(10001...10002).utf8), Array(numbered(1...10000).utf8)]
                log.generation = 1
            }
            return log.read(file, offset, length)
        }
        XCTAssertEqual(texts(tail).first, "line 1003")
        XCTAssertEqual(texts(tail).last, "line 10002")
        XCTAssertEqual(tail?.lines.count, 9000)
    }
}

final class LogTimestampTests: XCTestCase {
    func test_format_isISO8601UTCWithMicroseconds_andParsesBack() {
        // 2026-12-06T21:31:33.123456Z
        let t: Int64 = 1_796_592_693_123_456
        XCTAssertEqual(String(decoding: LogTimestamp.format(micros: t), as: UTF8.self), "2026-12-06T21:31:33.123456Z ")
        XCTAssertEqual(LogTimestamp.parse(LogTimestamp.format(micros: t)), t)
        XCTAssertEqual(String(decoding: LogTimestamp.format(micros: 0), as: UTF8.self), "1970-01-01T00:00:00.000000Z ")
        XCTAssertEqual(String(decoding: LogTimestamp.format(micros: 951_782_400_000_001), as: UTF8.self), "2000-02-29T00:00:00.000001Z ")
        XCTAssertNil(LogTimestamp.parse(Array("2026-12-06 21:31:33,123 INFO x".utf8)))
        XCTAssertNil(LogTimestamp.parse(Array("short".utf8)))
    }

    func test_stamper_stampsEachLineOnce_partialLinesWhenTheyStart() {
        var s = LineStamper()
        var out: [UInt8] = []
        var file: [UInt8] = []
        func feed(_ text: String, _ t: Int64) {
            Array(text.utf8).withUnsafeBytes { s.stamp($0, micros: t, into: &out) }
            file += out
        }
        feed("a\nb", 1_000_000)
        feed("c\nd\n", 2_000_000)
        feed("\n", 3_000_000)
        XCTAssertEqual(String(decoding: file, as: UTF8.self), """
        1970-01-01T00:00:01.000000Z a
        1970-01-01T00:00:01.000000Z bc
        1970-01-01T00:00:02.000000Z d
        1970-01-01T00:00:03.000000Z \n
        """)
    }
}

final class LogMergeAndOptionsTests: XCTestCase {
    private func line(_ t: Int64?, _ text: String) -> LogLine {
        LogLine((t.map { LogTimestamp.format(micros: $0) } ?? []) + Array(text.utf8))
    }

    func test_merge_ordersByTimestamp_keepsStreamOrderForTies_andUnstampedLinesBesideTheirPredecessor() {
        let out = [line(1, "o1"), line(3, "o3"), line(nil, "o3b"), line(5, "o5")]
        let err = [line(2, "e2"), line(3, "e3"), line(6, "e6")]
        let merged = LogMerge.merge([("out", out), ("err", err)]).map { String(decoding: $0.1.text, as: UTF8.self) }
        XCTAssertEqual(merged, ["o1", "e2", "o3", "o3b", "e3", "o5", "e6"])
        // Without timestamps: each stream whole, in the order given.
        let plain = LogMerge.merge([("out", [line(nil, "a"), line(nil, "b")]), ("err", [line(nil, "c")])])
        XCTAssertEqual(plain.map { String(decoding: $0.1.text, as: UTF8.self) }, ["a", "b", "c"])
    }

    func test_followRenderer_wholeLinesPrefixed_timestampsRemovedUnlessKept() {
        let stamp = String(decoding: LogTimestamp.format(micros: 1_000_000), as: UTF8.self)
        for keep in [false, true] {
            var r = FollowRenderer(prefix: Array("a | ".utf8), keepTimestamps: keep)
            var out: [UInt8] = []
            r.feed(Array("ab".utf8), into: &out)
            XCTAssertEqual(out, [])
            r.feed(Array("c\n\(stamp)d\ne".utf8), into: &out)
            r.flush(into: &out)
            r.flush(into: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "a | abc\na | \(keep ? stamp : "")d\na | e\n")
        }
    }

    func test_since_durationsAndTimes() {
        let now: Int64 = 1_796_592_693_000_000
        XCTAssertEqual(SinceParser.parse("10m", now: now, utcOffset: { _ in 0 }), now - 600_000_000)
        XCTAssertEqual(SinceParser.parse("1h30m", now: now, utcOffset: { _ in 0 }), now - 5_400_000_000)
        XCTAssertEqual(SinceParser.parse("2026-12-06T21:31:33Z", now: now, utcOffset: { _ in 0 }), 1_796_592_693_000_000)
        XCTAssertEqual(SinceParser.parse("2026-12-06T22:31:33+01:00", now: now, utcOffset: { _ in 0 }), 1_796_592_693_000_000)
        XCTAssertEqual(SinceParser.parse("2026-12-06T21:31:33.5Z", now: now, utcOffset: { _ in 0 }), 1_796_592_693_500_000)
        // No zone: local time (here UTC+2).
        XCTAssertEqual(SinceParser.parse("2026-12-06 23:31:33", now: now, utcOffset: { _ in 7200 }), 1_796_592_693_000_000)
        XCTAssertEqual(SinceParser.parse("2026-12-06", now: now, utcOffset: { _ in 0 }), 1_796_515_200_000_000)
        for bad in ["", "10", "m", "10x", "yesterday", "2026-13-01", "2026-12-06T25:00", "99999999999999999999s"] {
            XCTAssertNil(SinceParser.parse(bad, now: now, utcOffset: { _ in 0 }), bad)
        }
    }

    func test_options_parse() throws {
        let o = try LogsOptions.parse(["-f", "-n", "5", "--stderr", "--timestamps", "web", "w:*"]).get()
        XCTAssertEqual(o.follow, true)
        XCTAssertEqual(o.lines, 5)
        XCTAssertEqual(o.channels, [.stderr])
        XCTAssertEqual(o.timestamps, true)
        XCTAssertEqual(o.names, ["web", "w:*"])
        XCTAssertEqual(try LogsOptions.parse(["-n", "all", "a"]).get().lines, nil)
        XCTAssertEqual(try LogsOptions.parse(["-n7", "a"]).get().lines, 7)
        XCTAssertEqual(try LogsOptions.parse(["--lines=7", "a"]).get().lines, 7)
        XCTAssertEqual(try LogsOptions.parse(["a"]).get().lines, 10)
        XCTAssertEqual(try LogsOptions.parse(["--since", "10m", "a"]).get().lines, nil)
        XCTAssertEqual(try LogsOptions.parse(["--since=10m", "-n", "3", "a"]).get().lines, 3)
        for bad in [["a", "-n"], ["-n", "-1", "a"], ["-n", "x", "a"], ["--stdout", "--stderr", "a"], ["--what", "a"], ["-f"], []] {
            XCTAssertThrowsError(try LogsOptions.parse(bad).get(), "\(bad)")
        }
    }
}

final class SyslogFormatTests: XCTestCase {
    /// supervisord's SyslogHandler.emit: message.rstrip('\n').split('\n'), each formatted.
    func test_programMessages_areSupervisordsSplitOfOneRead() {
        func m(_ chunk: String) -> [String] {
            SyslogFormat.programMessages(processName: "web", chunk: Array(chunk.utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(m("one\ntwo\n"), ["web one", "web two"])
        XCTAssertEqual(m("par"), ["web par"])
        XCTAssertEqual(m("a\n\nb\n\n\n"), ["web a", "web ", "web b"])
        XCTAssertEqual(m("\n"), ["web "])
    }

    func test_mainLogMessages_carryTheFileFormat_andANewline() {
        let ms = SyslogFormat.mainLogMessages(asctime: "2026-12-06 21:49:40,042", level: "INFO", message: "a\nb")
        XCTAssertEqual(ms.map { String(decoding: $0, as: UTF8.self) },
                       ["2026-12-06 21:49:40,042 INFO a\n", "2026-12-06 21:49:40,042 INFO b\n"])
    }
}

final class LogProtocolTests: XCTestCase {
    func test_readlogFile_andFollowFrom_roundTrip_andAreBounded() throws {
        let r = ControlRequest.readLogFile(name: "web", channel: .stderr, file: 2, offset: -65536, length: 0)
        XCTAssertEqual(String(decoding: r.encoded(), as: UTF8.self), "readlog --file=2 web stderr -65536 0\n")
        XCTAssertEqual(try ControlRequest.decode(r.encoded().dropLast())?.get(), r)
        let f = ControlRequest.followFrom([.process(name: "a", channel: .stdout), .process(name: "b", channel: .stderr)], offsets: [10, 0])
        XCTAssertEqual(String(decoding: f.encoded(), as: UTF8.self), "follow --from=10,0 a stdout b stderr\n")
        XCTAssertEqual(try ControlRequest.decode(f.encoded().dropLast())?.get(), f)
        for bad in ["readlog --file=-1 a stdout 0 0", "readlog --file=1001 a stdout 0 0", "readlog --file=x a stdout 0 0",
                    "readlog --file a stdout 0 0", "follow --from=1 a stdout b stdout", "follow --from=-1 a stdout",
                    "follow --from=99999999999999999999 a stdout", "follow --from=0 main", "status --file=1"] {
            guard case .failure(let fault)? = ControlRequest.decode(Array(bad.utf8)) else { return XCTFail(bad) }
            XCTAssertEqual(fault.code, .badArguments, bad)
        }
        let item = ControlItem.logFile(file: 1, size: 1234, id: 99)
        XCTAssertEqual(String(decoding: item.encoded(), as: UTF8.self), "logfile file=1 size=1234 id=99\n")
    }
}
