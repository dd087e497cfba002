// Event listeners end to end: real daemon, real children, real listeners
// (docs/events.md). The recording test runs the same scenario under
// supervisord 4.3.0 (SWV_SUPERVISOR_VENV, else .ci/venv, else a visible skip)
// and compares every envelope byte for byte, pids normalised.
import Foundation
import Glibc
import XCTest

final class EventListenerTests: XCTestCase {
    var sandboxes: [Sandbox] = []
    override func tearDown() { for s in sandboxes { s.cleanup() } }

    func sandbox(_ name: String = #function) throws -> Sandbox {
        let s = try Sandbox(name: name)
        sandboxes.append(s)
        return s
    }

    static let fixtures = Paths.packageRoot + "/Tests/Fixtures/events"

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The envelopes a recording listener wrote, split.
    static func envelopes(_ text: String) -> [String] {
        text.components(separatedBy: "\n---\n").filter { !$0.isEmpty }
    }

    /// pids vary between runs; so does the interleaving of different
    /// processes' events (supervisord promotes on its 1 s loop), hence the
    /// serials. Each envelope is kept whole otherwise, `len` included.
    static func normalised(_ envelope: String) -> String {
        // `len` is checked against the payload (in code points) before the
        // pids in the payload are replaced, then marked checked.
        var s = envelope
        let parts = envelope.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, let lenText = parts[0].split(separator: "len:").last, let len = Int(lenText),
           len == parts[1].unicodeScalars.count {
            s = s.replacingOccurrences(of: "len:\(len)\n", with: "len:ok\n")
        }
        for key in ["pid", "serial", "poolserial"] {
            s = s.replacingOccurrences(of: "\(key):[0-9]+", with: "\(key):N", options: .regularExpression)
        }
        return s
    }

    /// Envelopes by the process (or group) they are about, in order.
    static func byProcess(_ envelopes: [String]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for e in envelopes {
            let payload = e.split(separator: "\n", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            let key = payload.split(separator: " ").first.map(String.init) ?? "(daemon)"
            out[key, default: []].append(normalised(e))
        }
        return out
    }

    /// `crash` exits at once; its long `startsecs` keeps supervisord clear of
    /// its race (a child that exited but was not reaped before `startsecs`
    /// is promoted to RUNNING: docs/architecture.md), seen under load.
    func scenario(_ dir: String, recording: String, python: String) -> String {
        """
        [eventlistener:rec]
        command=\(python) -u \(Self.fixtures)/recording-listener.py \(recording)
        events=PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE_RUNNING,PROCESS_LOG
        buffer_size=100
        startsecs=0
        [program:crash]
        command=/bin/sh -c "exit 3"
        startsecs=5
        startretries=1
        [program:talker]
        command=/bin/sh -c "sleep 0.3; printf 'hello \\303\\251 \\360\\237\\221\\215\\n'; exec sleep 1000"
        startsecs=0
        stdout_events_enabled=true

        """
    }


    /// Runs the config `config(sandbox)` under supervisord 4.3.0 (from
    /// `python`'s virtualenv), then under swiftvisord, each in its own
    /// sandbox until `done(sandbox)`, and stops each; returns the two
    /// sandboxes, supervisord's first.
    /// Each daemon's stdout and stderr are kept in `daemon.stdout` and
    /// `daemon.stderr` of its sandbox.
    func bothDaemons(python: String, args: [String] = [], loglevel: String = "info", config: (Sandbox) -> String, until done: @escaping (Sandbox) -> Bool,
                     function: String = #function) throws -> [Sandbox] {
        let supervisord = (python as NSString).deletingLastPathComponent + "/supervisord"
        var out: [Sandbox] = []
        for useSupervisord in [true, false] {
            let s = try sandbox(function + (useSupervisord ? "-supervisord" : ""))
            try s.writeConfig(config(s), loglevel: loglevel)
            if useSupervisord {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: supervisord)
                p.arguments = ["-n", "-c", s.configPath] + args
                for name in ["daemon.stdout", "daemon.stderr"] { FileManager.default.createFile(atPath: s.dir + "/" + name, contents: nil) }
                p.standardOutput = FileHandle(forWritingAtPath: s.dir + "/daemon.stdout")
                p.standardError = FileHandle(forWritingAtPath: s.dir + "/daemon.stderr")
                try p.run()
                s.track(pid: p.processIdentifier)
                waitUntil("supervisord's run is complete", timeout: 20) { done(s) }
                for child in descendants(of: p.processIdentifier) { s.track(pid: child) }
                kill(p.processIdentifier, SIGTERM)
                waitUntil("supervisord exit", timeout: 20) { !p.isRunning }
            } else {
                try s.startDaemon(extraArgs: args, stdoutFile: "daemon.stdout")
                waitUntil("swiftvisord's run is complete", timeout: 20) { done(s) }
                s.stopDaemon()
            }
            out.append(s)
        }
        return out
    }

