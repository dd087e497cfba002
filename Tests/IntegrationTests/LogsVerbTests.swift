// `swiftvisorctl logs`, line timestamps and syslog end to end: the real
// daemon, real children writing real log files (rotated ones included), the
// real swiftvisorctl; syslog to a datagram socket the test owns.
import Foundation
import Glibc
import SwiftvisorCore
import XCTest

/// A Unix datagram socket standing in for /dev/log: every datagram it gets,
/// read on a thread of its own so the sender never finds it full.
final class DatagramSink: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [[UInt8]] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(path: String, reading: Bool = true) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw NSError(domain: "bind", code: Int(errno)) }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if reading {
            Thread.detachNewThread { [self] in
                var buf = [UInt8](repeating: 0, count: 70_000)
                while !self.lock.withLock({ self.stopped }) {
                    let n = buf.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
                    if n > 0 { self.lock.withLock { self.received.append(Array(buf[0..<n])) } }
                }
                self.done.signal()
            }
        } else {
            done.signal()
        }
    }

    var datagrams: [String] { lock.withLock { received.map { String(decoding: $0, as: UTF8.self) } } }

    func stop() {
        lock.withLock { stopped = true }
        done.wait()
        close(fd)
        unlink(path)
    }
}

final class LogsVerbTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox.cleanup() }

    private func start(_ programs: String, environment: [String: String] = [:], header: String = "") throws {
        try sandbox.writeConfig(header + programs)
        try sandbox.startDaemon(environment: environment)
        waitUntil("socket", timeout: 15) { FileManager.default.fileExists(atPath: sandbox.socketPath) }
    }

    private func file(_ name: String) -> String {
        (try? String(contentsOfFile: sandbox.dir + "/" + name, encoding: .utf8)) ?? ""
    }

    private func bytes(_ name: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: sandbox.dir + "/" + name))).map { [UInt8]($0) } ?? []
    }

    /// swiftvisorctl running `args` (a follow, ended by the test), its stdout
    /// going to a file in the sandbox.
    private func startCtl(_ args: [String]) throws -> (Process, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
        p.arguments = ["-c", sandbox.configPath] + args
        let outFile = sandbox.dir + "/follow.txt"
        FileManager.default.createFile(atPath: outFile, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        return (p, outFile)
    }

    private func lines(_ r: CommandResult) -> [String] {
        r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// The timestamp prefix written by the daemon: `2026-12-06T21:31:33.123456Z `.
    private static let stamp = try! NSRegularExpression(pattern: "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z ")
    private func hasStamp(_ s: String) -> Bool {
        Self.stamp.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    func test_logsN_lastWholeLines_withAndWithoutTrailingNewline() throws {
        try start("""
        [program:nl]
        command=/bin/sh -c 'i=1; while [ $i -le 20 ]; do echo "line $i"; i=$((i+1)); done; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/nl.out
        startsecs=0
        [program:open]
        command=/bin/sh -c 'i=1; while [ $i -le 20 ]; do echo "line $i"; i=$((i+1)); done; printf "no newline"; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/open.out
        startsecs=0
        """)
        waitUntil("both logs written") { file("nl.out").hasSuffix("line 20\n") && file("open.out").hasSuffix("no newline") }
        let a = try sandbox.ctl("logs", "-n", "5", "nl")
        XCTAssertEqual(a.stdout, "line 16\nline 17\nline 18\nline 19\nline 20\n")
        XCTAssertEqual(a.status, 0)
        let b = try sandbox.ctl("logs", "-n", "5", "open")
        XCTAssertEqual(b.stdout, "line 17\nline 18\nline 19\nline 20\nno newline\n")
        // tail counts bytes and starts mid-line, exactly as before.
        XCTAssertEqual(try sandbox.ctl("tail", "-12", "nl").stdout, " 19\nline 20\n\n")
        // The default is 10 lines; several names are prefixed.
        XCTAssertEqual(lines(try sandbox.ctl("logs", "nl")).count, 10)
        let both = try sandbox.ctl("logs", "-n", "2", "nl", "open")
        XCTAssertEqual(both.stdout, "nl | line 19\nnl | line 20\nopen | line 20\nopen | no newline\n")
        let bad = try sandbox.ctl("logs", "-n", "2", "nope")
        XCTAssertEqual(bad.stdout, "nope: ERROR (no such process name)\n")
        XCTAssertEqual(bad.status, 1)
    }

    func test_logsN_readsAcrossTheRotationBoundary_intoBackups() throws {
        try start("""
        [program:rot]
        command=/bin/sh -c 'i=1; while [ $i -le 120 ]; do echo "rotating line number $i"; sleep 0.005; i=$((i+1)); done; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/rot.out
        stdout_logfile_maxbytes=1KB
        stdout_logfile_backups=5
        startsecs=0
        """)
        waitUntil("all lines written", timeout: 20) {
            (try? sandbox.ctl("logs", "-n", "1", "rot").stdout) == "rotating line number 120\n"
        }
        let current = file("rot.out").split(separator: "\n").count
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.dir + "/rot.out.1"))
        XCTAssertLessThan(current, 60, "the last 60 lines must span rot.out and its backups")
        let r = try sandbox.ctl("logs", "-n", "60", "rot")
        XCTAssertEqual(lines(r), (61...120).map { "rotating line number \($0)" })
    }

    func test_logs_mergesStdoutAndStderrInWriteOrder_withTimestampsOncePerLine() throws {
        try start("""
        [program:mix]
        command=/bin/sh -c 'i=1; while [ $i -le 10 ]; do if [ $((i %% 2)) -eq 1 ]; then echo "event $i"; else echo "event $i" >&2; fi; sleep 0.02; i=$((i+1)); done; printf "part"; sleep 0.2; echo "ial"; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/mix.out
        stderr_logfile=\(sandbox.dir)/mix.err
        stdout_logfile_timestamps=true
        stderr_logfile_timestamps=true
        startsecs=0
        """)
        waitUntil("all written") { file("mix.out").hasSuffix("partial\n") }
        let r = try sandbox.ctl("logs", "-n", "7", "mix")
        XCTAssertEqual(lines(r), ["event 5", "event 6", "event 7", "event 8", "event 9", "event 10", "partial"])
        // In the files: every line starts with exactly one timestamp, and none
        // is inside a line (the partial line was stamped once, when it started).
        for name in ["mix.out", "mix.err"] {
            for line in file(name).split(separator: "\n").map(String.init) {
                XCTAssertTrue(hasStamp(line), line)
                XCTAssertEqual(line.components(separatedBy: "Z ").count, 2, line)
            }
        }
        let shown = lines(try sandbox.ctl("logs", "--timestamps", "-n", "3", "mix"))
        XCTAssertEqual(shown.count, 3)
        for line in shown { XCTAssertTrue(hasStamp(line), line) }
        XCTAssertEqual(shown.map { String($0.dropFirst(LogTimestamp.width)) }, ["event 9", "event 10", "partial"])
    }

    func test_logs_since_keepsLinesFromThatTime() throws {
        try start("""
        [program:slow]
        command=/bin/sh -c 'echo early; sleep 0.5; echo late; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/slow.out
        stdout_logfile_timestamps=true
        startsecs=0
        [program:plain]
        command=/bin/sh -c 'echo untimed; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/plain.out
        startsecs=0
        """)
        waitUntil("late written") { file("slow.out").contains("late\n") }
        let stamps = file("slow.out").split(separator: "\n").map { String($0.prefix(LogTimestamp.width - 1)) }
        XCTAssertEqual(stamps.count, 2)
        XCTAssertEqual(lines(try sandbox.ctl("logs", "--since", stamps[1], "slow")), ["late"])
        XCTAssertEqual(lines(try sandbox.ctl("logs", "--since", stamps[0], "slow")), ["early", "late"])
        XCTAssertEqual(lines(try sandbox.ctl("logs", "--since", "1h", "slow")), ["early", "late"])
        XCTAssertEqual(lines(try sandbox.ctl("logs", "--since", "2999-01-01T00:00:00Z", "slow")), [])
        // Without timestamps --since cannot filter: said on stderr, lines shown.
        let plain = try sandbox.ctl("logs", "--since", "1s", "plain")
        XCTAssertEqual(lines(plain), ["untimed"])
        XCTAssertTrue(plain.stderr.contains("stdout_logfile_timestamps"), plain.stderr)
        let bad = try sandbox.ctl("logs", "--since", "soon", "slow")
        XCTAssertTrue(bad.stdout.hasPrefix("Error: bad --since 'soon'"), bad.stdout)
        XCTAssertEqual(bad.status, 1)
    }

    func test_logsFollow_severalPrograms_noLineRepeatedOrMissed_andCtrlCExitsZero() throws {
        try start("""
        [program:a]
        command=/bin/sh -c 'i=0; while :; do echo "a $i"; i=$((i+1)); sleep 0.01; done'
        stdout_logfile=\(sandbox.dir)/a.out
        startsecs=0
        [program:b]
        command=/bin/sh -c 'i=0; while :; do echo "b $i" >&2; i=$((i+1)); sleep 0.01; done'
        stdout_logfile=\(sandbox.dir)/b.out
        stderr_logfile=\(sandbox.dir)/b.err
        startsecs=0
        """)
        waitUntil("output begun") { file("a.out").contains("a 20\n") && file("b.err").contains("b 20\n") }
        let (p, outFile) = try startCtl(["logs", "-f", "-n", "3", "a", "b"])
        let seen = { (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "" }
        // Wait until both have passed where the read of the history ended.
        waitUntil("both followed", timeout: 20) {
            let t = seen()
            return t.components(separatedBy: "a | a ").count > 45 && t.components(separatedBy: "b | b ").count > 45
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        var numbers: [String: [Int]] = [:]
        for line in seen().split(separator: "\n") {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 4, String(line))
            guard parts.count == 4, parts[1] == "|", let n = Int(parts[3]) else { XCTFail(String(line)); continue }
            XCTAssertEqual(parts[0], parts[2], String(line))
            numbers[String(parts[0]), default: []].append(n)
        }
        for name in ["a", "b"] {
            let ns = numbers[name] ?? []
            XCTAssertGreaterThan(ns.count, 40, name)
            // Consecutive: the history's last 3 lines, then the follow from exactly where they ended.
            XCTAssertEqual(ns, Array((ns.first ?? 0)..<((ns.first ?? 0) + ns.count)), name)
        }
    }

    /// A follow that starts far behind the end (`--from=0` of a finished 1 MiB
    /// log) gets every byte, although nothing is written any more: it used to
    /// stop after the first 256 KiB (the stream buffer) until the file grew.
    func test_followFrom_farBehindTheEnd_deliversEverything() throws {
        try start("""
        [program:big]
        command=/bin/sh -c 'i=0; while [ $i -lt 50000 ]; do echo "numbered line $i"; i=$((i+1)); done; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/big.out
        startsecs=0
        """)
        waitUntil("all written", timeout: 30) { file("big.out").hasSuffix("numbered line 49999\n") }
        let size = file("big.out").utf8.count
        XCTAssertGreaterThan(size, 3 * 256 * 1024)
        // Read as fast as the socket gives (the stall needed a reader that
        // empties the socket at once): count the encoded newlines.
        let c = try RawClient(sandbox.socketPath)
        c.send("follow --from=0 big stdout\n")
        var newlines = 0
        var tail: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while newlines < 50000 {
            let n = buffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }  // the 10 s receive timeout: the stream stalled
            let bytes = tail + buffer[0..<n]
            var i = 0
            while i + 2 < bytes.count {
                if bytes[i] == 0x25 && bytes[i + 1] == 0x30 && bytes[i + 2] == 0x41 { newlines += 1; i += 3 } else { i += 1 }
            }
            tail = Array(bytes.suffix(2))  // a `%0A` cut by the read; a counted one never ends in it twice
        }
        XCTAssertEqual(newlines, 50000)
    }

    /// `follow --raw` (docs/protocol.md §5.1): frames whose bytes, put
    /// together, are the file exactly (newlines, tabs, `%`, bytes over 0x7F
    /// unencoded), with every frame within the documented bound.
    func test_followRaw_framesCarryTheFileExactly() throws {
        try start("""
        [program:big]
        command=/bin/sh -c 'i=0; while [ $i -lt 20000 ]; do printf "raw %%d\\t%%%%\\377 .\\n" $i; i=$((i+1)); done; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/big.out
        startsecs=0
        """)
        let last = Array("raw 19999\t%".utf8) + [0xFF] + Array(" .\n".utf8)
        waitUntil("all written", timeout: 30) { bytes("big.out").suffix(last.count).elementsEqual(last) }
        let expected = bytes("big.out")
        XCTAssertTrue(expected.starts(with: Array("raw 0\t%".utf8) + [0xFF]))
        let c = try RawClient(sandbox.socketPath)
        c.send("follow --raw --from=0 big stdout\n")
        var received: [UInt8] = []
        var got: [UInt8] = []
        var at = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var status: String? = nil
        reading: while got.count < expected.count {
            let n = buffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }  // the 10 s receive timeout
            received += buffer[0..<n]
            if status == nil {
                guard let nl = received.firstIndex(of: 0x0A) else { continue }
                status = String(decoding: received[..<nl], as: UTF8.self)
                at = nl + 1
            }
            while true {
                switch received.withUnsafeBytes({ RawFollowFrame.next(in: $0, from: at) }) {
                case .frame(let target, let bytes, let next):
                    XCTAssertEqual(target, 0)
                    XCTAssertLessThanOrEqual(bytes.count, ControlProtocol.followReadBytes)
                    got += received[bytes]
                    at = next
                case .line(let line, _):
                    XCTFail("not a frame: \(String(decoding: received[line], as: UTF8.self))")
                    break reading
                case .malformed:
                    XCTFail("malformed frame header")
                    break reading
                case .needMore:
                    continue reading
                }
            }
        }
        XCTAssertEqual(status, "SWV1 STREAM")
        XCTAssertEqual(got.count, expected.count)
        XCTAssertTrue(got == expected, "the frames' bytes differ from the file")
    }

    /// `logs -f` over the raw frames prints what the log files hold, line for
    /// line and byte for byte: `name | ` prefixes, both streams of a process,
    /// bytes that percent-encoding used to carry (tab, `%`, 0xFF), and a log
    /// that rotates several times while it is followed (the follow goes on
    /// in the new file from its first byte). Every stream's lines are
    /// consecutive up to its last: none repeated, none missed, none cut.
    func test_logsFollow_rawFrames_printTheLogsExactly_acrossRotations() throws {
        try start("""
        [program:a]
        command=/bin/sh -c 'i=0; while [ $i -lt 6000 ]; do printf "a-out %%d\\t%%%%\\377\\n" $i; i=$((i+1)); [ $((i %% 50)) = 0 ] && sleep 0.01; done; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/a.out
        stdout_logfile_maxbytes=16KB
        stdout_logfile_backups=8
        stderr_logfile=NONE
        startsecs=0
        [program:b]
        command=/bin/sh -c 'i=0; while [ $i -lt 2000 ]; do echo "b-out $i"; echo "b-err $i" >&2; i=$((i+1)); [ $((i %% 25)) = 0 ] && sleep 0.01; done; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/b.out
        stderr_logfile=\(sandbox.dir)/b.err
        startsecs=0
        """)
        waitUntil("output begun") { bytes("a.out").firstRange(of: Array("a-out 100\t".utf8)) != nil && file("b.err").contains("b-err 50\n") }
        let (p, outFile) = try startCtl(["logs", "-f", "-n", "2", "a", "b"])
        let seen = { (try? Data(contentsOf: URL(fileURLWithPath: outFile))).map { [UInt8]($0) } ?? [] }
        func has(_ s: String) -> Bool { seen().firstRange(of: Array(s.utf8)) != nil }
        waitUntil("every last line followed", timeout: 60) { has("a | a-out 5999\t") && has("b | b-out 1999\n") && has("b | b-err 1999\n") }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertFalse(bytes("a.out.3").isEmpty, "the log rotated less than three times")
        let out = seen()
        var numbers: [String: [Int]] = [:]
        for line in out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let text = String(decoding: line, as: UTF8.self)
            // The exact bytes each writer wrote, after its prefix.
            let words = text.split(separator: " ")
            guard words.count == 4, words[1] == "|", let n = Int(words[3].prefix(while: { $0.isNumber })) else {
                XCTFail("unexpected line \(text.debugDescription)"); continue
            }
            let kind = String(words[2])
            let body: [UInt8]
            switch kind {
            case "a-out": body = Array("a | a-out \(n)\t%".utf8) + [0xFF]
            case "b-out", "b-err": body = Array("b | \(kind) \(n)".utf8)
            default: XCTFail("unexpected line \(text.debugDescription)"); continue
            }
            XCTAssertEqual(Array(line), body, text.debugDescription)
            numbers[kind, default: []].append(n)
        }
        for (kind, last) in [("a-out", 5999), ("b-out", 1999), ("b-err", 1999)] {
            let ns = numbers[kind] ?? []
            XCTAssertEqual(ns.last, last, kind)
            XCTAssertEqual(ns, Array((ns.first ?? 0)..<((ns.first ?? 0) + ns.count)), kind)
            // Most of it came through the follow, not the history.
            XCTAssertGreaterThan(ns.count, 1000, kind)
        }
    }

    /// Megabytes through `logs -f` at full speed: swiftvisorctl receives the
    /// raw frames into its own space, renders them where they landed and
    /// moves an unfinished frame to the start only every few MiB (frames cut
    /// by recv anywhere, and the move, are exercised many times over). Every
    /// line arrives once, whole, in order, and nothing else is printed.
    func test_logsFollow_megabytesAtFullSpeed_everyLineOnceInOrder() throws {
        let lines = 300_000
        let program = { (name: String) in """
            [program:\(name)]
            command=/bin/sh -c 'echo ready; while [ ! -e \(self.sandbox.dir)/go ]; do sleep 0.02; done; seq -f "%%015g" 0 \(lines - 1); exec sleep 1000'
            stdout_logfile=\(self.sandbox.dir)/\(name).out
            stderr_logfile=NONE
            startsecs=0

            """
        }
        try start(program("a") + program("b"))
        waitUntil("both ready") { file("a.out") == "ready\n" && file("b.out") == "ready\n" }
        let (p, outFile) = try startCtl(["logs", "-f", "-n", "all", "a", "b"])
        // The history is printed before the follow starts, from where it ended.
        waitUntil("history printed") { file("follow.txt").contains("a | ready\n") && file("follow.txt").contains("b | ready\n") }
        FileManager.default.createFile(atPath: sandbox.dir + "/go", contents: nil)
        let total = 2 * ("a | ready\n".utf8.count + lines * ("a | ".utf8.count + 16))
        func size() -> Int { ((try? FileManager.default.attributesOfItem(atPath: outFile))?[.size] as? Int) ?? 0 }
        waitUntil("every line followed", timeout: 60) { size() >= total }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let out = bytes("follow.txt")
        XCTAssertEqual(out.count, total)
        // Each program's lines, in the order printed, against what seq wrote.
        var next = ["a": 0, "b": 0]
        var ready = Set<String>()
        var bad = 0
        for line in out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let name = String(decoding: line.prefix(1), as: UTF8.self)
            let text = Array(line.dropFirst(4))
            guard line.count >= 4, line.dropFirst(1).prefix(3).elementsEqual(" | ".utf8), let n = next[name] else { bad += 1; continue }
            if text == Array("ready".utf8), n == 0, !ready.contains(name) { ready.insert(name); continue }
            var expected = Array(String(n).utf8)
            expected.insert(contentsOf: [UInt8](repeating: 0x30, count: 15 - expected.count), at: 0)
            if text != expected { bad += 1; if bad < 5 { XCTFail("\(name): \(String(decoding: line, as: UTF8.self)) where \(n) was next") } }
            next[name] = n + 1
        }
        XCTAssertEqual(bad, 0)
        XCTAssertEqual(ready, ["a", "b"])
        XCTAssertEqual(next, ["a": lines, "b": lines])
    }

    /// Ctrl-C while swiftvisorctl is busy writing (here: blocked on a full
    /// stdout pipe), followed by a log that goes quiet, ends the follow: the
    /// signal is not lost because it did not land in recv.
    func test_logsFollow_ctrlCWhileWriting_thenQuietLog_exits() throws {
        try start("""
        [program:w]
        command=/bin/sh -c 'echo ready; while [ ! -e \(sandbox.dir)/go ]; do sleep 0.02; done; seq -f "%%015g" 0 199999; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/w.out
        stderr_logfile=NONE
        startsecs=0
        """)
        waitUntil("ready") { file("w.out") == "ready\n" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
        p.arguments = ["-c", sandbox.configPath, "logs", "-f", "-n", "all", "w"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        let fd = pipe.fileHandleForReading.fileDescriptor
        var got: [UInt8] = []
        var eof = false
        /// Read what is there within `seconds`; false once EOF was reached.
        func read(for seconds: Double) {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(seconds * 1000)) > 0 else { return }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { eof = true } else { got += buffer[0..<n] }
        }
        let until = Date().addingTimeInterval(20)
        while got.firstRange(of: Array("ready\n".utf8)) == nil, !eof, Date() < until { read(for: 0.5) }
        XCTAssertNotNil(got.firstRange(of: Array("ready\n".utf8)), "the history was not printed")
        // 3.2 MB: more than the pipe holds, so swiftvisorctl blocks writing.
        FileManager.default.createFile(atPath: sandbox.dir + "/go", contents: nil)
        waitUntil("swiftvisorctl blocked writing to its stdout", timeout: 20) {
            ((try? String(contentsOfFile: "/proc/\(p.processIdentifier)/wchan", encoding: .utf8)) ?? "").contains("pipe_write")
        }
        kill(p.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(20)
        while !eof, Date() < deadline { read(for: 0.5) }
        XCTAssertTrue(eof, "swiftvisorctl still running 20 s after Ctrl-C (\(got.count) bytes printed)")
        if eof {
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
        }
    }

    // MARK: syslog

    private var syslogHeader: NSRegularExpression {
        try! NSRegularExpression(pattern: "^<14>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d supervisord: ")
    }

    /// The datagram without its `<14>Dec  6 21:36:42 supervisord: ` header (checked).
    private func body(_ datagram: String) -> String {
        let range = NSRange(datagram.startIndex..., in: datagram)
        guard let m = syslogHeader.firstMatch(in: datagram, range: range), let r = Range(m.range, in: datagram) else {
            XCTFail("not a syslog datagram as supervisord sends: \(datagram.debugDescription)")
            return datagram
        }
        return String(datagram[r.upperBound...])
    }

    func test_syslog_mainLogAndProgramLines_toTheSocketNamedByTheEnvironment() throws {
        let sink = try DatagramSink(path: sandbox.dir + "/log.sock")
        defer { sink.stop() }
        try sandbox.writeConfig("""
        [program:web]
        command=/bin/sh -c 'echo one; sleep 0.1; echo two >&2; exec sleep 1000'
        stdout_logfile=\(sandbox.dir)/web.out
        stdout_syslog=true
        stderr_syslog=true
        startsecs=0
        """)
        // [supervisord] logfile=syslog: the header's logfile= is replaced.
        var text = try String(contentsOfFile: sandbox.configPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "logfile=\(sandbox.mainLogPath)", with: "logfile=syslog")
        try text.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        try sandbox.startDaemon(environment: [SyslogEnv.name: sink.path])
        waitUntil("program lines in syslog") { sink.datagrams.contains { $0.hasSuffix(": web two") } }
        let bodies = sink.datagrams.map(body)
        XCTAssertTrue(bodies.contains("web one"), "\(bodies)")
        XCTAssertTrue(bodies.contains("web two"), "\(bodies)")
        // Main log lines in the file format, newline included, as supervisord's SyslogHandler sends them.
        let spawned = bodies.first { $0.contains("spawned: 'web' with pid") }
        XCTAssertNotNil(spawned, "\(bodies)")
        if let spawned {
            XCTAssertNotNil(spawned.range(of: "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} INFO spawned: 'web' with pid \\d+\\n$", options: .regularExpression), spawned)
        }
        // The file log is written as well; no main log file was created.
        XCTAssertEqual(file("web.out"), "one\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.mainLogPath))
    }

    func test_syslog_missingOrStuckReader_neverStallsTheDaemon_norLosesFileLines() throws {
        // A socket nobody reads (its queue fills after a few datagrams), and a path with no socket at all.
        let stuck = try DatagramSink(path: sandbox.dir + "/stuck.sock", reading: false)
        defer { stuck.stop() }
        for (socketPath, name) in [(stuck.path, "stuck"), (sandbox.dir + "/absent.sock", "absent")] {
            let box = try Sandbox(name: "syslog_\(name)")
            defer { box.cleanup() }
            try box.writeConfig("""
            [program:flood]
            command=/bin/sh -c 'i=1; while [ $i -le 5000 ]; do echo "flood line $i"; i=$((i+1)); done; exec sleep 1000'
            stdout_logfile=\(box.dir)/flood.out
            stdout_syslog=true
            startsecs=0
            """)
            try box.startDaemon(environment: [SyslogEnv.name: socketPath])
            waitUntil("\(name): every line in the file", timeout: 20) {
                ((try? String(contentsOfFile: box.dir + "/flood.out", encoding: .utf8)) ?? "").hasSuffix("flood line 5000\n")
            }
            let out = (try? String(contentsOfFile: box.dir + "/flood.out", encoding: .utf8)) ?? ""
            XCTAssertEqual(out.split(separator: "\n").count, 5000, name)
            let t0 = Date()
            let status = try box.ctl("status", "flood")
            XCTAssertTrue(status.stdout.contains("RUNNING"), "\(name): \(status.stdout)")
            XCTAssertLessThan(Date().timeIntervalSince(t0), 5, name)
        }
    }

    /// The same config under supervisord 4.3.0 (its syslog goes to /dev/log,
    /// so it runs in a private mount namespace where /dev/log is our socket)
    /// and under swiftvisord: the same datagrams, times and pids aside.
    func test_syslog_sameDatagramsAsSupervisord430() throws {
        let python = try Supervisor430.python()
        let supervisord = (python as NSString).deletingLastPathComponent + "/supervisord"
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            throw XCTSkip("no unshare(1): supervisord's /dev/log cannot be redirected; not compared with supervisord")
        }
        let probe = try sandbox.run("/usr/bin/unshare", ["-rm", "/bin/sh", "-c", "mount -t tmpfs none /dev && echo ok"])
        guard probe.stdout == "ok\n" else {
            throw XCTSkip("unshare -rm with a tmpfs on /dev is not allowed here (\(probe.stderr)); not compared with supervisord")
        }
        let program = """
        [program:web]
        command=/bin/sh -c 'echo one; echo; echo three; sleep 0.2; echo err >&2; sleep 0.2; printf "last"; exec sleep 1000'
        stdout_logfile=NONE
        stdout_syslog=true
        stderr_syslog=true
        startsecs=0

        """
        /// `launch` starts the daemon and returns how to stop it (cleanly: its children go with it).
        func run(_ name: String, _ launch: (Sandbox, DatagramSink) throws -> () -> Void) throws -> [String] {
            let box = try Sandbox(name: "cmp_\(name)")
            defer { box.cleanup() }
            let sink = try DatagramSink(path: box.dir + "/log.sock")
            defer { sink.stop() }
            try box.writeConfig(program)
            let stop = try launch(box, sink)
            defer { stop() }
            waitUntil("\(name): the program's last line", timeout: 20) { sink.datagrams.contains { $0.hasSuffix(": web last") } }
            return sink.datagrams.filter { !$0.contains(" supervisord: 20") }  // program lines only
        }
        let theirs = try run("supervisord") { box, sink in
            let script = """
            mkdir -p \(box.dir)/olddev && mount --rbind /dev \(box.dir)/olddev && mount -t tmpfs none /dev && \
            for f in null zero urandom random tty; do ln -s \(box.dir)/olddev/$f /dev/$f; done && \
            ln -s \(sink.path) /dev/log && exec \(supervisord) -n -c \(box.configPath)
            """
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            p.arguments = ["-rm", "/bin/sh", "-c", script]
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            p.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try p.run()
            box.track(pid: p.processIdentifier)
            return {
                kill(p.processIdentifier, SIGTERM)
                waitUntil("supervisord exit", timeout: 20) { !p.isRunning }
            }
        }
        let ours = try run("swiftvisord") { box, sink in
            try box.startDaemon(environment: [SyslogEnv.name: sink.path])
            return { box.stopDaemon() }
        }
        XCTAssertFalse(theirs.isEmpty)
        for d in theirs + ours { _ = body(d) }
        // stdout and stderr are separate pipes: compare as sets of messages.
        XCTAssertEqual(theirs.map(body).sorted(), ours.map(body).sorted())
        XCTAssertEqual(ours.map(body).sorted(), ["web ", "web err", "web last", "web one", "web three"])
    }
}

/// The variable that points swiftvisord's syslog at another socket (docs/configuration.md).
enum SyslogEnv { static let name = "SWIFTVISOR_SYSLOG_SOCKET" }
