// RotatingLogFile and LogTail on real files, devices and child pipes.
import Glibc
import XCTest
@testable import SwiftvisorOS

final class RotatingLogFileTests: XCTestCase {
    private var dir = ""
    override func setUp() { dir = OSTest.tempDir() }
    override func tearDown() { OSTest.removeTree(dir) }

    private func bytes(_ path: String) -> [UInt8]? {
        OSTest.readFile(path).map { Array($0.utf8) }
    }

    private func exists(_ path: String) -> Bool { Sys.statPath(path) != nil }

    /// "line 000042 xxx…\n", 51 bytes, as in a run of supervisord 4.3.0 with maxbytes=1KB
    /// (each rotated file ended at 1050 bytes: the check comes after the write).
    private func line(_ i: Int) -> String {
        let n = String(i)
        return "line " + String(repeating: "0", count: 6 - n.count) + n + " " + String(repeating: "x", count: 38) + "\n"
    }

    /// The sequence numbers in `text`, checking every line is whole.
    private func numbers(_ text: String, file: StaticString = #filePath, line l: UInt = #line) -> [Int] {
        text.split(separator: "\n").map { s in
            XCTAssertEqual(s.count, 50, "torn line \(s)", file: file, line: l)
            return Int(s.dropFirst(5).prefix(6))!
        }
    }

    func test_write_rotatesIntoBackupsWithSupervisordNamesAndNoGap() throws {
        let path = "\(dir)/spew.log"
        let log = try RotatingLogFile(path: path, maxBytes: 1024, backups: 2)
        for i in 1...100 { log.write(Array(line(i).utf8)) }
        XCTAssertTrue(exists("\(path).1"))
        XCTAssertTrue(exists("\(path).2"))
        XCTAssertFalse(exists("\(path).3"))
        // Backups are the first write at or past maxbytes: 21 lines of 51 = 1071.
        XCTAssertEqual(bytes("\(path).1")?.count, 1071)
        XCTAssertEqual(bytes("\(path).2")?.count, 1071)
        let all = OSTest.readFile("\(path).2")! + OSTest.readFile("\(path).1")! + OSTest.readFile(path)!
        let seq = numbers(all)
        XCTAssertEqual(seq.last, 100)
        XCTAssertEqual(seq, Array(seq.first!...100), "gap or reordering across files")
        XCTAssertEqual(log.bytesWritten, 100 * 51)
        XCTAssertEqual(log.droppedBytes, 0)
        XCTAssertEqual(log.currentSize, Int64(bytes(path)!.count))
    }

    func test_write_zeroBackups_truncatesInPlace() throws {
        let path = "\(dir)/t.log"
        let log = try RotatingLogFile(path: path, maxBytes: 100, backups: 0)
        for i in 1...5 { log.write(Array(line(i).utf8)) }  // 51, 102 → truncate, 51, 102 → truncate, 51
        XCTAssertFalse(exists("\(path).1"))
        XCTAssertEqual(numbers(OSTest.readFile(path)!), [5])
    }

    func test_open_appendsToAnExistingFile() throws {
        let path = "\(dir)/a.log"
        OSTest.writeFile(path, "old\n")
        let log = try RotatingLogFile(path: path, maxBytes: 1000, backups: 1)
        log.write(Array("new\n".utf8))
        XCTAssertEqual(OSTest.readFile(path), "old\nnew\n")
        XCTAssertEqual(log.currentSize, 8)
    }

    func test_maxBytesZero_sharedFileInterleavesWithoutOverwriting() throws {
        let path = "\(dir)/shared.log"
        let a = try RotatingLogFile(path: path, maxBytes: 0, backups: 10)
        let b = try RotatingLogFile(path: path, maxBytes: 0, backups: 10)
        a.write(Array("a1\n".utf8)); b.write(Array("b1\n".utf8)); a.write(Array("a2\n".utf8))
        XCTAssertEqual(OSTest.readFile(path), "a1\nb1\na2\n")
    }

    func test_reopen_recreatesADeletedFile() throws {
        let path = "\(dir)/r.log"
        let log = try RotatingLogFile(path: path, maxBytes: 1024, backups: 2)
        log.write(Array("before\n".utf8))
        unlink(path)
        log.reopen()
        log.write(Array("after\n".utf8))
        XCTAssertEqual(OSTest.readFile(path), "after\n")
    }