    func test_recordingListener_receivesWhatSupervisord430Sends_byteForByte() throws {
        let python = try Supervisor430.python()
        let runs = try bothDaemons(python: python, config: { self.scenario($0.dir, recording: $0.dir + "/rec.out", python: python) }) { s in
            self.read(s.dir + "/rec.out").contains("PROCESS_STATE_FATAL") && self.read(s.dir + "/rec.out").contains("PROCESS_LOG_STDOUT")
        }
        let (theirs, ours) = (Self.envelopes(read(runs[0].dir + "/rec.out")), Self.envelopes(read(runs[1].dir + "/rec.out")))
        // Events nobody could interleave differently: the start-up sequence.
        XCTAssertEqual(Array(ours.prefix(4).map(Self.normalised)), Array(theirs.prefix(4).map(Self.normalised)))
        XCTAssertEqual(ours.first, "ver:3.0 server:supervisor serial:0 pool:rec poolserial:0 eventname:PROCESS_GROUP_ADDED len:14\ngroupname:rec\n")
        // Up to each one's shutdown (whose stop order is timing), per process.
        func untilShutdown(_ e: [String]) -> [String] { Array(e.prefix { !$0.contains("from_state:RUNNING pid") || !$0.contains("STOPPING") }) }
        let theirsBy = Self.byProcess(untilShutdown(theirs)), oursBy = Self.byProcess(untilShutdown(ours))
        for key in ["processname:crash", "processname:talker", "processname:rec", "groupname:rec", "groupname:crash", "groupname:talker"] {
            XCTAssertEqual(oursBy[key], theirsBy[key], key)
        }
        XCTAssertNotNil(oursBy["processname:talker"]?.first { $0.contains("len:ok\nprocessname:talker groupname:talker pid:N channel:stdout\nhello é 👍\n") },
                        "len counts code points: \(oursBy["processname:talker"] ?? [])")
        // Serials: consecutive from 0, the same number in the pool.
        for (i, e) in ours.enumerated() {
            XCTAssertTrue(e.hasPrefix("ver:3.0 server:supervisor serial:\(i) pool:rec poolserial:\(i) "), e)
        }
    }

    /// Capture mode on both channels: text around the tokens logged, the
    /// captured text as PROCESS_COMMUNICATION (one event per END, with
    /// BoundIO's rule when a capture passes maxbytes: 30-byte writes into
    /// 40 bytes keep only the last), PROCESS_LOG for every piece, inside the
    /// tokens too. Each write is longer than a token, and the child pauses
    /// between writes, so both daemons read the same chunks.
    func captureScenario(_ dir: String, python: String) -> String {
        let begin = "<!--XSUPERVISOR:BEGIN-->", end = "<!--XSUPERVISOR:END-->"
        func script(_ redirect: String) -> String {
            let writes = [
                "before the token, logged \\303\\251 \(begin)captured \\303\\251 and a comm event\(end) after it, logged\\n",
                "\(begin)AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\(end)tail after the second comm event\\n",
            ]
            return "/bin/sh -c \"" + writes.map { "sleep 0.3; printf '\($0)'\(redirect)" }.joined(separator: "; ") + "; exec sleep 1000\""
        }
        return """
        [eventlistener:rec]
        command=\(python) -u \(Self.fixtures)/recording-listener.py \(dir)/rec.out
        events=PROCESS_COMMUNICATION,PROCESS_LOG
        buffer_size=100
        startsecs=0
        [program:out]
        command=\(script(""))
        startsecs=0
        stdout_capture_maxbytes=40
        stdout_events_enabled=true
        stdout_logfile=\(dir)/out.log
        [program:err]
        command=\(script(" >&2"))
        startsecs=0
        stderr_capture_maxbytes=40
        stderr_events_enabled=true
        stderr_logfile=\(dir)/err.log

        """
    }

