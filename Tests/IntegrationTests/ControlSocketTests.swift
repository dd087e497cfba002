// The SWV1 protocol at socket level against the real swiftvisord: framing,
// every error path, limits, authentication, many concurrent clients, slow and
// vanishing stream readers, and the daemon's descriptor count afterwards.
import Foundation
import Glibc
import SwiftvisorCore
import SwiftvisorOS
import XCTest

/// A raw protocol client with a receive deadline.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(_ path: String) throws {
        fd = try UnixSocket.connect(path: path, timeout: 5)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    private var closed = false
    func close() { if !closed { closed = true; Glibc.close(fd) } }

    func send(_ text: String) { send(Array(text.utf8)) }
    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// The next line (without `\n`), or nil at EOF / timeout.
    func line() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let l = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return l
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    /// A whole reply: status line, then lines up to (not including) `.`.
    func reply() -> (status: String, items: [String])? {
        guard let status = line() else { return nil }
        var items: [String] = []
        while let l = line() {
            if l == "." { return (status, items) }
            items.append(l)
        }
        return nil
    }

    /// True when the server closed the connection within the deadline: EOF, or
    /// ECONNRESET when it closed with our unread bytes still queued.
    func atEOF() -> Bool {
        var b: UInt8 = 0
        let n = Glibc.recv(fd, &b, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }
}