    func test_clear_emptiesTheFileAndKeepsBackups() throws {
        let path = "\(dir)/c.log"
        let log = try RotatingLogFile(path: path, maxBytes: 60, backups: 3)
        for i in 1...3 { log.write(Array(line(i).utf8)) }  // rotates after line 2: .1 has 1,2
        let backup = OSTest.readFile("\(path).1")
        XCTAssertNotNil(backup)
        log.clear()
        XCTAssertEqual(OSTest.readFile(path), "")
        XCTAssertEqual(OSTest.readFile("\(path).1"), backup)
        log.write(Array("fresh\n".utf8))
        XCTAssertEqual(OSTest.readFile(path), "fresh\n")
    }

    func test_nonSeekableTarget_neverRotatesAndNeverFails() throws {
        let p = try Sys.pipe(flags: O_NONBLOCK)
        defer { close(p.read); close(p.write) }
        // /dev/fd/N of a pipe: supervisord crashes with "Illegal seek" here when maxbytes > 0.
        let log = try RotatingLogFile(path: "/dev/fd/\(p.write)", maxBytes: 10, backups: 2)
        XCTAssertFalse(log.isRotatable)
        log.write(Array("0123456789abcdef\n".utf8))
        log.write(Array("more\n".utf8))
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { Glibc.read(p.read, $0.baseAddress, 64) }
        XCTAssertEqual(String(decoding: buf[0..<max(0, n)], as: UTF8.self), "0123456789abcdef\nmore\n")
        XCTAssertEqual(log.droppedBytes, 0)
        XCTAssertNil(log.lastError)
    }

    func test_diskFull_countsDroppedBytesAndKeepsGoing() throws {
        let log = try RotatingLogFile(path: "/dev/full", maxBytes: 1024, backups: 1)
        log.write(Array("lost\n".utf8))
        log.write(Array("lost too\n".utf8))
        XCTAssertEqual(log.droppedBytes, 14)
        XCTAssertEqual(log.bytesWritten, 0)
        XCTAssertEqual(log.lastError?.errno, ENOSPC)
    }

    func test_unopenableDirectory_dropsThenRecoversWhenTheDirectoryReturns() throws {
        let sub = "\(dir)/sub"
        mkdir(sub, 0o755)
        let path = "\(sub)/x.log"
        let log = try RotatingLogFile(path: path, maxBytes: 0, backups: 0)
        unlink(path); rmdir(sub)
        log.reopen()  // fails: the directory is gone
        log.write(Array("dropped\n".utf8))
        XCTAssertEqual(log.droppedBytes, 8)
        mkdir(sub, 0o755)
        log.write(Array("kept\n".utf8))
        XCTAssertEqual(OSTest.readFile(path), "kept\n")
    }

    func test_init_unwritablePath_throwsWithErrno() {
        XCTAssertThrowsError(try RotatingLogFile(path: "\(dir)/missing/x.log", maxBytes: 0, backups: 0)) { error in
            XCTAssertEqual((error as! SystemError).errno, ENOENT)
        }
    }