    func test_captureMode_commEventsAndLogs_matchSupervisord430_byteForByte() throws {
        let python = try Supervisor430.python()
        let runs = try bothDaemons(python: python, config: { self.captureScenario($0.dir, python: python) }) { s in
            self.read(s.dir + "/rec.out").components(separatedBy: "eventname:PROCESS_COMMUNICATION_").count == 5
                && self.read(s.dir + "/out.log").hasSuffix("event\n") && self.read(s.dir + "/err.log").hasSuffix("event\n")
        }
        let (theirs, ours) = (Self.envelopes(read(runs[0].dir + "/rec.out")), Self.envelopes(read(runs[1].dir + "/rec.out")))
        let theirsBy = Self.byProcess(theirs), oursBy = Self.byProcess(ours)
        for key in ["processname:out", "processname:err"] {
            XCTAssertEqual(oursBy[key], theirsBy[key], key)
        }
        for log in ["out.log", "err.log"] {
            XCTAssertEqual(read(runs[1].dir + "/" + log), read(runs[0].dir + "/" + log), log)
        }
        XCTAssertEqual(read(runs[1].dir + "/out.log"), "before the token, logged é  after it, logged\ntail after the second comm event\n")
        XCTAssertEqual(oursBy["processname:err"]?.filter { $0.contains("PROCESS_COMMUNICATION") },
                       ["ver:3.0 server:supervisor serial:N pool:rec poolserial:N eventname:PROCESS_COMMUNICATION_STDERR len:ok\nprocessname:err groupname:err pid:N\ncaptured é and a comm event",
                        "ver:3.0 server:supervisor serial:N pool:rec poolserial:N eventname:PROCESS_COMMUNICATION_STDERR len:ok\nprocessname:err groupname:err pid:N\nCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"])
    }

    func test_fatalexitListener_shutsTheDaemonDown_whenAProgramGoesFatal() throws {
        let s = try sandbox()
        let listener = read(Self.fixtures + "/fatalexit.conf")
        try s.writeConfig(listener + """

        [program:crash]
        command=/bin/sh -c "exit 1"
        startsecs=1
        startretries=0

        """)
        let daemon = try s.startDaemon()
        waitUntil("the daemon exits", timeout: 20) { !daemon.isRunning }
        XCTAssertEqual(s.logLines(containing: "gave up: crash entered FATAL state").count, 1, s.mainLog)
        XCTAssertEqual(s.logLines(containing: "received SIGQUIT indicating exit request").count, 1, s.mainLog)
        XCTAssertEqual(daemon.terminationStatus, 0)
    }

    /// A pool of one listener whose first run reads one event, records it
    /// in `got` and then does `firstRun` (misbehaves); later runs record each
    /// event they get and accept it. Returns the path of `got`.
    func oneBadRunListener(_ s: Sandbox, events: String, firstRun: String, loglevel: String = "info") throws -> String {
        let got = s.dir + "/got"
        let script = try s.write("""
        #!/bin/sh
        printf 'READY\\n'
        read line
        len=${line##*len:}
        payload=$(head -c "$len")
        printf '%s|%s\\n' "$line" "$payload" >> \(got)
        if [ ! -e \(s.dir)/ran ]; then
            : > \(s.dir)/ran
            \(firstRun)
        fi
        printf 'RESULT 2\\nOK'
        exec sleep 1000

        """, to: "listener.sh", executable: true)
        try s.writeConfig("""
        [eventlistener:pool]
        command=\(script)
        events=\(events)
        startsecs=0
        autorestart=true

        """, loglevel: loglevel)
        try s.startDaemon()
        return got
    }

    func test_garbageListener_goesUnknown_withSupervisordLines_andItsEventIsNotLost() throws {
        let s = try sandbox()
        let got = try oneBadRunListener(s, events: "PROCESS_GROUP_ADDED", firstRun: "printf 'garbage\\n'; sleep 0.2; exit 1", loglevel: "debug")
        waitUntil("the event reaches the second run", timeout: 20) { read(got).split(separator: "\n").count == 2 }
        XCTAssertEqual(read(got), String(repeating: "ver:3.0 server:supervisor serial:0 pool:pool poolserial:0 eventname:PROCESS_GROUP_ADDED len:15|groupname:pool\n", count: 2),
                       "the same event (serial 0), delivered again")
        XCTAssertEqual(s.logLines(containing: "WARN pool: bad result line: 'garbage'").count, 1, s.mainLog)
        XCTAssertEqual(s.logLines(containing: "DEBG pool: BUSY -> UNKNOWN").count, 1)
        XCTAssertEqual(s.logLines(containing: "WARN pool: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol").count, 1)
        XCTAssertEqual(s.logLines(containing: "DEBG rebuffering event 0 for pool pool (buf size=0, max=10)").count, 1, s.mainLog)
        s.stopDaemon()
    }

    func test_listenerExitingMidEvent_isRestarted_andGetsTheSameEventAgain() throws {
        let s = try sandbox()
        // The first run dies without answering (BUSY).
        let got = try oneBadRunListener(s, events: "SUPERVISOR_STATE_CHANGE_RUNNING", firstRun: "exit 3")
        waitUntil("the second run got it", timeout: 20) { read(got).split(separator: "\n").count == 2 }
        XCTAssertEqual(read(got), String(repeating: "ver:3.0 server:supervisor serial:0 pool:pool poolserial:0 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0|\n", count: 2))
        s.stopDaemon()
    }

