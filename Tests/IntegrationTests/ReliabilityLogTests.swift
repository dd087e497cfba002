// Logs without loss: children write numbered lines as fast as they can
// through rotation (small maxbytes, several backups) and through SIGUSR2
// reopens; the retained files must hold a gap-free, in-order tail of every
// stream. A full disk (a small tmpfs) is survived: supervision continues, the
// loss is counted and logged, and logging resumes when space returns.
import Foundation
import XCTest

final class ReliabilityLogTests: XCTestCase {
    var sandbox: Sandbox!
    private var mounted: String?

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        if let m = mounted { _ = try? sandbox.run("/bin/umount", ["-l", m]) }
        sandbox.cleanup()
    }

    /// "1\n2\n...n\n".
    private func numbered(_ n: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n * 8)
        for i in 1...n { out.append(contentsOf: "\(i)\n".utf8) }
        return out
    }

    /// The retained files of a rotated log, oldest first, concatenated.
    private func retained(_ path: String, backups: Int) -> [UInt8] {
        var out: [UInt8] = []
        for i in stride(from: backups, through: 1, by: -1) {
            if let d = FileManager.default.contents(atPath: "\(path).\(i)") { out.append(contentsOf: d) }
        }
        if let d = FileManager.default.contents(atPath: path) { out.append(contentsOf: d) }
        return out
    }

    func test_numberedLines_throughRotationAndSIGUSR2Reopens_leaveAGapFreeInOrderTailOfEveryStream() throws {
        let lines = Reliability.scaled(quick: 1_500_000, long: 10_000_000)
        let maxbytes = 64 * 1024, backups = 6
        let streams = 3
        var body = ""
        for i in 0..<streams {
            body += """
            [program:w\(i)]
            command=/bin/sh -c "seq 1 \(lines) & seq 1 \(lines) >&2; wait"
            startsecs=0
            autorestart=false
            stdout_logfile=\(sandbox.dir)/w\(i).out
            stdout_logfile_maxbytes=\(maxbytes)
            stdout_logfile_backups=\(backups)
            stderr_logfile=\(sandbox.dir)/w\(i).err
            stderr_logfile_maxbytes=\(maxbytes)
            stderr_logfile_backups=\(backups)

            """
        }
        try sandbox.writeConfig(body)
        let daemon = try sandbox.startDaemon()
        var reopens = 0
        // Reopen every few milliseconds while the writers run.
        while sandbox.logLines(containing: "exited: w").count < streams, daemon.isRunning, reopens < 20_000 {
            kill(daemon.processIdentifier, SIGUSR2)
            reopens += 1
            usleep(5_000)  // pacing: one reopen every 5 ms until the writers have exited
        }
        XCTAssertTrue(daemon.isRunning)
        XCTAssertGreaterThan(reopens, 5, "SIGUSR2 was sent while the writers ran")
        print("ReliabilityLogTests: \(reopens) SIGUSR2 reopens during \(streams * 2) streams of \(lines) lines")
        let expected = numbered(lines)
        for i in 0..<streams {
            for ext in ["out", "err"] {
                let path = "\(sandbox.dir)/w\(i).\(ext)"
                let tail = retained(path, backups: backups)
                XCTAssertGreaterThanOrEqual(tail.count, maxbytes * backups, "\(path): the retained files hold less than the backups' worth")
                XCTAssertTrue(expected.count >= tail.count && Array(expected.suffix(tail.count)) == tail,
                              "\(path): retained bytes are not the exact tail of the stream")
            }
        }
        XCTAssertEqual(sandbox.logLines(containing: "exited: w").count, streams)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        sandbox.auditAfterShutdown()
    }

    func test_fullDisk_isSurvived_lossIsCountedAndLogged_andLoggingResumesWhenSpaceReturns() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        let mnt = sandbox.dir + "/small"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        let m = try sandbox.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt])
        guard m.status == 0 else { throw XCTSkip("cannot mount a tmpfs here: \(m.stderr)") }
        mounted = mnt
        let log = mnt + "/talker.log"
        try sandbox.writeConfig("""
        [program:talker]
        command=/bin/sh -c "i=0; while :; do i=$((i+1)); echo line $i; sleep 0.002; done"
        startsecs=0
        stdout_logfile=\(log)
        stdout_logfile_maxbytes=0
        [program:victim]
        command=/bin/sleep 1000
        startsecs=0

        """)
        try sandbox.startDaemon()
        waitUntil("talker logging") { (FileManager.default.contents(atPath: log)?.count ?? 0) > 1000 }
        // Fill the rest of the disk.
        _ = try sandbox.run("/bin/dd", ["if=/dev/zero", "of=\(mnt)/filler", "bs=4k"])
        waitUntil("loss reported") { !sandbox.logLines(containing: "losing stdout output of talker").isEmpty }
        // Supervision goes on: a killed program is restarted.
        let victim = try XCTUnwrap(sandbox.logLines(containing: "spawned: 'victim' with pid").first?.split(separator: " ").last.flatMap { Int32($0) })
        kill(victim, SIGKILL)
        waitUntil("victim restarted") { sandbox.logLines(containing: "spawned: 'victim' with pid").count == 2 }
        // Space returns: logging resumes, and the loss is counted exactly.
        try FileManager.default.removeItem(atPath: mnt + "/filler")
        waitUntil("logging resumed") { !sandbox.logLines(containing: "writing stdout output of talker to").isEmpty }
        let resumed = try XCTUnwrap(sandbox.logLines(containing: "writing stdout output of talker to").first)
        let lost = try XCTUnwrap(resumed.components(separatedBy: "again; ").last?.split(separator: " ").first.flatMap { Int($0) })
        XCTAssertGreaterThan(lost, 0)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        // What the file holds plus what was reported lost is what the talker wrote:
        // the file's last line number says how much that was.
        let text = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: log)), as: UTF8.self)
        let fileLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let last = try XCTUnwrap(fileLines.last(where: { $0.hasPrefix("line ") }).flatMap { Int($0.dropFirst(5)) })
        let written = (1...last).reduce(0) { $0 + "line \($1)\n".utf8.count }
        XCTAssertEqual(text.utf8.count + lost, written, "every byte is either in the file or counted as lost")
        sandbox.auditAfterShutdown()
    }
}
