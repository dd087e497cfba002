// swiftvisorctl against a real supervisord 4.3.0, beyond the golden
// transcripts: the same commands through real supervisorctl and through
// swiftvisorctl on one running supervisord must print the same bytes and
// exit the same, over the Unix socket and over TCP with {SHA} credentials;
// `tail -f` streams supervisord's /logtail until Ctrl-C; `fg` writes stdin
// through sendProcessStdin. Skipped, with a message, without supervisor
// 4.3.0 (SWV_SUPERVISOR_VENV, see DifferentialTests' Supervisor430).
import Foundation
import XCTest

final class CtlSupervisordTests: XCTestCase {
    var sandbox: Sandbox!
    var supervisord: Process?
    var venvBin = ""
    var port = 0

    override func setUpWithError() throws {
        sandbox = try Sandbox(name: name)
        venvBin = (try Supervisor430.python() as NSString).deletingLastPathComponent
    }

    override func tearDown() {
        if let p = supervisord, p.isRunning {
            // supervisord stops its children on SIGTERM; only then is it killed.
            kill(p.processIdentifier, SIGTERM)
            waitUntil("supervisord exit", timeout: 20) { !p.isRunning }
            if p.isRunning {
                for child in descendants(of: p.processIdentifier) { kill(child, SIGKILL) }
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
            }
        }
        sandbox.cleanup()
    }

    /// A free loopback port (bound once, then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Start supervisord on a config with a Unix socket, a TCP port with
    /// credentials (bob / secret as {SHA}), a talker, a cat, and a log with
    /// control characters (which supervisord sends raw in XML-RPC answers).
    func startSupervisord() throws -> String {
        port = Self.freePort()
        let dir = sandbox.dir
        let conf = """
        [unix_http_server]
        file=\(dir)/sv.sock
        [inet_http_server]
        port=127.0.0.1:\(port)
        username=bob
        password={SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4
        [supervisord]
        logfile=\(dir)/supervisord.log
        pidfile=\(dir)/supervisord.pid
        [rpcinterface:supervisor]
        supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
        [supervisorctl]
        serverurl=unix://\(dir)/sv.sock
        [program:talker]
        command=/bin/sh -c 'i=0; while true; do i=$((i+1)); echo out $i; echo err $i >&2; sleep 0.2; done'
        stdout_logfile=\(dir)/talker.out
        stderr_logfile=\(dir)/talker.err
        startsecs=0
        [program:cat]
        command=/bin/cat
        stdout_logfile=\(dir)/cat.out
        startsecs=0
        [program:color]
        command=/bin/sh -c 'printf "ok\\nabc\\033[31mred\\n\\303\\251\\001\\r\\001\\n"; exec sleep 1000'
        stdout_logfile=\(dir)/color.out
        startsecs=0

        """
        let path = try sandbox.write(conf, to: "sv.conf")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: venvBin + "/supervisord")
        p.arguments = ["-n", "-c", path]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        supervisord = p
        waitUntil("supervisord serving its three processes", timeout: 20, interval: 0.2) {
            ((try? self.sandbox.run(self.venvBin + "/supervisorctl", ["-c", path, "status"]))?.stdout ?? "")
                .split(separator: "\n").filter { $0.contains("RUNNING") }.count == 3
        }
        return path
    }

    /// What both clients print for the same command, uptimes and pids normalized.
    func normalized(_ r: CommandResult) -> String {
        var lines: [String] = []
        for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = String(line)
            if let u = l.range(of: "uptime ") { l = String(l[..<u.lowerBound]) + "uptime U" }
            if let p = l.range(of: "pid "), let c = l[p.upperBound...].firstIndex(of: ",") { l = String(l[..<p.upperBound]) + "P" + String(l[c...]) }
            if l.contains(": file: ") { l = String(l[..<l.range(of: ": file: ")!.lowerBound]) }
            lines.append(l)
        }
        return lines.joined(separator: "\n") + "[exit \(r.status)]"
    }

    func test_sameCommands_realSupervisorctlAndSwiftvisorctl_printTheSame_unixAndTCP() throws {
        let conf = try startSupervisord()
        let tcp = ["-s", "http://127.0.0.1:\(port)"]
        let commands: [[String]] = [
            ["status"], ["status", "talker", "nope", "zz:*"], ["avail"], ["version"], ["pid", "nope"],
            ["start", "talker"], ["stop", "nope"], ["start", "zz:*"], ["signal", "CONT", "talker"], ["signal", "FOO", "cat"],
            ["clear", "cat"], ["clear", "cat:*"], ["tail", "-5", "cat"], ["tail", "cat", "stderr"], ["tail", "nope"],
            ["tail", "color"], ["tail", "-6", "color"], ["tail", "-5", "color"],
            ["reread"], ["update"], ["remove", "cat"], ["add", "cat"], ["maintail", "-1"],
            tcp + ["status"], tcp + ["-u", "bob", "-p", "wrong", "status"], tcp + ["-u", "bob", "-p", "secret", "avail"],
            tcp + ["-u", "bob", "-p", "secret", "signal", "CONT", "all"],
        ]
        for args in commands {
            let real = try sandbox.run(venvBin + "/supervisorctl", ["-c", conf] + args)
            let ours = try sandbox.run(Binaries.swiftvisorctl, ["-c", conf] + args)
            XCTAssertEqual(normalized(ours), normalized(real), "\(args.joined(separator: " "))")
        }
    }

    func test_tailF_streamsLogtail_untilCtrlC() throws {
        let conf = try startSupervisord()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisorctl)
        p.arguments = ["-c", conf, "tail", "-f", "talker", "stderr"]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        nonisolated(unsafe) var text = ""
        let lock = NSLock()
        let reader = Thread {
            while true {
                let d = out.fileHandleForReading.availableData
                if d.isEmpty { return }
                lock.lock(); text += String(decoding: d, as: UTF8.self); lock.unlock()
            }
        }
        reader.start()
        func seen() -> String { lock.lock(); defer { lock.unlock() }; return text }
        // New lines keep arriving: the stream is live, not the first 1024 bytes only.
        waitUntil("two fresh stderr lines", timeout: 15) {
            let errs = seen().split(separator: "\n").compactMap { $0.hasPrefix("err ") ? Int($0.dropFirst(4)) : nil }
            return (errs.max() ?? 0) >= (errs.min() ?? 0) + 3
        }
        kill(p.processIdentifier, SIGINT)
        waitUntil("swiftvisorctl exit after Ctrl-C", timeout: 10) { !p.isRunning }
        XCTAssertFalse(p.isRunning)
        XCTAssertEqual(p.terminationStatus, 0)
        waitUntil("the output closed", timeout: 5) { seen().hasSuffix("\n\n") }
        XCTAssertTrue(seen().hasPrefix("==> Press Ctrl-C to exit <==\n"), seen())
        XCTAssertFalse(seen().contains("out "), "stdout lines in a stderr tail")
    }

    func test_fg_sendsStdinLinesThroughSendProcessStdin() throws {
        let conf = try startSupervisord()
        let r = try sandbox.run(Binaries.swiftvisorctl, ["-c", conf, "fg", "cat"], stdin: "hello from fg\n")
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("==> Press Ctrl-C to exit <==\n"), r.stdout)
        waitUntil("cat echoed the line to its log", timeout: 10) {
            ((try? String(contentsOfFile: self.sandbox.dir + "/cat.out", encoding: .utf8)) ?? "").contains("hello from fg\n")
        }
    }
}