    /// seq 1 n, as bytes, for comparing relayed output.
    private func expectedSeq(_ n: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n * 8)
        for i in 1...n { out += Array(String(i).utf8); out.append(10) }
        return out
    }

    private func relayChild(_ argv: [String], into log: RotatingLogFile) throws -> (moved: Int, calls: Int) {
        let child = try Spawner.spawn(OSTest.request(argv), programName: "relay")
        let out = try XCTUnwrap(child.stdout)
        defer { close(child.stdin); close(child.stderr!); close(out) }
        var moved = 0, calls = 0
        let deadline = EventLoop.now() + 120
        loop: while EventLoop.now() < deadline {
            calls += 1
            switch log.relay(fromPipe: out) {
            case .eof: break loop
            case .moved(let n): moved += n
            case .wouldBlock:
                var p = pollfd(fd: out, events: Int16(POLLIN), revents: 0)
                _ = poll(&p, 1, 1000)
            case .blocked:
                XCTFail("a regular file never blocks")
                break loop
            }
        }
        XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0))
        return (moved, calls)
    }

    func test_relay_64MiBFromAChild_everyByteInOrder() throws {
        let path = "\(dir)/big.log"
        let log = try RotatingLogFile(path: path, maxBytes: 1 << 30, backups: 1)
        XCTAssertTrue(log.usesSplice)
        // seq 1 8600000 is 67,688,896 bytes (> 64 MiB).
        let n = 8_600_000
        let r = try relayChild(["/usr/bin/seq", "1", String(n)], into: log)
        let expected = expectedSeq(n)
        XCTAssertGreaterThan(expected.count, 64 << 20)
        XCTAssertEqual(r.moved, expected.count)
        XCTAssertEqual(log.bytesWritten, UInt64(expected.count))
        XCTAssertEqual(log.droppedBytes, 0)
        XCTAssertTrue(log.usesSplice, "splice fell back to copying: \(String(describing: log.lastError))")
        XCTAssertTrue(bytes(path)! == expected, "relayed file differs from the child's output")
    }

    func test_relay_acrossRotations_backupsConcatenateToTheChildsOutput() throws {
        let path = "\(dir)/rot.log"
        let log = try RotatingLogFile(path: path, maxBytes: 1 << 20, backups: 50)
        XCTAssertTrue(log.usesSplice)
        let n = 2_000_000  // 14.9 MB → about 15 files
        _ = try relayChild(["/usr/bin/seq", "1", String(n)], into: log)
        var all: [UInt8] = []
        var files = 0
        for i in stride(from: 50, through: 1, by: -1) {
            if let b = bytes("\(path).\(i)") {
                XCTAssertGreaterThanOrEqual(b.count, 1 << 20, "\(path).\(i) rotated early")
                all += b
                files += 1
            }
        }
        all += bytes(path)!
        XCTAssertGreaterThan(files, 10)
        XCTAssertTrue(all == expectedSeq(n), "bytes lost or reordered across rotation")
        XCTAssertEqual(log.droppedBytes, 0)
    }

    func test_relay_toANonRegularTarget_usesCopyAndKeepsOrder() throws {
        let sink = try Sys.pipe(flags: O_NONBLOCK)
        defer { close(sink.read); close(sink.write) }
        let log = try RotatingLogFile(path: "/dev/fd/\(sink.write)", maxBytes: 100, backups: 1)
        XCTAssertFalse(log.usesSplice)
        let r = try relayChild(["/usr/bin/seq", "1", "1000"], into: log)
        let got = OSTest.readAllAvailable(sink.read)
        XCTAssertEqual(got, expectedSeq(1000))
        XCTAssertEqual(r.moved, got.count)
    }
}

final class LogTailTests: XCTestCase {
    private var dir = ""
    override func setUp() { dir = OSTest.tempDir() }
    override func tearDown() { OSTest.removeTree(dir) }

    func test_read_negativeOffset_returnsTheTailClamped() throws {
        let path = "\(dir)/f"
        OSTest.writeFile(path, "0123456789")
        XCTAssertEqual(try LogTail.read(path: path, offset: -4, length: 0), Array("6789".utf8))
        XCTAssertEqual(try LogTail.read(path: path, offset: -100, length: 0), Array("0123456789".utf8))
        XCTAssertEqual(try LogTail.read(path: path, offset: 2, length: 3), Array("234".utf8))
        XCTAssertEqual(try LogTail.read(path: path, offset: 7, length: 0), Array("789".utf8))
        XCTAssertEqual(try LogTail.read(path: path, offset: 20, length: 0), [])
    }

    func test_read_badArgumentsAndMissingFile() {
        XCTAssertThrowsError(try LogTail.read(path: "\(dir)/f", offset: -1, length: 5)) { XCTAssertEqual($0 as? LogTailError, .badArguments) }
        XCTAssertThrowsError(try LogTail.read(path: "\(dir)/f", offset: 0, length: -5)) { XCTAssertEqual($0 as? LogTailError, .badArguments) }
        XCTAssertThrowsError(try LogTail.read(path: "\(dir)/nope", offset: 0, length: 0)) {
            XCTAssertEqual(($0 as? LogTailError)?.description, "FAILED")
        }
    }

    func test_tail_followsGrowthAndFlagsOverflow() throws {
        let path = "\(dir)/f"
        OSTest.writeFile(path, "0123456789")
        let first = LogTail.tail(path: path, offset: 0, length: 4)
        XCTAssertEqual(first.bytes, Array("6789".utf8))
        XCTAssertEqual(first.offset, 10)
        XCTAssertTrue(first.overflow)
        let again = LogTail.tail(path: path, offset: 10, length: 4)
        XCTAssertEqual(again.bytes, [])
        XCTAssertEqual(again.offset, 10)
        XCTAssertFalse(again.overflow)
    }
}