final class ControlSocketTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func startDaemon(_ programs: String = "", extraServer: String = "") throws {
        try sandbox.writeConfig(programs + extraServer)
        try sandbox.startDaemon()
        waitUntil("socket", timeout: 15) { FileManager.default.fileExists(atPath: sandbox.socketPath) }
    }

    private var daemonPid: Int32 { sandbox.daemon!.processIdentifier }

    // MARK: framing

    func test_statusRequest_handTyped_getsOkItemsAndEndLine() throws {
        try startDaemon("[program:sleeper]\ncommand=/bin/sleep 1000\nautostart=false\n")
        let c = try RawClient(sandbox.socketPath)
        c.send("status sleeper\r\n")
        let r = try XCTUnwrap(c.reply())
        XCTAssertEqual(r.status, "SWV1 OK")
        XCTAssertEqual(r.items.count, 1)
        XCTAssertTrue(r.items[0].hasPrefix("process name=sleeper group=sleeper state=0 statename=STOPPED "), r.items[0])
        XCTAssertTrue(r.items[0].contains(" description=Not%20started"), r.items[0])
    }

    /// strace attached to the daemon, recording its writes to the log and the
    /// sockets into the returned file. Skips when strace is missing or may not attach.
    private func traceDaemonWrites(stringLimit: Int, skipNote: String) throws -> (tracer: Process, trace: String) {
        guard let strace = ["/usr/bin/strace", "/bin/strace"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("strace is not installed: the order of the daemon's writes was not checked\(skipNote)")
        }
        let trace = sandbox.dir + "/writes.trace"
        let tracer = Process()
        tracer.executableURL = URL(fileURLWithPath: strace)
        tracer.arguments = ["-qq", "-s", "\(stringLimit)", "-e", "trace=write,writev,sendto,sendmsg", "-e", "signal=none",
                            "-o", trace, "-p", "\(daemonPid)"]
        tracer.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try tracer.run()
        sandbox.track(pid: tracer.processIdentifier)
        let attached = { (try? String(contentsOfFile: "/proc/\(self.daemonPid)/status", encoding: .utf8))?
            .contains("TracerPid:\t\(tracer.processIdentifier)") ?? false }
        waitUntil("strace attached", timeout: 10) { attached() || !tracer.isRunning }
        guard attached() else {
            if tracer.isRunning { kill(tracer.processIdentifier, SIGKILL) }
            tracer.waitUntilExit()
            throw XCTSkip("strace could not attach to the daemon (ptrace not permitted here)")
        }
        return (tracer, trace)
    }

    /// Detach strace (SIGINT makes it flush its output) and read what it recorded.
    private func stopTracing(_ tracer: Process, _ trace: String) throws -> [String] {
        if tracer.isRunning { kill(tracer.processIdentifier, SIGINT) }
        tracer.waitUntilExit()
        return try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The daemon batches main-log lines per loop round; a reply must never
    /// overtake the lines about what it reports (an operator, or a script,
    /// reads the log right after the command returns). The window is a few
    /// microseconds, too short to see from outside, so the daemon's writes are
    /// watched in order with strace.
    func test_reply_isWrittenOnlyAfterTheLogLinesOfItsRound() throws {
        try startDaemon("[program:p]\ncommand=/bin/sleep 1000\nstartsecs=0\n")
        waitUntil("p RUNNING") { !sandbox.logLines(containing: "success: p entered RUNNING").isEmpty }
        if let pid = sandbox.logLines(containing: "spawned: 'p' with pid").last?.split(separator: " ").last.flatMap({ Int32($0) }) {
            sandbox.track(pid: pid)
        }
        let (tracer, trace) = try traceDaemonWrites(stringLimit: 80, skipNote: "")
        defer { if tracer.isRunning { kill(tracer.processIdentifier, SIGKILL) }; tracer.waitUntilExit() }

        let c = try RawClient(sandbox.socketPath)
        for _ in 1...20 {
            // `signal` logs its audit line and replies in the same loop round.
            c.send("signal CONT p\n")
            XCTAssertEqual(c.reply()?.status, "SWV1 OK")
        }
        let lines = try stopTracing(tracer, trace)
        var audited = 0, replied = 0
        for line in lines {
            if line.contains("signal CONT p requested by uid") { audited += 1 }
            if line.contains("SWV1 OK") {
                replied += 1
                guard audited >= replied else {
                    return XCTFail("reply \(replied) was written before its log line:\n\(lines.joined(separator: "\n"))")
                }
            }
        }
        XCTAssertEqual(replied, 20, "every reply seen in the trace")
    }

    /// The same, for the replies that wait on a state change: `start w`'s
    /// reply after `success: w entered RUNNING state`, `stop w`'s after
    /// `stopped: w` (the state machine reports the change before its line).
    func test_startAndStopReplies_areWrittenAfterTheirStateLines() throws {
        try startDaemon("[program:w]\ncommand=/bin/sleep 1000\nstartsecs=0\nautostart=false\n")
        let (tracer, trace) = try traceDaemonWrites(stringLimit: 4000,
                                                    skipNote: " (LifecycleOrderTests and DaemonTests check it without)")
        defer { if tracer.isRunning { kill(tracer.processIdentifier, SIGKILL) }; tracer.waitUntilExit() }

        let c = try RawClient(sandbox.socketPath)
        for _ in 1...10 {
            c.send("start w\n")
            XCTAssertEqual(c.reply()?.status, "SWV1 OK")
            if let pid = sandbox.logLines(containing: "spawned: 'w' with pid").last?.split(separator: " ").last.flatMap({ Int32($0) }) {
                sandbox.track(pid: pid)
            }
            c.send("stop w\n")
            XCTAssertEqual(c.reply()?.status, "SWV1 OK")
        }
        let lines = try stopTracing(tracer, trace)
        // The main log may be written to two descriptors (file and -n echo):
        // count each line once, by its text (timestamp included).
        var started = Set<String>()
        var stopped = Set<String>()
        var replied = 0
        for line in lines {
            for segment in line.components(separatedBy: "\\n") {
                // The first segment carries the call (`write(4, "`): keep the log text only.
                let part = segment.split(separator: "\"", omittingEmptySubsequences: false).last.map(String.init) ?? segment
                if part.contains("INFO success: w entered RUNNING state") { started.insert(part) }
                if part.contains("WARN stopped: w (") { stopped.insert(part) }
            }
            guard line.contains("SWV1 OK") else { continue }
            replied += 1
            // Odd replies answer `start w`, even ones `stop w`.
            let isStart: Bool = replied % 2 == 1
            let needed: Int = isStart ? (replied + 1) / 2 : replied / 2
            let seen: Int = isStart ? started.count : stopped.count
            if seen < needed {
                return XCTFail("reply \(replied) was written before its state line:\n\(lines.joined(separator: "\n"))")
            }
        }
        XCTAssertEqual(replied, 20, "every reply seen in the trace")
    }

    func test_pipelinedRequests_areAnsweredInOrder_andBlankLinesIgnored() throws {
        try startDaemon()
        let c = try RawClient(sandbox.socketPath)
        c.send("version\n\n   \npid\nfrob\nversion\n")
        XCTAssertEqual(c.reply()?.items.first?.hasPrefix("version supervisor="), true)
        XCTAssertEqual(c.reply()?.items, ["pid pid=\(daemonPid)"])
        XCTAssertEqual(c.reply()?.status, "SWV1 ERR 1 UNKNOWN_METHOD:%20frob")
        XCTAssertEqual(c.reply()?.status, "SWV1 OK")
    }

    func test_errorReplies_keepTheConnectionUsable() throws {
        try startDaemon()
        let c = try RawClient(sandbox.socketPath)
        for (line, status) in [("start", "SWV1 ERR 3 BAD_ARGUMENTS:%20start%20requires%20a%20process%20name"),
                               ("status we%zz", "SWV1 ERR 103 BAD_REQUEST:%20bad%20percent%20escape%20in%20we%25zz"),
                               ("readlog x stdout one 0", "SWV1 ERR 3 BAD_ARGUMENTS:%20OFFSET%20and%20LENGTH%20must%20be%20integers"),
                               ("follow nope stdout", "SWV1 ERR 10 BAD_NAME:%20nope"),
                               ("readlog nope stdout 0 0", "SWV1 ERR 10 BAD_NAME:%20nope")] {
            c.send(line + "\n")
            XCTAssertEqual(c.reply()?.status, status, line)
        }
        c.send("version\n")
        XCTAssertEqual(c.reply()?.status, "SWV1 OK")
    }

    func test_lineOverLimit_getsLineTooLong_thenClose_andDaemonServesOthers() throws {
        try startDaemon()
        let c = try RawClient(sandbox.socketPath)
        c.send([UInt8](repeating: UInt8(ascii: "a"), count: ControlProtocol.maxRequestLine + 10))
        let r = try XCTUnwrap(c.reply())
        XCTAssertTrue(r.status.hasPrefix("SWV1 ERR 102 LINE_TOO_LONG"), r.status)
        XCTAssertTrue(c.atEOF())
        let other = try RawClient(sandbox.socketPath)
        other.send("version\n")
        XCTAssertEqual(other.reply()?.status, "SWV1 OK")
    }

    func test_httpFirstBytes_areServedByTheHTTPWorker_thenClosedAsHTTP10Asks() throws {
        try startDaemon()
        // The stale-socket probe of a second daemon (`GET / HTTP/1.0`) gets
        // an answer: the web page.
        let c = try RawClient(sandbox.socketPath)
        c.send("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(c.line(), "HTTP/1.0 200 OK\r")
        XCTAssertEqual(c.line(), "Server: swiftvisord\r")
        while c.line() != nil {}
    }

    func test_quit_closesAfterReply() throws {
        try startDaemon()
        let c = try RawClient(sandbox.socketPath)
        c.send("quit\nversion\n")
        XCTAssertEqual(c.reply()?.status, "SWV1 OK")
        XCTAssertTrue(c.atEOF())
    }

    // MARK: authentication

    func test_auth_requiredFirst_wrongClosesConnection_shaPasswordAccepted_stateChangeAudited() throws {
        try sandbox.writeConfig("[program:idle]\ncommand=/bin/sleep 1000\nautostart=false\n")
        // Add credentials to the standard header's server section.
        var conf = try String(contentsOfFile: sandbox.configPath, encoding: .utf8)
        conf = conf.replacingOccurrences(of: "file=\(sandbox.socketPath)\n",
                                         with: "file=\(sandbox.socketPath)\nusername=admin\npassword={SHA}\(SHA1.hexDigest("s3cret"))\n")
        try conf.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        try sandbox.startDaemon()
        waitUntil("socket") { FileManager.default.fileExists(atPath: sandbox.socketPath) }

        let anon = try RawClient(sandbox.socketPath)
        anon.send("status\n")
        XCTAssertEqual(anon.reply()?.status, "SWV1 ERR 100 AUTH_REQUIRED:%20send%20auth%20USER%20PASSWORD%20first")
        anon.send("auth admin wrong\n")
        XCTAssertEqual(anon.reply()?.status, "SWV1 ERR 101 AUTH_FAILED:%20wrong%20username%20or%20password")
        XCTAssertTrue(anon.atEOF())

        let good = try RawClient(sandbox.socketPath)
        good.send("auth admin s3cret\nstart idle\n")
        XCTAssertEqual(good.reply()?.status, "SWV1 OK")
        XCTAssertEqual(good.reply()?.items, ["result group=idle name=idle code=80 description=OK"])
        waitUntil("audit line") { !sandbox.logLines(containing: "start idle requested by uid \(getuid()) pid \(getpid())").isEmpty }
    }

    // MARK: many clients, limits, leaks

    func test_200ConcurrentClients_plusSilentOnes_allServed_fdsBackToBaseline() throws {
        try startDaemon("[program:sleeper]\ncommand=/bin/sleep 1000\nautostart=false\n")
        let baseline = socketFDCount(daemonPid)

        let silent = try (0..<50).map { _ in try RawClient(sandbox.socketPath) }
        let clients = try (0..<200).map { _ in try RawClient(sandbox.socketPath) }
        for c in clients { c.send("status\n") }
        for c in clients { XCTAssertEqual(c.reply()?.status, "SWV1 OK") }
        // Silent clients delay nobody: a fresh ctl status still answers at once.
        let start = Date()
        let r = try sandbox.ctl("status")
        XCTAssertEqual(r.status, 3)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        // The ctl's own connection closes on the daemon's side just after it exits.
        waitUntil("250 client sockets open") { socketFDCount(daemonPid) == baseline + 250 }
        for c in clients + silent { c.close() }
        waitUntil("daemon sockets back to baseline \(baseline)") { socketFDCount(daemonPid) == baseline }
    }

    func test_clientThatLeavesMidRequest_isForgotten() throws {
        try startDaemon("[program:slow]\ncommand=/bin/sleep 1000\nstartsecs=2\nautostart=false\n")
        let baseline = socketFDCount(daemonPid)
        let c = try RawClient(sandbox.socketPath)
        c.send("start slow\n")  // the reply would come after startsecs
        waitUntil("connection accepted") { socketFDCount(daemonPid) == baseline + 1 }
        c.close()
        waitUntil("socket released") { socketFDCount(daemonPid) == baseline }
        waitUntil("slow RUNNING", timeout: 10) { (try? sandbox.ctl("status", "slow").stdout.contains("RUNNING")) == true }
        // Only the status ctl's connection may linger a moment; then nothing is left.
        waitUntil("the late start reply found no connection to write to") { socketFDCount(daemonPid) == baseline }
    }

    // MARK: follow streams

    func test_follow_sendsBacklogThenNewBytes_andTruncationNotice() throws {
        let out = sandbox.dir + "/chatty.out"
        try startDaemon("""
        [program:chatty]
        command=/bin/sh -c 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.05; done'
        stdout_logfile=\(out)
        startsecs=0
        """)
        waitUntil("some output") { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("line 3") }
        let c = try RawClient(sandbox.socketPath)
        c.send("follow chatty stdout\n")
        XCTAssertEqual(c.line(), "SWV1 STREAM")
        var seen = ""
        waitUntil("line 1 (backlog) and a later line arrive") {
            guard let l = c.line(), l.hasPrefix("data target=0 bytes=") else { return false }
            seen += String(decoding: ControlEncoding.decode(Array(l.dropFirst(20).utf8)) ?? [], as: UTF8.self)
            return seen.hasPrefix("line 1\n") && seen.contains("line 8\n")
        }
        // clear removes the file and starts a new one (supervisord's removelogs):
        // the stream follows the new inode from its first byte, like tail_f_producer.
        XCTAssertEqual(try sandbox.ctl("clear", "chatty").stdout, "chatty: cleared\n")
        let newFile = Date()
        seen = ""
        waitUntil("lines from the new file") {
            guard let l = c.line(), l.hasPrefix("data target=0 bytes=") else { return false }
            seen += String(decoding: ControlEncoding.decode(Array(l.dropFirst(20).utf8)) ?? [], as: UTF8.self)
            return seen.split(separator: "\n").count >= 3
        }
        XCTAssertLessThan(Date().timeIntervalSince(newFile), 5)
        // Truncation in place (copytruncate): the notice, then the file again from 0.
        XCTAssertEqual(truncate(out, 0), 0)
        waitUntil("truncation notice") {
            guard let l = c.line() else { return false }
            return l == "data target=0 bytes=" + ControlEncoding.encode(ControlProtocol.truncatedNotice)
        }
    }

    func test_slowFollowReader_keepsDaemonMemoryBounded_andOthersServed() throws {
        let out = sandbox.dir + "/flood.out"
        try startDaemon("""
        [program:flood]
        command=/bin/sh -c 'head -c 40000000 /dev/zero | tr "\\0" "x"; exec sleep 1000'
        stdout_logfile=\(out)
        stdout_logfile_maxbytes=0
        startsecs=0
        """)
        let rssBefore = residentKB(daemonPid)
        let reader = try RawClient(sandbox.socketPath)
        reader.send("follow flood stdout\n")
        XCTAssertEqual(reader.line(), "SWV1 STREAM")
        // Never read again: the daemon must stop reading the file for us.
        waitUntil("40 MB written", timeout: 60) { (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) == 40_000_000 }
        let r = try sandbox.ctl("status", "flood")
        XCTAssertEqual(r.status, 0)
        let growth = residentKB(daemonPid) - rssBefore
        XCTAssertLessThan(growth, 16 * 1024, "daemon RSS grew \(growth) kB while a reader stalled on a 40 MB stream")
    }

    func test_tailFollowClientKilled_daemonReleasesItsDescriptors() throws {
        try startDaemon("""
        [program:ticker]
        command=/bin/sh -c 'while :; do echo tick; sleep 0.05; done'
        startsecs=0
        """)
        waitUntil("ticker RUNNING") { (try? sandbox.ctl("status", "ticker").stdout.contains("RUNNING")) == true }
        let baseline = openFDCount(daemonPid)
        let sockets = socketFDCount(daemonPid)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
        p.arguments = ["-c", sandbox.configPath, "tail", "-f", "ticker"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        waitUntil("stream open (one socket + one log fd)") { openFDCount(daemonPid) == baseline + 2 }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        waitUntil("descriptors released") { openFDCount(daemonPid) == baseline && socketFDCount(daemonPid) == sockets }
        let text = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("==> Press Ctrl-C to exit <==\ntick\n"), text)
    }

    func test_ctlTailFollow_severalProcesses_prefixesLines_andCtrlCExitsZero() throws {
        try startDaemon("""
        [program:a]
        command=/bin/sh -c 'while :; do echo from-a; sleep 0.05; done'
        startsecs=0
        [program:w]
        command=/bin/sh -c 'while :; do echo from-w >&2; sleep 0.05; done'
        process_name=w_%(process_num)d
        numprocs=2
        startsecs=0
        """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
        p.arguments = ["-c", sandbox.configPath, "tail", "-f", "a,w:*"]
        let outFile = sandbox.dir + "/follow.txt"
        FileManager.default.createFile(atPath: outFile, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        waitUntil("lines of all three") {
            let t = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
            return t.contains("a | from-a\n") && t.contains("w:w_0 | from-w\n") && t.contains("w:w_1 | from-w\n")
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let t = try String(contentsOfFile: outFile, encoding: .utf8)
        XCTAssertTrue(t.hasPrefix("==> Press Ctrl-C to exit <==\n"))
        XCTAssertTrue(t.hasSuffix("\n"))
        for line in t.split(separator: "\n").dropFirst() {
            XCTAssertTrue(line.hasPrefix("a | ") || line.hasPrefix("w:w_0 | ") || line.hasPrefix("w:w_1 | "), String(line))
        }
    }

    func test_startSeveral_runConcurrently_resultsInArgumentOrder() throws {
        try startDaemon("""
        [program:p1]
        command=/bin/sleep 1000
        startsecs=2
        autostart=false
        [program:p2]
        command=/bin/sleep 1000
        startsecs=2
        autostart=false
        [program:p3]
        command=/bin/sleep 1000
        startsecs=2
        autostart=false
        """)
        let t0 = Date()
        let r = try sandbox.ctl("start", "p3", "p1", "p2")
        let elapsed = Date().timeIntervalSince(t0)
        XCTAssertEqual(r.stdout, "p3: started\np1: started\np2: started\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertLessThan(elapsed, 5, "three startsecs=2 starts should overlap (supervisorctl takes over 6 s)")
    }

    func test_statusJSON_carriesEveryField() throws {
        try startDaemon("[program:idle]\ncommand=/bin/sleep 1000\nautostart=false\n")
        let r = try sandbox.ctl("status", "--json")
        XCTAssertEqual(r.status, 3)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let procs = try XCTUnwrap(doc?["processes"] as? [[String: Any]])
        XCTAssertEqual(procs.first?["name"] as? String, "idle")
        XCTAssertEqual(procs.first?["statename"] as? String, "STOPPED")
        for key in ["group", "state", "pid", "start", "stop", "now", "spawnerr", "exitstatus", "description", "stdout_logfile", "stderr_logfile"] {
            XCTAssertNotNil(procs.first?[key], key)
        }
    }

    func test_ctlStatus_isFast() throws {
        try startDaemon("[program:idle]\ncommand=/bin/sleep 1000\nautostart=false\n")
        XCTAssertEqual(try sandbox.ctl("status").status, 3)
        // 50 calls from one shell loop: the harness's own process overhead is
        // paid once. A debug build takes about 9 ms per call, supervisorctl 85 ms.
        let n = 50
        let loop = "for i in $(seq \(n)); do '\(Binaries.swiftvisorctl)' -c '\(sandbox.configPath)' status >/dev/null; done; exit 0"
        let t0 = Date()
        XCTAssertEqual(try sandbox.run("/bin/sh", ["-c", loop], timeout: 60).status, 0)
        let perCall = Date().timeIntervalSince(t0) / Double(n)
        XCTAssertLessThan(perCall, 0.04, "swiftvisorctl status took \(perCall * 1000) ms per call")
    }

    private func socketFDCount(_ pid: Int32) -> Int {
        let dir = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return entries.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)) ?? "").hasPrefix("socket:") }.count
    }

    private func residentKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}

/// The socket file's life (http.py `supervisor_af_unix_http_server.__init__`
/// at 4.3.0): created with chmod, stale files replaced,
/// a live server never stolen from, removed at exit.
final class ControlSocketFileTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func mode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode : nil
    }

    func test_socket_isCreatedWithChmod_andRemovedAtExit() throws {
        try sandbox.writeConfig("")
        var conf = try String(contentsOfFile: sandbox.configPath, encoding: .utf8)
        conf = conf.replacingOccurrences(of: "file=\(sandbox.socketPath)\n", with: "file=\(sandbox.socketPath)\nchmod=0760\n")
        try conf.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        try sandbox.startDaemon()
        waitUntil("socket") { FileManager.default.fileExists(atPath: sandbox.socketPath) }
        let m = try XCTUnwrap(mode(sandbox.socketPath))
        XCTAssertEqual(m & S_IFMT, S_IFSOCK)
        XCTAssertEqual(m & 0o777, 0o760)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sandbox.socketPath).\(sandbox.daemon!.processIdentifier)"), "temporary <file>.<pid> link is gone")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertNil(mode(sandbox.socketPath), "socket file removed at exit")
    }

    func test_staleSocketFile_isUnlinkedWithSupervisordsMessage_andReplaced() throws {
        try sandbox.writeConfig("")
        // A socket file nobody listens on, as a crashed daemon leaves behind.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(sandbox.socketPath.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        XCTAssertEqual(bound, 0)
        close(fd)
        try sandbox.startDaemon()
        waitUntil("served") { (try? sandbox.ctl("version").stdout) == "4.3.0\n" }
        XCTAssertTrue(sandbox.daemonStderr.contains("Unlinking stale socket \(sandbox.socketPath)\n"), sandbox.daemonStderr)
    }

    func test_socketPathThatFitsOnlyWithoutThePidSuffix_isRefusedNamingTheConfiguredPath() throws {
        // 105 bytes fit in sun_path (107), but `<path>.<pid>`, bound first, does not.
        let filler = 105 - sandbox.dir.utf8.count - 1
        try XCTSkipUnless(filler > 0, "sandbox directory too long for this check: \(sandbox.dir)")
        let path = sandbox.dir + "/" + String(repeating: "s", count: filler)
        try sandbox.writeConfig("")
        var conf = try String(contentsOfFile: sandbox.configPath, encoding: .utf8)
        conf = conf.replacingOccurrences(of: "file=\(sandbox.socketPath)\n", with: "file=\(path)\n")
        try conf.write(toFile: sandbox.configPath, atomically: true, encoding: .utf8)
        let r = try sandbox.run(Binaries.swiftvisord, ["-n", "-c", sandbox.configPath], timeout: 20)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("Error: socket path \(path) is too long: the daemon first binds \(path)."), r.stderr)
        XCTAssertTrue(r.stderr.contains("choose a shorter [unix_http_server] file="), r.stderr)
        XCTAssertNil(mode(path), "nothing was created")
    }

    func test_secondDaemonOnALiveSocket_exits2_withSupervisordsMessage_andFirstKeepsServing() throws {
        try sandbox.writeConfig("")
        try sandbox.startDaemon()
        waitUntil("served") { (try? sandbox.ctl("version").stdout) == "4.3.0\n" }
        let second = try sandbox.run(Binaries.swiftvisord, ["-n", "-c", sandbox.configPath], timeout: 20)
        XCTAssertEqual(second.status, 2)
        XCTAssertEqual(second.stderr, "Error: Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.\nFor help, use \(Binaries.swiftvisord) -h\n")
        XCTAssertEqual(try sandbox.ctl("version").stdout, "4.3.0\n")
    }

    /// A daemon running `[program:echo]` (/bin/cat), RUNNING.
    private func startEchoDaemon() throws {
        try sandbox.writeConfig("""
        [program:echo]
        command=/bin/cat
        startsecs=0
        """)
        try sandbox.startDaemon()
        waitUntil("echo RUNNING") { (try? sandbox.ctl("status", "echo").stdout.contains("RUNNING")) == true }
    }

    /// `swiftvisorctl fg echo` on a running /bin/cat, banner seen: the process,
    /// its stdin, and its output so far.
    private func startFg() throws -> (Process, FileHandle, () -> String) {
        try startEchoDaemon()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
        p.arguments = ["-c", sandbox.configPath, "fg", "echo"]
        let input = Pipe()
        p.standardInput = input
        let outFile = sandbox.dir + "/fg.txt"
        FileManager.default.createFile(atPath: outFile, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        let output = { (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "" }
        waitUntil("banner") { output().hasPrefix("==> Press Ctrl-C to exit <==\n") }
        return (p, input.fileHandleForWriting, output)
    }

    func test_fg_forwardsStdinLines_andStreamsOutput_thenExitsOnEOF() throws {
        let (p, stdin, output) = try startFg()
        stdin.write(Data("hello fg\n".utf8))
        waitUntil("echo of the line") { output().contains("hello fg\n") }
        try stdin.close()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(output(), "==> Press Ctrl-C to exit <==\nhello fg\nExiting foreground\n")
    }

    func test_fg_stdinAlreadyAtEOF_exitsInsteadOfStreamingForever() throws {
        // stdin /dev/null: EOF comes before the output stream has connected; the
        // stop must still reach that stream (it used to follow forever, deaf to Ctrl-C).
        try startEchoDaemon()
        for _ in 0..<3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
            p.arguments = ["-c", sandbox.configPath, "fg", "echo"]
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            sandbox.track(pid: p.processIdentifier)
            waitUntil("fg exits at EOF") { !p.isRunning }
            XCTAssertEqual(p.terminationStatus, 0)
        }
    }

    func test_fg_ctrlC_exitsForeground_exit0() throws {
        let (p, _, output) = try startFg()
        kill(p.processIdentifier, SIGINT)
        waitUntil("fg exits on Ctrl-C") { !p.isRunning }
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(output(), "==> Press Ctrl-C to exit <==\nExiting foreground\n")
    }
}