    func test_hostileListeners_floodingOrNeverReading_leaveTheDaemonServing() throws {
        let s = try sandbox()
        // `flood` writes garbage without end; `deaf` never reads its stdin, so
        // the envelopes of a chatty program fill its pipe.
        try s.writeConfig("""
        [eventlistener:flood]
        command=/bin/sh -c "printf 'READY\\n'; exec yes garbage"
        events=PROCESS_LOG
        startsecs=0
        stdout_logfile=NONE
        [eventlistener:deaf]
        command=/bin/sh -c "printf 'READY\\n'; exec sleep 1000"
        events=PROCESS_LOG
        startsecs=0
        buffer_size=5
        [program:chatty]
        command=/bin/sh -c "while :; do head -c 70000 /dev/zero | tr '\\\\0' x; echo; sleep 0.01; done"
        stdout_events_enabled=true
        stdout_logfile=\(s.dir)/chatty.log
        stdout_logfile_maxbytes=0
        startsecs=0

        """)
        try s.startDaemon()
        waitUntil("flood UNKNOWN and deaf overflowing", timeout: 15) {
            s.logLines(containing: "flood: has entered the UNKNOWN state").count == 1
                && s.logLines(containing: "pool deaf event buffer overflowed").count > 3
        }
        for _ in 0..<3 {
            let r = try s.ctl("status", "chatty")
            XCTAssertTrue(r.stdout.hasPrefix("chatty") && r.stdout.contains("RUNNING"), r.stdout)
        }
        // The program's output still reaches its log while both listeners lag.
        waitUntil("chatty's log passes 2 MB", timeout: 15) {
            ((try? FileManager.default.attributesOfItem(atPath: s.dir + "/chatty.log"))?[.size] as? Int ?? 0) > 2_000_000
        }
        s.stopDaemon()
    }

    /// A listener that records each event's name and process on a line of
    /// `got`, accepts it and says READY in the same write, and ignores
    /// SIGTERM (so it would read whatever is sent to it while it is being stopped).
    func stubbornRecorder(_ s: Sandbox, got: String) throws -> String {
        try s.write("""
        #!/bin/sh
        trap '' TERM
        printf 'READY\\n'
        while :; do
            read line || exit 0
            len=${line##*len:}
            payload=$(head -c "$len")
            name=${line##*eventname:}
            printf '%s %s\\n' "${name%% *}" "${payload%% groupname*}" >> \(got)
            printf 'RESULT 2\\nOKREADY\\n'
        done

        """, to: "recorder.sh", executable: true)
    }

    func test_shutdown_listenerHearsTheOtherProgramsStop_butNotItsOwn() throws {
        let s = try sandbox()
        let got = s.dir + "/got"
        try s.writeConfig("""
        [eventlistener:rec]
        command=\(try stubbornRecorder(s, got: got))
        events=PROCESS_STATE_STOPPING,PROCESS_STATE_STOPPED
        startsecs=0
        stopwaitsecs=1
        [program:a]
        command=/bin/sleep 1000
        startsecs=0
        [program:b]
        command=/bin/sleep 1000
        startsecs=0

        """)
        try s.startDaemon()
        waitUntil("all running", timeout: 10) { s.logLines(containing: "entered RUNNING").count == 3 }
        XCTAssertEqual(s.stopDaemon(), 0)
        // Only RUNNING listeners are sent events (as supervisord): not the
        // STOPPING of the listener itself, although it still reads.
        XCTAssertEqual(read(got), """
        PROCESS_STATE_STOPPING processname:b
        PROCESS_STATE_STOPPED processname:b
        PROCESS_STATE_STOPPING processname:a
        PROCESS_STATE_STOPPED processname:a

        """)
    }

    func test_tick5_comesAtTheBoundary_withTheAlignedWhen() throws {
        let s = try sandbox()
        let got = s.dir + "/got"
        let script = try s.write("""
        #!/bin/sh
        while :; do
            printf 'READY\\n'
            read line || exit 0
            len=${line##*len:}
            payload=$(head -c "$len")
            printf '%s %s\\n' "$payload" "$(date +%s.%N)" >> \(got)
            printf 'RESULT 2\\nOK'
        done

        """, to: "listener.sh", executable: true)
        try s.writeConfig("""
        [eventlistener:ticks]
        command=\(script)
        events=TICK_5
        startsecs=0

        """)
        try s.startDaemon()
        waitUntil("two ticks", timeout: 15) { read(got).split(separator: "\n").count >= 2 }
        for line in read(got).split(separator: "\n").prefix(2) {
            let parts = line.split(separator: " ")
            let when = Int(parts[0].dropFirst("when:".count)) ?? -1
            let received = Double(parts[1]) ?? 0
            XCTAssertEqual(when % 5, 0, String(line))
            XCTAssertGreaterThanOrEqual(received, Double(when), String(line))
            XCTAssertLessThan(received, Double(when) + 0.9, "delivered at the boundary, not up to a second late: \(line)")
        }
        s.stopDaemon()
    }

