// Files in shared directories (docs/security.md): the daemon runs as root and
// many real configs put the pidfile, logs and childlogdir in /tmp. Each test
// replays an attack with names planted by ANOTHER user (uid 65534, by chown)
// in a sticky world-writable directory the test makes, against the real
// binary. They need root (to own files as another user, and because the
// daemon's privileges are what is attacked); without it they skip visibly.
import Foundation
import XCTest

/// The uid and gid the attacker's files are given.
private let attacker: uid_t = 65534

final class SecurityFilesTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root: the attacks plant files owned by another user and target what root does") }
        sandbox = try Sandbox(name: name)
    }
    override func tearDown() { sandbox?.cleanup() }

    /// A directory like /tmp: mode 1777, owned by root.
    private func stickyDirectory(_ name: String = "shared") throws -> String {
        let path = sandbox.dir + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(path, 0o1777), 0)
        return path
    }

    /// A root-owned file the attacker wants root to overwrite.
    private func victim(_ name: String = "victim", content: String = "precious root data\n") throws -> String {
        let path = sandbox.dir + "/" + name
        try content.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// A symbolic link owned by the attacker.
    private func plantLink(to target: String, at path: String) {
        XCTAssertEqual(symlink(target, path), 0, "symlink \(path): \(errno)")
        XCTAssertEqual(lchown(path, attacker, attacker), 0)
    }

    private func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<unreadable>" }

    private func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
    }

    private func owner(_ path: String) -> uid_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_uid : nil
    }

    /// A config with the pidfile (and so the state file), logs and childlogdir where the test says.
    private func writeConfig(pidfile: String, logfile: String? = nil, childlogdir: String? = nil,
                             socket: Bool = true, _ body: String) throws {
        var text = """
        [supervisord]
        logfile=\(logfile ?? sandbox.mainLogPath)
        pidfile=\(pidfile)
        childlogdir=\(childlogdir ?? sandbox.dir)

        """
        if socket {
            text += """
            [unix_http_server]
            file=\(sandbox.socketPath)
            [supervisorctl]
            serverurl=unix://\(sandbox.socketPath)
            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

            """
        }
        try sandbox.writeConfig(text + body, header: false)
    }

    @discardableResult
    private func startDaemon(pidfile: String) throws -> Process {
        let p = try sandbox.startDaemon(waitForSocket: false)
        waitUntil("daemon ready (pidfile \(pidfile))", timeout: 15) { FileManager.default.fileExists(atPath: pidfile) || !p.isRunning }
        XCTAssertTrue(p.isRunning, sandbox.daemonStderr)
        return p
    }

    /// A daemon with one program, `web`, that sleeps; returns once it runs.
    private func startSleeper(pidfile: String) throws {
        try writeConfig(pidfile: pidfile, """
        [program:web]
        command=/bin/sleep 1000
        startsecs=0
        """)
        try startDaemon(pidfile: pidfile)
        waitUntil("web running") { !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty }
    }

    /// `swiftvisorctl status` with a short deadline: the daemon must answer.
    private func status(timeout: TimeInterval = 5) throws -> CommandResult {
        try sandbox.run(Binaries.swiftvisorctl, ["-c", sandbox.configPath, "status"], timeout: timeout)
    }

    /// Field 22 of /proc/<pid>/stat.
    private func startTime(_ pid: Int32) throws -> UInt64 {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let close = try XCTUnwrap(stat.lastIndex(of: ")"))
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return try XCTUnwrap(UInt64(fields[19]))
    }

    /// A root process the attacker wants killed.
    private func rootSleeper() throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sleep")
        p.arguments = ["300"]
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        return p
    }

    // MARK: - State files

    func test_stateFilePlantedByAnotherUser_namingARootProcess_isIgnored_andTheProcessLives() throws {
        let shared = try stickyDirectory()
        let pidfile = shared + "/swiftvisord.pid"
        let target = try rootSleeper()
        let pid = target.processIdentifier
        let marker = String(repeating: "ab", count: 16)
        // Everything right but the owner: pid, start time, even a marker.
        let forged = "swiftvisord-children 2\ndaemon 999999 1 \(marker)\n\(pid) \(try startTime(pid)) 1 \(marker) web\n"
        let planted = pidfile + ".children"
        try forged.write(toFile: planted, atomically: false, encoding: .utf8)
        XCTAssertEqual(chown(planted, attacker, attacker), 0)
        try startSleeper(pidfile: pidfile)
        XCTAssertFalse(sandbox.logLines(containing: "ignoring child state file \(planted): open(\(planted)): owned by uid 65534").isEmpty, sandbox.mainLog)
        XCTAssertTrue(sandbox.logLines(containing: "leftover").isEmpty, sandbox.mainLog)
        // Well past the recorded stopwaitsecs (1 s): no SIGTERM, no SIGKILL.
        waitUntil("the state file is replaced by the daemon's own") { owner(planted) == 0 }
        // The window in which the old code sent SIGKILL.
        assertStays("root process \(pid) named by another user's file not signalled", for: 1.5) { !isGone(pid) }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        target.terminate()
        target.waitUntilExit()
    }

    func test_stateFileOfOurOwn_namingAProcessWithoutTheDaemonMarker_doesNotSignalIt() throws {
        // Same pid, same start time, but not spawned by a swiftvisord: a
        // stale or copied file must not be enough to kill a process, in the
        // old unmarked format (which identified by pid + start time alone)
        // nor in the marked one.
        let target = try rootSleeper()
        let pid = target.processIdentifier
        let marker = String(repeating: "cd", count: 16)
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:web]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let start = try startTime(pid)
        for state in ["swiftvisord-children 1\ndaemon 999999 1\n\(pid) \(start) 1 web\n",
                      "swiftvisord-children 2\ndaemon 999999 1 \(marker)\n\(pid) \(start) 1 \(marker) web\n"] {
            try state.write(toFile: sandbox.pidfilePath + ".children", atomically: true, encoding: .utf8)
            chmod(sandbox.pidfilePath + ".children", 0o600)
            try startDaemon(pidfile: sandbox.pidfilePath)
            waitUntil("web running") { !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty }
            // Past stopwaitsecs: the old code had sent SIGKILL by then.
            assertStays("a process without the marker not signalled (\(state))", for: 1.5) { !isGone(pid) }
            XCTAssertTrue(sandbox.logLines(containing: "leftover").isEmpty, sandbox.mainLog)
            XCTAssertEqual(sandbox.stopDaemon(), 0)
            try FileManager.default.removeItem(atPath: sandbox.mainLogPath)
        }
        target.terminate()
        target.waitUntilExit()
    }

    func test_childrenCarryTheDaemonMarker_whichProgramEnvironmentCannotOverride() throws {
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:env]
        command=/bin/sh -c 'env; sleep 1000'
        environment=SWIFTVISOR_INSTANCE="forged"
        startsecs=0
        stdout_logfile=\(sandbox.dir)/env.log
        """)
        try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("env printed") { contents(sandbox.dir + "/env.log").contains("SWIFTVISOR_INSTANCE=") }
        let line = contents(sandbox.dir + "/env.log").split(separator: "\n").first { $0.hasPrefix("SWIFTVISOR_INSTANCE=") }
        let value = try XCTUnwrap(line?.dropFirst("SWIFTVISOR_INSTANCE=".count))
        XCTAssertEqual(value.count, 32)
        XCTAssertTrue(contents(sandbox.pidfilePath + ".children").contains(" \(value) env"), contents(sandbox.pidfilePath + ".children"))
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_symlinksPlantedAtTheTemporaryAndStateNames_areNeverFollowed() throws {
        let shared = try stickyDirectory()
        let pidfile = shared + "/swiftvisord.pid"
        let pidVictim = try victim("pid-victim")
        let stateVictim = try victim("state-victim")
        let nameVictim = try victim("name-victim")
        // The old names were <pidfile>.<pid>.tmp and <pidfile>.children.<pid>.tmp:
        // an attacker plants them for the next few hundred pids.
        let last = Int(contents("/proc/sys/kernel/ns_last_pid").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        for pid in (last + 1)...(last + 400) {
            plantLink(to: pidVictim, at: "\(pidfile).\(pid).tmp")
            plantLink(to: stateVictim, at: "\(pidfile).children.\(pid).tmp")
        }
        // And at the state file's and the pidfile's own names.
        plantLink(to: nameVictim, at: pidfile + ".children")
        plantLink(to: nameVictim, at: pidfile)
        try startSleeper(pidfile: pidfile)
        waitUntil("the state file is written") { !isSymlink(pidfile + ".children") }
        XCTAssertEqual(contents(pidVictim), "precious root data\n")
        XCTAssertEqual(contents(stateVictim), "precious root data\n")
        XCTAssertEqual(contents(nameVictim), "precious root data\n")
        for path in [pidfile, pidfile + ".children"] {
            XCTAssertFalse(isSymlink(path), "\(path) is a link")
            XCTAssertEqual(owner(path), 0, path)
        }
        var st = stat()
        XCTAssertEqual(lstat(pidfile + ".children", &st), 0)
        XCTAssertEqual(st.st_mode & 0o077, 0, "the state file is private")
        XCTAssertEqual(contents(pidfile), "\(sandbox.daemonPid ?? -1)\n")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidfile))
    }

    func test_pidfileDirectoryWritableByOthersWithoutStickyBit_isRefusedWithAClearError() throws {
        let open = sandbox.dir + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        chmod(open, 0o777)
        let script = try sandbox.write("while :; do sleep 1; done\n", to: "never.sh")
        try writeConfig(pidfile: open + "/swiftvisord.pid", socket: false, """
        [program:web]
        command=/bin/sh \(script)
        """)
        let r = try sandbox.run(Binaries.swiftvisord, ["-n", "-c", sandbox.configPath], timeout: 10)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("Error: The pidfile directory \(open) is writable by other users and not sticky"), r.stderr)
        XCTAssertTrue(processesMentioning(script).isEmpty)
    }

    // MARK: - Log files

    func test_symlinkPlantedAtALogPath_inAStickyDirectory_isNotFollowed_andTheDaemonKeepsServing() throws {
        let shared = try stickyDirectory()
        let target = try victim()
        plantLink(to: target, at: shared + "/web.log")
        // A regular file the attacker made in advance, to read root's logs.
        let planted = shared + "/api.log"
        FileManager.default.createFile(atPath: planted, contents: nil)
        chown(planted, attacker, attacker)
        chmod(planted, 0o666)
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:web]
        command=/bin/sh -c 'while :; do echo secret-output; sleep 0.05; done'
        startsecs=0
        stdout_logfile=\(shared)/web.log
        [program:api]
        command=/bin/sh -c 'while :; do echo api-secret; sleep 0.05; done'
        startsecs=0
        stdout_logfile=\(planted)
        """)
        try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("both running") {
            !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty
                && !sandbox.logLines(containing: "success: api entered RUNNING").isEmpty
        }
        let s = try status()
        XCTAssertTrue(s.stdout.contains("web                              RUNNING"), s.stdout)
        XCTAssertFalse(sandbox.logLines(containing: "could not open log \(shared)/web.log for web: open(\(shared)/web.log): a symbolic link owned by uid 65534").isEmpty, sandbox.mainLog)
        XCTAssertFalse(sandbox.logLines(containing: "could not open log \(planted) for api: open(\(planted)): owned by uid 65534").isEmpty, sandbox.mainLog)
        // Both programs write a line every 50 ms: for several of them,
        // neither the link's target nor the planted file gets a byte.
        assertStays("the link's target and the planted file untouched", for: 0.3) {
            contents(target) == "precious root data\n" && contents(planted) == ""
        }
        // Nor is the target read back to a client through the link.
        let tail = try sandbox.ctl("tail", "web")
        XCTAssertFalse(tail.stdout.contains("precious"), tail.stdout)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_mainLogfileAtALinkPlantedInAStickyDirectory_refusesToStart_withTheReason() throws {
        let shared = try stickyDirectory()
        let target = try victim()
        plantLink(to: target, at: shared + "/main.log")
        try writeConfig(pidfile: sandbox.pidfilePath, logfile: shared + "/main.log", socket: false, """
        [program:web]
        command=/bin/sleep 1000
        """)
        let r = try sandbox.run(Binaries.swiftvisord, ["-n", "-c", sandbox.configPath], timeout: 10)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("Error: could not open the log file \(shared)/main.log: open(\(shared)/main.log): a symbolic link owned by uid 65534"), r.stderr)
        XCTAssertEqual(contents(target), "precious root data\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.pidfilePath), "the refused daemon leaves no pidfile")
    }

    func test_autoLogCleanup_inAStickyChildlogdir_removesOnlyTheDaemonsOwnFiles() throws {
        let shared = try stickyDirectory()
        let theirs = shared + "/web-stdout---supervisor-planted1.log"
        let ours = shared + "/web-stdout---supervisor-stale001.log"
        FileManager.default.createFile(atPath: theirs, contents: Data("theirs\n".utf8))
        XCTAssertEqual(chown(theirs, attacker, attacker), 0)
        FileManager.default.createFile(atPath: ours, contents: Data("stale\n".utf8))
        try writeConfig(pidfile: sandbox.pidfilePath, childlogdir: shared, """
        [program:web]
        command=/bin/sh -c 'echo auto-output; exec sleep 1000'
        startsecs=0
        """)
        try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("web running") { !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty }
        XCTAssertFalse(FileManager.default.fileExists(atPath: ours), "the previous run's AUTO log is cleaned up")
        XCTAssertEqual(contents(theirs), "theirs\n", "another user's file is not ours to delete")
        let fresh = try FileManager.default.contentsOfDirectory(atPath: shared).filter { $0.hasPrefix("web-stdout---") && $0 != "web-stdout---supervisor-planted1.log" }
        XCTAssertEqual(fresh.count, 1, "\(fresh)")
        waitUntil("AUTO log written") { contents(shared + "/" + (fresh.first ?? "")).contains("auto-output") }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_rotationInAStickyDirectory_underARacingAttacker_neverWritesThroughTheirLink() throws {
        let shared = try stickyDirectory()
        let target = try victim()
        let log = shared + "/web.log"
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:web]
        command=/bin/sh -c 'while :; do echo 0123456789012345678901234567890123456789012345678901234567890123456789; done'
        startsecs=0
        stdout_logfile=\(log)
        stdout_logfile_maxbytes=1KB
        stdout_logfile_backups=1
        """)
        try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("web running") { !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty }
        // The attacker: plant a link at the log's name whenever it is free
        // (between rotation's rename and the reopen), as uid 65534, in a tight loop.
        for tool in ["/usr/bin/setpriv", "/usr/bin/perl"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("needs \(tool) to run the racing attacker as uid 65534")
        }
        let racer = Process()
        racer.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        racer.arguments = ["--reuid=\(attacker)", "--regid=\(attacker)", "--clear-groups",
                           "/usr/bin/perl", "-e", "while (1) { symlink($ARGV[0], $ARGV[1]) }", target, log]
        try racer.run()
        sandbox.track(pid: racer.processIdentifier)
        // Many rotations against the racer: the log's size seen falling (a
        // fresh file after a rotation) at least 500 times.
        var rotations = 0, lastSize = -1
        waitUntil("500 rotations against the racer", timeout: 60, interval: 0.001) {
            let size = ((try? FileManager.default.attributesOfItem(atPath: log))?[.size] as? Int) ?? -1
            if size >= 0, lastSize >= 0, size < lastSize { rotations += 1 }
            if size >= 0 { lastSize = size }
            return rotations >= 500
        }
        racer.terminate()
        racer.waitUntilExit()
        // The log is still written (the racer could not take the name away).
        let identity = { () -> [Int] in
            guard let a = try? FileManager.default.attributesOfItem(atPath: log) else { return [] }
            return [(a[.systemFileNumber] as? Int) ?? 0, (a[.size] as? Int) ?? 0]
        }
        let before = identity()
        waitUntil("web.log keeps being written") { identity() != before && !identity().isEmpty }
        XCTAssertFalse(isSymlink(log))
        XCTAssertEqual(contents(target), "precious root data\n", "root wrote through the attacker's link")
        XCTAssertTrue(try status().stdout.contains("RUNNING"))
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_clear_ofALogAtDevStdout_writesNeverUnlinks() throws {
        let before = try FileManager.default.destinationOfSymbolicLink(atPath: "/dev/stdout")
        defer {
            // Repair the system if the bug replaced the link with a file.
            if !isSymlink("/dev/stdout") {
                unlink("/dev/stdout")
                symlink(before, "/dev/stdout")
            }
        }
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:web]
        command=/bin/sh -c 'echo to-stdout; sleep 1000'
        startsecs=0
        stdout_logfile=/dev/stdout
        stdout_logfile_maxbytes=0
        """)
        try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("web running") { !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty }
        let r = try sandbox.ctl("clear", "web")
        XCTAssertEqual(r.stdout, "web: cleared\n")
        XCTAssertTrue(isSymlink("/dev/stdout"), "clear replaced /dev/stdout")
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_logfileNamingAFifoNobodyReads_neverStallsTheDaemon_andTheReaderGetsTheOutput() throws {
        let fifo = sandbox.dir + "/out.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:web]
        command=/bin/sh -c 'echo hello-through-fifo; sleep 1000'
        startsecs=0
        stdout_logfile=\(fifo)
        [program:other]
        command=/bin/sleep 1000
        startsecs=0
        """)
        try startDaemon(pidfile: sandbox.pidfilePath)
        let started = Date()
        let s = try status(timeout: 5)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertTrue(s.stdout.contains("web                              RUNNING"), s.stdout + sandbox.mainLog)
        XCTAssertTrue(s.stdout.contains("other                            RUNNING"), s.stdout)
        // A reader that comes later gets what was written meanwhile.
        let fd = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var got = ""
        waitUntil("output through the FIFO") {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { got += String(decoding: buffer[0..<n], as: UTF8.self) }
            return got.contains("hello-through-fifo")
        }
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    // MARK: - The daemon's own output

    /// Run `swiftvisord -n` through /bin/sh with `redirections`; stop it once
    /// `log` (the main log unless given) says its program runs.
    private func runThroughShell(_ redirections: String, log: String? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exec '\(Binaries.swiftvisord)' -n -c '\(sandbox.configPath)' \(redirections)"]
        try p.run()
        sandbox.track(pid: p.processIdentifier)
        waitUntil("web running") { contents(log ?? sandbox.mainLogPath).contains("success: web entered RUNNING") }
        kill(p.processIdentifier, SIGTERM)
        waitUntil("daemon exit", timeout: 15) { !p.isRunning }
        XCTAssertEqual(p.terminationStatus, 0)
    }

    private func assertWholeLines(_ text: String, earlier: String?, file: StaticString = #filePath, line: UInt = #line) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let earlier {
            XCTAssertEqual(lines.first, earlier, "earlier content was overwritten", file: file, line: line)
            lines.removeFirst()
        }
        XCTAssertEqual(lines.last, "", "ends with a newline", file: file, line: line)
        for l in lines.dropLast() {
            XCTAssertNotNil(l.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ "#, options: .regularExpression),
                            "torn line: \(l)\n--- whole file ---\n\(text)", file: file, line: line)
        }
        XCTAssertEqual(lines.filter { $0.contains("supervisord started with pid") }.count, 1, text, file: file, line: line)
        XCTAssertEqual(lines.filter { $0.contains("received SIGTERM indicating exit request") }.count, 1, text, file: file, line: line)
    }

    /// One daemon with one program, run through the shell with `redirections`
    /// (`%OUT` is `output`, the main log unless given); `output` holds
    /// "EARLIER CONTENT" first when `earlier`; afterwards every line of it
    /// must be whole and written once.
    private func checkOwnOutput(_ redirections: String, logfile: String? = nil, output: String? = nil,
                                earlier: Bool, socket: Bool = false, line: UInt = #line) throws {
        let out = output ?? sandbox.mainLogPath
        try writeConfig(pidfile: sandbox.pidfilePath, logfile: logfile, socket: socket, """
        [program:web]
        command=/bin/sleep 1000
        startsecs=0
        """)
        if earlier { try "EARLIER CONTENT\n".write(toFile: out, atomically: false, encoding: .utf8) }
        try runThroughShell(redirections.replacingOccurrences(of: "%OUT", with: "'\(out)'"), log: out)
        assertWholeLines(contents(out), earlier: earlier ? "EARLIER CONTENT" : nil, line: line)
    }

    func test_stdoutAppendedToTheLogfile_linesNeverOverwriteEachOtherOrEarlierContent() throws {
        try checkOwnOutput(">> %OUT 2>&1", earlier: true)
    }

    func test_stdoutRedirectedOverTheLogfile_linesNeverOverwriteEachOther() throws {
        try checkOwnOutput("> %OUT 2>&1", earlier: false)
    }

    func test_logfileDevStdout_redirectedToAFileWithContent_appendsAfterIt() throws {
        try checkOwnOutput(">> %OUT", logfile: "/dev/stdout", output: sandbox.dir + "/out.txt", earlier: true)
    }

    func test_startedWithItsStandardStreamsClosed_theLogIsWhole() throws {
        try checkOwnOutput("<&- >&- 2>&-", earlier: false, socket: true)
    }

    // MARK: - One daemon per config

    func test_secondDaemonOnAConfigWithoutSocket_refusesAndLeavesTheFirstOnesFilesAlone() throws {
        try writeConfig(pidfile: sandbox.pidfilePath, socket: false, """
        [program:web]
        command=/bin/sh \(try sandbox.write("while :; do sleep 1; done\n", to: "web.sh"))
        startsecs=0
        [program:auto]
        command=/bin/sh \(try sandbox.write("echo auto-output; while :; do sleep 1; done\n", to: "auto.sh"))
        startsecs=0
        """)
        let first = try startDaemon(pidfile: sandbox.pidfilePath)
        let statePath = sandbox.pidfilePath + ".children"
        waitUntil("both running and recorded") {
            sandbox.logLines(containing: "entered RUNNING").count == 2 && contents(statePath).split(separator: "\n").count == 4
        }
        let autoLogs = try FileManager.default.contentsOfDirectory(atPath: sandbox.dir).filter { $0.hasPrefix("auto-stdout---") }
        XCTAssertEqual(autoLogs.count, 1)
        let pidBefore = contents(sandbox.pidfilePath), stateBefore = contents(statePath)

        let r = try sandbox.run(Binaries.swiftvisord, ["-n", "-c", sandbox.configPath], timeout: 15)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, """
            Error: Another swiftvisord (pid \(first.processIdentifier)) is already running with the pidfile \(sandbox.pidfilePath).  \
            Shut it down first before starting another one on the same configuration.
            For help, use \(Binaries.swiftvisord) -h

            """)
        XCTAssertEqual(contents(sandbox.pidfilePath), pidBefore)
        XCTAssertEqual(contents(statePath), stateBefore)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.dir + "/" + autoLogs[0]), "the first one's AUTO log was deleted")
        XCTAssertEqual(processesMentioning(sandbox.dir + "/web.sh").count + processesMentioning(sandbox.dir + "/auto.sh").count, 2,
                       "programs started twice")
        XCTAssertEqual(sandbox.logLines(containing: "supervisord started with pid").count, 1)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    func test_daemonized_keepsItsLockAndStateFile_andRemovesBothAtExit() throws {
        // Daemonizing closes inherited descriptors: the pidfile's lock and
        // directory must survive it, or the state file cannot be written.
        try writeConfig(pidfile: sandbox.pidfilePath, socket: false, """
        [program:web]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let launcher = try sandbox.run(Binaries.swiftvisord, ["-c", sandbox.configPath], timeout: 15)
        XCTAssertEqual(launcher.status, 0, launcher.stderr)
        let pid = try XCTUnwrap(Int32(contents(sandbox.pidfilePath).trimmingCharacters(in: .whitespacesAndNewlines)))
        sandbox.track(pid: pid)
        waitUntil("the state file records web") { contents(sandbox.pidfilePath + ".children").hasSuffix(" web\n") }
        XCTAssertTrue(sandbox.logLines(containing: "could not write child state file").isEmpty, sandbox.mainLog)
        let second = try sandbox.run(Binaries.swiftvisord, ["-c", sandbox.configPath], timeout: 15)
        XCTAssertEqual(second.status, 2, "a second daemonizing launcher is refused too")
        XCTAssertTrue(second.stderr.hasPrefix("Error: Another swiftvisord (pid \(pid)) is already running"), second.stderr)
        kill(pid, SIGTERM)
        waitUntil("pidfile and state file removed at exit") {
            !FileManager.default.fileExists(atPath: sandbox.pidfilePath)
                && !FileManager.default.fileExists(atPath: sandbox.pidfilePath + ".children")
        }
        waitUntil("daemon gone") { isGone(pid) }
    }

    func test_leftoverRunningAsAnotherUser_isProvenByItsMarker_andStopped() throws {
        // user=: the child runs as uid 65534; root still reads its
        // /proc/<pid>/environ, so the marker proves it after a crash.
        let script = try sandbox.write("while :; do sleep 0.2; done\n", to: "as-nobody.sh")
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:web]
        command=/bin/sh \(script)
        user=nobody
        startsecs=0
        stopwaitsecs=1
        """)
        let first = try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("web running and recorded") {
            !sandbox.logLines(containing: "success: web entered RUNNING").isEmpty
                && contents(sandbox.pidfilePath + ".children").hasSuffix(" web\n")
        }
        let leftover = try XCTUnwrap(processesMentioning(script).first)
        XCTAssertEqual(try String(contentsOfFile: "/proc/\(leftover)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first, "65534")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        sandbox.track(pid: leftover)
        try FileManager.default.removeItem(atPath: sandbox.pidfilePath)
        try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("the leftover is stopped and web runs again") {
            isGone(leftover) && sandbox.logLines(containing: "spawned: 'web' with pid").count == 2
        }
        XCTAssertEqual(sandbox.logLines(containing: "stopped leftover web (pid \(leftover))").count, 1, sandbox.mainLog)
        XCTAssertEqual(processesMentioning(script).count, 1)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }

    // MARK: - Crash recovery does not block start-up

    func test_afterASIGKILLedDaemon_socketAndUnaffectedProgramsComeUpAtOnce_theHeldOneStartsWhenItsLeftoverIsGone() throws {
        let dir = sandbox.dir
        _ = try sandbox.write("trap '' TERM; while :; do sleep 0.2; done\n", to: "stubborn.sh")
        try writeConfig(pidfile: sandbox.pidfilePath, """
        [program:stubborn]
        command=/bin/sh \(dir)/stubborn.sh
        startsecs=0
        stopwaitsecs=4
        [program:plain]
        command=/bin/sleep 1000
        startsecs=0
        """)
        let first = try startDaemon(pidfile: sandbox.pidfilePath)
        waitUntil("both running and recorded") {
            sandbox.logLines(containing: "entered RUNNING").count == 2
                && contents(sandbox.pidfilePath + ".children").split(separator: "\n").count == 4
        }
        let leftover = try XCTUnwrap(processesMentioning("\(dir)/stubborn.sh").first)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        sandbox.track(pid: leftover)
        try FileManager.default.removeItem(atPath: sandbox.pidfilePath)

        let launched = Date()
        try startDaemon(pidfile: sandbox.pidfilePath)
        // The socket answers and `plain` runs long before stopwaitsecs (4 s).
        var s = try status()
        waitUntil("plain running again", timeout: 2) {
            s = (try? status()) ?? s
            return s.stdout.contains("plain                            RUNNING")
        }
        XCTAssertLessThan(Date().timeIntervalSince(launched), 2.5, "start-up waited for the leftover")
        XCTAssertTrue(s.stdout.contains("stubborn                         STOPPED   stopping pid \(leftover) left by a previous swiftvisord"), s.stdout)
        XCTAssertFalse(isGone(leftover))
        // `start` now would run it twice: it waits until the leftover is gone
        // (SIGKILL at stopwaitsecs), then starts it and replies.
        let start = try sandbox.ctl("start", "stubborn")
        XCTAssertEqual(start.stdout, "stubborn: started\n")
        XCTAssertTrue(isGone(leftover))
        XCTAssertTrue(try status().stdout.contains("stubborn                         RUNNING"))
        XCTAssertEqual(processesMentioning("\(dir)/stubborn.sh").count, 1)
        let log = sandbox.mainLog
        let killed = try XCTUnwrap(log.range(of: "killing leftover stubborn (pid \(leftover)) with SIGKILL"), log)
        let respawned = try XCTUnwrap(log.range(of: "spawned: 'stubborn' with pid", options: .backwards), log)
        XCTAssertLessThan(killed.lowerBound, respawned.lowerBound)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
    }
}