/// Load: many streams and idle clients at once must not delay supervision or
/// other clients; connections over the limit are closed at once.
final class ControlLoadTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_40TailStreams_and100IdleClients_doNotDelayStartOrStatus() throws {
        try sandbox.writeConfig("""
        [program:chatty]
        command=/bin/sh -c 'while :; do echo "chatter chatter chatter"; done'
        startsecs=0
        [program:late]
        command=/bin/sleep 1000
        startsecs=1
        autostart=false
        """)
        try sandbox.startDaemon()
        waitUntil("chatty RUNNING") { (try? sandbox.ctl("status", "chatty").stdout.contains("RUNNING")) == true }
        let idle = try (0..<100).map { _ in try RawClient(sandbox.socketPath) }
        let streams = try (0..<40).map { _ -> RawClient in
            let c = try RawClient(sandbox.socketPath)
            c.send("follow chatty stdout\n")
            return c
        }
        for s in streams { XCTAssertEqual(s.line(), "SWV1 STREAM") }
        // Half the streams are read, half are never read (stalled readers).
        let readers = Array(streams.prefix(20))
        let t0 = Date()
        let started = try sandbox.ctl("start", "late")
        let startTime = Date().timeIntervalSince(t0)
        XCTAssertEqual(started.stdout, "late: started\n")
        XCTAssertLessThan(startTime, 3, "startsecs=1 took \(startTime) s under load")
        let t1 = Date()
        XCTAssertEqual(try sandbox.ctl("status", "late").status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(t1), 1)
        for r in readers { XCTAssertNotNil(r.line()) }
        _ = idle
    }

    func test_connectionsOverTheLimit_areClosedAtOnce_othersServed() throws {
        try sandbox.writeConfig("")
        try sandbox.startDaemon()
        waitUntil("socket") { FileManager.default.fileExists(atPath: sandbox.socketPath) }
        let held = try (0..<ControlProtocol.maxConnections).map { _ in try RawClient(sandbox.socketPath) }
        // Make sure the daemon has accepted them all before the extra one.
        held.last!.send("version\n")
        XCTAssertEqual(held.last!.reply()?.status, "SWV1 OK")
        let extra = try RawClient(sandbox.socketPath)
        extra.send("version\n")
        XCTAssertTrue(extra.atEOF(), "connection over the limit is closed")
        held[0].close()
        waitUntil("a slot is free again") {
            guard let c = try? RawClient(sandbox.socketPath) else { return false }
            c.send("version\n")
            return c.reply()?.status == "SWV1 OK"
        }
    }

    func test_mainLog_readAndFollow() throws {
        try sandbox.writeConfig("[program:idle]\ncommand=/bin/sleep 1000\nautostart=false\n")
        try sandbox.startDaemon()
        waitUntil("socket") { FileManager.default.fileExists(atPath: sandbox.socketPath) }
        let c = try RawClient(sandbox.socketPath)
        c.send("mainlog -200 0\n")
        let r = try XCTUnwrap(c.reply())
        XCTAssertEqual(r.status, "SWV1 OK")
        XCTAssertTrue(r.items.first?.hasPrefix("log data=") == true)
        let f = try RawClient(sandbox.socketPath)
        f.send("follow main\n")
        XCTAssertEqual(f.line(), "SWV1 STREAM")
        XCTAssertEqual(try sandbox.ctl("start", "idle").stdout, "idle: started\n")
        var text = ""
        waitUntil("the audit line on the main-log stream") {
            guard let l = f.line(), l.hasPrefix("data target=0 bytes=") else { return false }
            text += String(decoding: ControlEncoding.decode(Array(l.dropFirst(20).utf8)) ?? [], as: UTF8.self)
            return text.contains("start idle requested by uid")
        }
    }
}