    /// A command installed beside supervisor 4.3.0 (.ci/run installs it)
    /// and that virtualenv's python, or a visible skip.
    func besideSupervisor(_ command: String, from package: String) throws -> (python: String, path: String) {
        let python = try Supervisor430.python()
        let path = (python as NSString).deletingLastPathComponent + "/" + command
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("\(package) not installed beside supervisor 4.3.0 (\(path)): .ci/run installs it")
        }
        return (python, path)
    }

    func test_superlanceCrashmail_mailsWhenAProgramExitsUnexpectedly() throws {
        // superlance's crashmail, the real one (installed beside supervisor
        // 4.3.0), with a stand-in sendmail that keeps the mail.
        let (_, crashmail) = try besideSupervisor("crashmail", from: "superlance's crashmail")
        let s = try sandbox()
        let mail = s.dir + "/mail"
        let sendmail = try s.write("#!/bin/sh\ncat >> \(mail)\n", to: "sendmail", executable: true)
        try s.writeConfig("""
        [eventlistener:crashmail]
        command=\(crashmail) -a -m ops@example.com -s \(sendmail)
        events=PROCESS_STATE
        startsecs=0
        [program:fine]
        command=/bin/sh -c "sleep 1.2; exit 0"
        startsecs=1
        autorestart=false
        [program:crashy]
        command=/bin/sh -c "sleep 1.2; exit 7"
        startsecs=1
        autorestart=false

        """)
        try s.startDaemon()
        waitUntil("a mail", timeout: 20) { read(mail).contains("exited unexpectedly") }
        waitUntil("both exited", timeout: 10) { s.logLines(containing: "exited: ").count == 2 }
        let text = read(mail)
        XCTAssertTrue(text.hasPrefix("To: ops@example.com\nSubject:  crashy crashed at "), text)
        XCTAssertTrue(text.range(of: #"\n\nProcess crashy in group crashy exited unexpectedly \(pid [0-9]+\) from state RUNNING$"#, options: .regularExpression) != nil, text)
        XCTAssertFalse(text.contains("fine"), "an expected exit is not mailed")
        s.stopDaemon()
    }

    /// superlance's memmon, the real one: on TICK_5 it asks swiftvisord over
    /// XML-RPC (getAllProcessInfo, then stopProcess/startProcess) and
    /// restarts the program whose RSS is over its limit.
    func test_superlanceMemmon_restartsAProgramOverItsMemoryLimit_overXMLRPC() throws {
        let (python, memmon) = try besideSupervisor("memmon", from: "superlance's memmon")
        let s = try sandbox()
        try s.writeConfig("""
        [eventlistener:memmon]
        command=\(memmon) -p hog=16MB -p small=500MB
        events=TICK_5
        startsecs=0
        [program:hog]
        command=\(python) -c "import time; x = bytearray(64 << 20); x[::4096] = b'1' * len(x[::4096]); time.sleep(1000)"
        startsecs=0
        [program:small]
        command=/bin/sleep 1000
        startsecs=0

        """)
        try s.startDaemon()
        waitUntil("hog spawned", timeout: 10) { s.logLines(containing: "spawned: 'hog'").count == 1 }
        waitUntil("memmon restarts hog", timeout: 20) { s.logLines(containing: "spawned: 'hog'").count >= 2 }
        XCTAssertEqual(s.logLines(containing: "stopped: hog").count >= 1, true, s.mainLog)
        XCTAssertEqual(s.logLines(containing: "spawned: 'small'").count, 1, "small is under its limit: \(s.mainLog)")
        s.stopDaemon()
    }

    /// superlance's httpok, the real one: on TICK_5 it fetches a URL and,
    /// when it fails, restarts the program over XML-RPC (getProcessInfo,
    /// stopProcess, startProcess).
    func test_superlanceHttpok_restartsAProgramWhoseURLFails_overXMLRPC() throws {
        let (_, httpok) = try besideSupervisor("httpok", from: "superlance's httpok")
        let s = try sandbox()
        // A port nobody listens on: bound and closed, so it refuses connections.
        let port = try Self.refusedPort()
        try s.writeConfig("""
        [eventlistener:httpok]
        command=\(httpok) -p web -t 2 http://127.0.0.1:\(port)/
        events=TICK_5
        startsecs=0
        [program:web]
        command=/bin/sleep 1000
        startsecs=0

        """)
        try s.startDaemon()
        // At least once: under load httpok's first TICK_5 can restart it before this first look.
        waitUntil("web spawned", timeout: 10) { s.logLines(containing: "spawned: 'web'").count >= 1 }
        waitUntil("httpok restarts web", timeout: 20) { s.logLines(containing: "spawned: 'web'").count >= 2 }
        XCTAssertGreaterThanOrEqual(s.logLines(containing: "stopped: web").count, 1, s.mainLog)
        s.stopDaemon()
    }

    /// A loopback port that refuses connections (bound, then closed).
    static func refusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw XCTSkip("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func test_bufferOverflow_dropsOldest_withSupervisordLine() throws {
        let s = try sandbox()
        // Never READY: every event waits in the buffer of 2.
        try s.writeConfig("""
        [eventlistener:slow]
        command=/bin/sleep 1000
        events=PROCESS_GROUP_ADDED,SUPERVISOR_STATE_CHANGE_RUNNING,PROCESS_STATE_STARTING
        buffer_size=2
        [program:a]
        command=/bin/sleep 1000

        """)
        try s.startDaemon()
        waitUntil("overflow lines", timeout: 10) { s.logLines(containing: "event buffer overflowed").count >= 3 }
        XCTAssertEqual(s.logLines(containing: "event buffer overflowed").map { $0.split(separator: " ", maxSplits: 2).last.map(String.init) ?? "" },
                       ["ERRO pool slow event buffer overflowed, discarding event 0",
                        "ERRO pool slow event buffer overflowed, discarding event 1",
                        "ERRO pool slow event buffer overflowed, discarding event 2"])
        s.stopDaemon()
    }

    /// A listener's stdin is a 1 MiB pipe, so an envelope carrying a whole
    /// 64 KiB chunk of output goes out in one write (docs/events.md, "Cost").
    /// The listener here never reads: the envelope it was sent stays in the pipe.
    func test_listenerStdin_is1MiB_soAWhole64KiBEnvelopeGoesOutAtOnce() throws {
        let maxSize = Int((try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        try XCTSkipIf(maxSize < 1 << 20, "pipe-max-size is \(maxSize): the daemon keeps 64 KiB pipes then")
        let s = try sandbox()
        try s.writeConfig("""
        [eventlistener:deaf]
        command=/bin/sh -c "printf 'READY\\n'; exec sleep 1000"
        events=PROCESS_LOG
        startsecs=0
        [program:talker]
        command=/bin/sh -c "sleep 0.5; echo hello; exec sleep 1000"
        stdout_events_enabled=true
        startsecs=0

        """)
        try s.startDaemon()
        var pid: Int32 = 0
        waitUntil("the listener runs", timeout: 10) {
            pid = Int32((try? s.ctl("pid", "deaf").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "") ?? 0
            return pid > 0
        }
        // The same pipe, opened again through /proc: its size and what it holds.
        let fd = open("/proc/\(pid)/fd/0", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(fcntl(fd, 1032 /* F_GETPIPE_SZ */), 1 << 20)
        var held: Int32 = 0
        waitUntil("the envelope is in the pipe", timeout: 10) {
            _ = ioctl(fd, UInt(FIONREAD), &held)
            return held > 0
        }
        s.stopDaemon()
    }

    /// A program writing `one\ntwo\n`, `partial` (no newline), `oops\n` on
    /// stderr and `last\n`, each in its own chunk, heard by the pool `out`
    /// with `result_handler`.
    func printingScenario(listener: String, handler: String) -> String {
        """
        [eventlistener:out]
        command=\(listener)
        events=PROCESS_LOG
        buffer_size=100
        result_handler=\(handler)
        startsecs=0
        [program:web]
        command=/bin/sh -c "sleep 0.3; printf 'one\\ntwo\\n'; sleep 0.3; printf 'partial'; sleep 0.3; printf 'oops\\n' >&2; sleep 0.3; printf 'last\\n'; exec sleep 1000"
        stdout_events_enabled=true
        stderr_events_enabled=true
        startsecs=0

        """
    }

    /// What supervisor_stdout's handler prints for those chunks, from its
    /// Python 2 source: the prefix once per chunk, and print's soft space
    /// after a chunk that does not end in a newline (checked against the
    /// real handler under Python 2 in `test_realSupervisorStdout_...`).
    static let supervisorStdoutPrinted = "web stdout | one\ntwo\nweb stdout | partial web stderr | oops\nweb stdout | last\n"

    func test_supervisorStdoutHandler_printsEachChunkWithItsPrefix_onTheDaemonsStdout() throws {
        let s = try sandbox()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no /usr/bin/python3 for the listener") }
        try s.writeConfig(printingScenario(listener: "/usr/bin/python3 -u \(Self.fixtures)/supervisor-stdout-listener.py",
                                           handler: "supervisor_stdout:event_handler"))
        // -s: the main log is not echoed on stdout, which holds the handler's output alone.
        try s.startDaemon(extraArgs: ["-s"], stdoutFile: "daemon.stdout")
        let out = s.dir + "/daemon.stdout"
        waitUntil("every chunk printed", timeout: 15) { read(out).contains("last") }
        XCTAssertEqual(read(out), Self.supervisorStdoutPrinted)
        XCTAssertEqual(s.logLines(containing: "UNKNOWN").count, 0, s.mainLog)
        s.stopDaemon()
    }

    /// The real `supervisor_stdout` listener command from PyPI
    /// (supervisor-stdout 0.1.1, installed beside supervisor 4.3.0) is Python
    /// 2 code: under Python 3 the module does not even import. With a Python
    /// 2 (SWV_PYTHON2, else `python2.7` on PATH) it runs as the listener, and
    /// the real handler run by that Python 2 on the same chunks gives the
    /// bytes the daemon must print.
    func test_realSupervisorStdout_underPython2_printsWhatItsHandlerPrints() throws {
        let python = try Supervisor430.python()
        let module = try Self.sitePackages(python) + "/supervisor_stdout.py"
        guard FileManager.default.fileExists(atPath: module) else {
            throw XCTSkip("supervisor-stdout 0.1.1 not installed beside supervisor 4.3.0 (\(module)): .ci/run installs it")
        }
        let env = ProcessInfo.processInfo.environment
        let python2 = env["SWV_PYTHON2"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["PATH"] ?? "").split(separator: ":").map { $0 + "/python2.7" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let s = try sandbox()
        guard let python2, (try? s.run(python2, ["-c", "print 'ok'"]).stdout) == "ok\n" else {
            throw XCTSkip("no Python 2 to run supervisor_stdout's real listener (set SWV_PYTHON2 or put python2.7 on PATH)")
        }
        let oracle = try s.run(python2, ["-c", """
            import sys; sys.path.insert(0, '\((module as NSString).deletingLastPathComponent)')
            from supervisor_stdout import event_handler
            for channel, data in [('stdout', 'one\\ntwo\\n'), ('stdout', 'partial'), ('stderr', 'oops\\n'), ('stdout', 'last\\n')]:
                event_handler(None, 'processname:web groupname:web pid:7 channel:%s\\n%s' % (channel, data))
            """])
        XCTAssertEqual(oracle.stdout, Self.supervisorStdoutPrinted, oracle.stderr)
        try s.writeConfig(printingScenario(listener: "\(python2) -u \(module)", handler: "supervisor_stdout:event_handler"))
        try s.startDaemon(extraArgs: ["-s"], stdoutFile: "daemon.stdout")
        waitUntil("every chunk printed", timeout: 15) { self.read(s.dir + "/daemon.stdout").contains("last") }
        XCTAssertEqual(read(s.dir + "/daemon.stdout"), oracle.stdout)
        XCTAssertEqual(s.logLines(containing: "UNKNOWN").count, 0, s.mainLog)
        s.stopDaemon()
    }

    static func sitePackages(_ python: String) throws -> String {
        let lib = ((python as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/lib"
        let version = try FileManager.default.contentsOfDirectory(atPath: lib).first { $0.hasPrefix("python3") } ?? "python3"
        return lib + "/" + version + "/site-packages"
    }

    /// supervisor-stdlog 0.7.9 from PyPI, its real listener and its real
    /// `supervisor_stdlog:log_handler` inside supervisord 4.3.0, against
    /// swiftvisord's native handler with the same listener: the same bytes
    /// on each daemon's stdout and stderr (colours, padding, the stderr
    /// channel on stderr). Two programs, so the pad width grows and the
    /// colours follow supervisord's cycle.
    func test_realSupervisorStdlog_printsWhatItPrintsUnderSupervisord430() throws {
        let (python, listener) = try besideSupervisor("supervisor-stdlog", from: "supervisor-stdlog 0.7.9")
        let config = printingScenario(listener: listener, handler: "supervisor_stdlog:log_handler") + """
        [program:worker_long]
        command=/bin/sh -c "sleep 0.45; printf 'working\\n'; sleep 0.3; printf 'err\\nline\\n' >&2; exec sleep 1000"
        stderr_events_enabled=true
        stdout_events_enabled=true
        startsecs=0

        """
        // supervisord's Python stdout is block-buffered: its output is there
        // at exit. Wait for the handler to have processed all 6 chunks (DEBG).
        let runs = try bothDaemons(python: python, args: ["-s"], loglevel: "debug", config: { _ in config }) { s in
            s.logLines(containing: "out: event was processed").count == 6
        }
        for stream in ["daemon.stdout", "daemon.stderr"] {
            XCTAssertEqual(read(runs[1].dir + "/" + stream), read(runs[0].dir + "/" + stream), stream)
        }
        XCTAssertTrue(read(runs[1].dir + "/daemon.stderr").contains("\u{1B}[31moops\u{1B}[m\n"), read(runs[1].dir + "/daemon.stderr"))
    }

    /// supervisord-dependent-startup 1.4.0 from PyPI: it reads the config
    /// itself, asks swiftvisord over XML-RPC what runs, finds `a` and `b`
    /// already handled natively (b only after a is RUNNING) and exits 0.
    /// It needs swiftvisord's HTTP interface: until that serves XML-RPC the
    /// test says so and skips.
    func test_realDependentStartup_startsBAfterAIsRunning_thenExits() throws {
        let (python, listener) = try besideSupervisor("supervisord-dependent-startup", from: "supervisord-dependent-startup 1.4.0")
        let s = try sandbox()
        try s.writeConfig("""
        [eventlistener:dependentstartup]
        command=\(listener) -c \(s.configPath)
        autostart=true
        autorestart=unexpected
        startretries=0
        exitcodes=0,3
        events=PROCESS_STATE
        [program:a]
        command=/bin/sh -c "sleep 0.5; exec sleep 1000"
        autostart=false
        startsecs=1
        dependent_startup=true
        [program:b]
        command=/bin/sleep 1000
        autostart=false
        startsecs=0
        dependent_startup=true
        dependent_startup_wait_for=a:running

        """)
        try s.startDaemon()
        // The listener's own client library, asking what it will ask first.
        let probe = try s.run(python, ["-c", """
            from supervisor import childutils
            try:
                print(childutils.getRPCInterface({'SUPERVISOR_SERVER_URL': 'unix://\(s.socketPath)'}).supervisor.getAPIVersion())
            except Exception as e:
                print('no XML-RPC: %s: %s' % (type(e).__name__, e))
            """])
        guard probe.stdout == "3.0\n" else {
            s.stopDaemon()
            throw XCTSkip("swiftvisord does not serve XML-RPC on its socket yet (\(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines))): supervisord-dependent-startup calls back over XML-RPC")
        }
        // swiftvisord reads dependent_startup natively (docs/dependencies.md):
        // it starts a, then b once a is RUNNING, by itself. The listener, the
        // same code as under supervisord, finds nothing left to start and
        // exits 0 ("Found no services to start").
        waitUntil("b spawned and the listener gone", timeout: 20) {
            s.logLines(containing: "spawned: 'b'").count == 1 && s.logLines(containing: "exited: dependentstartup (exit status 0;").count == 1
        }
        let lines = s.mainLog.split(separator: "\n").map(String.init)
        let aRunning = lines.firstIndex { $0.contains("success: a entered RUNNING") }, bSpawned = lines.firstIndex { $0.contains("spawned: 'b'") }
        XCTAssertNotNil(aRunning, s.mainLog)
        XCTAssertNotNil(bSpawned, s.mainLog)
        XCTAssertLessThan(aRunning ?? .max, bSpawned ?? -1, "b waits for a: \(s.mainLog)")
        s.stopDaemon()
    }

    func test_noListener_noTickTimer_daemonStaysAsleep() throws {
        // With no pool subscribed to a tick, the daemon arms no periodic
        // timer: over two seconds its main thread is not woken once (each
        // epoll_wait return after a sleep is a voluntary context switch).
        let s = try sandbox()
        try s.writeConfig("""
        [eventlistener:states]
        command=/bin/sleep 1000
        events=PROCESS_STATE
        startsecs=0
        [program:a]
        command=/bin/sleep 1000
        startsecs=0

        """)
        let daemon = try s.startDaemon()
        waitUntil("a and the listener running", timeout: 10) { s.logLines(containing: "entered RUNNING").count == 2 }
        waitUntilSteady("the daemon goes quiet after start-up", quiet: 0.3) { (try? wakeups(daemon.processIdentifier)) ?? -1 }
        let before = try wakeups(daemon.processIdentifier)
        assertStays("the daemon's main thread is not woken", for: 2, interval: 0.1) {
            (try? wakeups(daemon.processIdentifier)) == before
        }
        s.stopDaemon()
    }

    func wakeups(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") } ?? ""
        return Int(line.split(separator: "\t").last ?? "") ?? -1
    }
}
