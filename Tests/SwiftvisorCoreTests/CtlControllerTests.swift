import XCTest
@testable import SwiftvisorCore

/// A daemon stand-in: answers each request with the closure's result and
/// records what was asked.
final class ScriptedTransport: CtlTransport {
    var requests: [ControlRequest] = []
    var answer: (ControlRequest) -> Result<ControlResponse, CtlTransportError>
    var followData: [(Int, [UInt8])] = []
    var followFault: ControlFault?
    var followed: [[FollowTarget]] = []
    var resets = 0
    init(_ answer: @escaping (ControlRequest) -> Result<ControlResponse, CtlTransportError>) { self.answer = answer }
    func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse {
        requests.append(request)
        return try answer(request).get()
    }
    func follow(_ targets: [FollowTarget], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        followed.append(targets)
        if let followFault { return followFault }
        for (i, b) in followData { onData(i, b) }
        return nil
    }
    var followOffsets: [[Int]] = []
    func follow(_ targets: [FollowTarget], from offsets: [Int], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? {
        followOffsets.append(offsets)
        return try follow(targets, onData: onData)
    }
    func reset(serverURL: String, username: String?, password: String?) { resets += 1 }
    /// Answer `sendUndecoded` too (with the reply's encoded item lines), as a
    /// swiftvisord connection does; off: as supervisord's HTTP transport does.
    var undecoded = false
    func sendUndecoded(_ request: ControlRequest) throws(CtlTransportError) -> UndecodedReply? {
        guard undecoded else { return nil }
        switch try send(request) {
        case .fault(let f): return UndecodedReply(status: .fault(f), items: [])
        case .ok(let items): return UndecodedReply(status: .ok, items: items.flatMap { $0.encoded() })
        }
    }
}

final class BufferTerminal: CtlTerminal {
    var out: [UInt8] = []
    var err: [String] = []
    var inputLines: [String]
    var prompts: [String] = []
    init(input: [String] = []) { inputLines = input }
    func write(_ bytes: [UInt8]) { out += bytes }
    func flush() {}
    func writeError(_ line: String) { err.append(line) }
    func readLine(prompt: String) -> String? {
        prompts.append(prompt)
        out += Array(prompt.utf8)
        return inputLines.isEmpty ? nil : inputLines.removeFirst()
    }
    func readPassword(prompt: String) -> String? { readLine(prompt: prompt) }
    var text: String { String(decoding: out, as: UTF8.self) }
}

let version = ControlResponse.ok([.version(VersionInfo(supervisor: "4.3.0", server: "swiftvisord test"))])

func snap(_ group: String, _ name: String, _ state: Int, _ statename: String, pid: Int = 0, desc: String = "",
          stdout: String = "/log/out", stderr: String = "") -> ProcessSnapshot {
    ProcessSnapshot(name: name, group: group, state: state, statename: statename, pid: pid, description: desc,
                    stdoutLogfile: stdout, stderrLogfile: stderr)
}

func result(_ group: String, _ name: String?, _ code: FaultCode, _ desc: String = "OK", arg: String? = nil) -> ControlItem {
    .result(NameResult(group: group, name: name, code: code, description: desc, arg: arg))
}

final class CtlControllerTests: XCTestCase {
    let url = "unix:///tmp/sv.sock"

    func run(_ line: String, interactive: Bool = false, input: [String] = [], undecoded: Bool = false,
             _ answer: @escaping (ControlRequest) -> Result<ControlResponse, CtlTransportError>)
    -> (out: String, exit: Int32, transport: ScriptedTransport, terminal: BufferTerminal) {
        let t = ScriptedTransport(answer)
        t.undecoded = undecoded
        let term = BufferTerminal(input: input)
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: interactive, prompt: "swiftvisor",
                              transport: t, terminal: term)
        c.onecmd(line)
        return (term.text, c.exitStatus, t, term)
    }

    /// A daemon that answers version, and `reply` for everything else.
    func daemon(_ reply: @escaping (ControlRequest) -> ControlResponse) -> (ControlRequest) -> Result<ControlResponse, CtlTransportError> {
        { r in if case .version = r { return .success(version) } else { return .success(reply(r)) } }
    }

    // MARK: status

    func test_status_badNamesFirst_thenTable_exit4() {
        let r = run("status nope grp:nope zz:* web", daemon { _ in .ok([
            result("nope", "nope", .badName, arg: "nope"), result("grp", "nope", .badName, arg: "grp:nope"),
            result("zz", nil, .badName, arg: "zz:*"),
            .process(snap("web", "web", 20, "RUNNING", pid: 7, desc: "pid 7, uptime 0:00:03")),
        ]) })
        XCTAssertEqual(r.out, """
            nope: ERROR (no such process)
            grp:nope: ERROR (no such process)
            zz: ERROR (no such group)
            web                              RUNNING   pid 7, uptime 0:00:03

            """)
        XCTAssertEqual(r.exit, 4)
        XCTAssertEqual(r.transport.requests, [.version, .status(names: ["nope", "grp:nope", "zz:*", "web"])])
    }

    func test_status_stoppedProcessWinsOverBadName_exit3() {
        let r = run("status nope idle", daemon { _ in .ok([
            result("nope", "nope", .badName, arg: "nope"), .process(snap("idle", "idle", 0, "STOPPED", desc: "Not started"))]) })
        XCTAssertEqual(r.exit, 3)
    }

    func test_status_startingAndBackoffCountAsRunning_exit0() {
        let r = run("status", daemon { _ in .ok([.process(snap("a", "a", 10, "STARTING")), .process(snap("b", "b", 30, "BACKOFF"))]) })
        XCTAssertEqual(r.exit, 0)
        XCTAssertEqual(r.out, "a                                STARTING  \nb                                BACKOFF   \n")
    }

    func test_status_all_sameLinesAndExit_whetherItemsAreDecodedOrScannedInPlace() {
        let long = String(repeating: "x", count: 35)
        let replies: [[ControlItem]] = [
            [.process(snap("a", "a", 10, "STARTING")), .process(snap("b", "b", 30, "BACKOFF"))],
            [.process(snap("grp", "gb", 0, "STOPPED", desc: "Not started")),
             .process(snap(long, "w 1", 20, "RUNNING", pid: 7, desc: "pid 7, uptime 0:00:03"))],
            // Not ASCII, and a bad name: the ordinary decoding prints these.
            [.process(snap("caf\u{e9}", "caf\u{e9}", 200, "FATAL", desc: "can't find command '\u{fc}'"))],
            [result("zz", nil, .badName, arg: "zz:*"), .process(snap("web", "web", 20, "RUNNING", pid: 7, desc: "pid 7, uptime 0:00:03"))],
            [],
        ]
        for items in replies {
            for line in ["status", "status all"] {
                let decoded = run(line, daemon { _ in .ok(items) })
                let scanned = run(line, undecoded: true, daemon { _ in .ok(items) })
                XCTAssertEqual(scanned.out, decoded.out, line)
                XCTAssertEqual(scanned.exit, decoded.exit, line)
            }
        }
        let fault = run("status", undecoded: true, daemon { _ in .fault(ControlFault(.shutdownState)) })
        XCTAssertEqual(fault.out, run("status", daemon { _ in .fault(ControlFault(.shutdownState)) }).out)
    }

    func test_status_noSocket_printsNoSuchFile_exit4_andRefused_exit4() {
        let a = run("status") { _ in .failure(.noSuchFile) }
        XCTAssertEqual(a.out, "unix:///tmp/sv.sock no such file\n")
        XCTAssertEqual(a.exit, 4)
        let b = run("status") { _ in .failure(.refused) }
        XCTAssertEqual(b.out, "unix:///tmp/sv.sock refused connection\n")
        XCTAssertEqual(b.exit, 4)
    }

    func test_unusableServerURL_saysWhatWouldWork() {
        let r = run("status") { _ in .failure(.unsupportedURL("http://:9001")) }
        XCTAssertEqual(r.out, "http://:9001 is not a server URL swiftvisorctl can use: set [supervisorctl] serverurl= (or -s) to unix:///path for [unix_http_server] or http://host:port for [inet_http_server]\n")
        XCTAssertEqual(r.exit, 4)
    }

    func test_unknownURLScheme_isSupervisorctlsValueErrorLine_exit1() {
        // supervisorctl 4.3.0, `-s foo://x status`: SupervisorTransport raises before connecting.
        XCTAssertEqual(CtlTransportError.forNonUnixURL("foo://x"), .unknownProtocol("foo://x"))
        XCTAssertEqual(CtlTransportError.forNonUnixURL("HTTP://x"), .unknownProtocol("HTTP://x"))
        XCTAssertEqual(CtlTransportError.forNonUnixURL("http://x"), .unsupportedURL("http://x"))
        for cmd in ["status", "start web", "shutdown", "reread", "tail web"] {
            let r = run(cmd) { _ in .failure(.unknownProtocol("foo://x")) }
            XCTAssertEqual(r.out, "error: <class 'ValueError'>, Unknown protocol for serverurl foo://x: file: swiftvisorctl line: 0\n", cmd)
            XCTAssertEqual(r.exit, 1, cmd)
        }
    }

    func test_socketErrno_isPythonsOSErrorText() {
        // supervisorctl 4.3.0, `shutdown` to a daemon that closes as it exits:
        // "[Errno 104] Connection reset by peer", not the call that failed.
        for cmd in ["status", "shutdown"] {
            let r = run(cmd) { _ in .failure(.system(call: "recv", errno: 104)) }
            XCTAssertEqual(r.out, "error: <class 'ConnectionResetError'>, [Errno 104] Connection reset by peer: file: swiftvisorctl line: 0\n", cmd)
            XCTAssertEqual(r.exit, 1, cmd)
        }
    }

    func test_status_json_printsOneDocumentWithEveryField() {
        var p = snap("web", "web", 20, "RUNNING", pid: 7, desc: "pid 7, uptime 0:00:03")
        p.command = "sleep \"1\""
        p.extra = [ControlField("pidfd", "12")]
        let r = run("status --json web nope", daemon { _ in .ok([result("nope", "nope", .badName, arg: "nope"), .process(p)]) })
        XCTAssertEqual(r.transport.requests.last, .status(names: ["web", "nope"]))
        XCTAssertEqual(r.out, #"{"processes":[{"name":"web","group":"web","namespec":"web","state":20,"statename":"RUNNING","pid":7,"start":0,"stop":0,"now":0,"spawnerr":"","exitstatus":0,"description":"pid 7, uptime 0:00:03","stdout_logfile":"/log/out","stderr_logfile":"","command":"sleep \"1\"","pidfd":12}],"errors":[{"name":"nope","error":"no such process"}]}"# + "\n")
        XCTAssertEqual(r.exit, 4)
    }

    // MARK: start / stop / restart / signal

    func test_start_resultsInOrder_lastNonIgnoredSetsExit() {
        let r = run("start web missing quick", daemon { _ in .ok([
            result("web", "web", .alreadyStarted, "ALREADY_STARTED: web"),
            result("missing", "missing", .noFile, "NO_FILE: /nonexistent/xyz"),
            result("quick", "quick", .spawnError, "SPAWN_ERROR: quick"),
        ]) })
        XCTAssertEqual(r.out, "web: ERROR (already started)\nmissing: ERROR (no such file)\nquick: ERROR (spawn error)\n")
        XCTAssertEqual(r.exit, 7)
        XCTAssertEqual(r.transport.requests.last, .start(names: ["web", "missing", "quick"], wait: true))
    }

    func test_start_ignoredAlreadyStartedAfterFailure_keepsFailureExit() {
        let r = run("start missing web", daemon { _ in .ok([
            result("missing", "missing", .noFile), result("web", "web", .alreadyStarted)]) })
        XCTAssertEqual(r.exit, 1)
    }

    func test_start_unknownGroup_exit2_andNoArgs_helpExit2() {
        let a = run("start zz:*", daemon { _ in .ok([result("zz", nil, .badName, arg: "zz:*")]) })
        XCTAssertEqual(a.out, "zz: ERROR (no such group)\n")
        XCTAssertEqual(a.exit, 2)
        let b = run("start", daemon { _ in .done })
        XCTAssertEqual(b.out, "Error: start requires a process name\n" + CtlHelp.text("start")!.joined(separator: "\n") + "\n")
        XCTAssertEqual(b.exit, 2)
    }

    func test_start_success_andOtherFaultTexts() {
        let r = run("start a b c", daemon { _ in .ok([
            result("a", "a", .success), result("g", "b", .notExecutable), result("c", "c", .abnormalTermination)]) })
        XCTAssertEqual(r.out, "a: started\ng:b: ERROR (file is not executable)\nc: ERROR (abnormal termination)\n")
        XCTAssertEqual(r.exit, 7)
    }

    func test_start_withoutDaemon_noSuchFile_exit7_refused_exit4() {
        XCTAssertEqual(run("start web") { _ in .failure(.noSuchFile) }.exit, 7)
        XCTAssertEqual(run("start web") { _ in .failure(.refused) }.exit, 4)
    }

    func test_stop_notRunningIgnored_failedPrintsDescription() {
        let r = run("stop idle web g:*", daemon { _ in .ok([
            result("idle", "idle", .notRunning), result("web", "web", .failed, "FAILED: web could not be killed"),
            result("g", nil, .badName)]) })
        XCTAssertEqual(r.out, "idle: ERROR (not running)\nFAILED: web could not be killed\ng: ERROR (no such group)\n")
        XCTAssertEqual(r.exit, 1)
        let ok = run("stop idle", daemon { _ in .ok([result("idle", "idle", .notRunning)]) })
        XCTAssertEqual(ok.exit, 0)
    }

    func test_stop_noArgs_helpExit1() {
        let r = run("stop", daemon { _ in .done })
        XCTAssertEqual(r.out, "Error: stop requires a process name\n" + CtlHelp.text("stop")!.joined(separator: "\n") + "\n")
        XCTAssertEqual(r.exit, 1)
    }

    func test_restart_isStopThenStart() {
        let r = run("restart idle", daemon { req in
            switch req {
            case .stop: return .ok([result("idle", "idle", .notRunning)])
            case .start: return .ok([result("idle", "idle", .success)])
            default: return .done
            }
        })
        XCTAssertEqual(r.out, "idle: ERROR (not running)\nidle: started\n")
        XCTAssertEqual(r.exit, 0)
        XCTAssertEqual(r.transport.requests.filter { $0 != .version },
                       [.stop(names: ["idle"]), .start(names: ["idle"], wait: true)])
    }

    func test_signal_results_andNotRunningIsExit7() {
        let r = run("signal HUP idle", daemon { _ in .ok([result("idle", "idle", .notRunning)]) })
        XCTAssertEqual(r.out, "idle: ERROR (not running)\n")
        XCTAssertEqual(r.exit, 7)
        let b = run("signal FOO web", daemon { _ in .ok([result("web", "web", .badSignal)]) })
        XCTAssertEqual(b.out, "web: ERROR (bad signal name)\n")
        XCTAssertEqual(b.exit, 1)
        let c = run("signal CONT grp:*", daemon { _ in .ok([result("grp", "ga", .success), result("grp", "gb", .success)]) })
        XCTAssertEqual(c.out, "grp:ga: signalled\ngrp:gb: signalled\n")
        XCTAssertEqual(c.transport.requests.last, .signal(signal: "CONT", names: ["grp:*"]))
        let d = run("signal CONT", daemon { _ in .done })
        XCTAssertTrue(d.out.hasPrefix("Error: signal requires a signal name and a process name\n"))
        XCTAssertEqual(d.exit, 1)
    }

    // MARK: pid

    func test_pid_variants() {
        let all: [ControlItem] = [.process(snap("idle", "idle", 0, "STOPPED")), .process(snap("web", "web", 20, "RUNNING", pid: 77))]
        let d = daemon { r in if case .pid = r { return .ok([.pid(1234)]) } else { return .ok(all) } }
        XCTAssertEqual(run("pid", d).out, "1234\n")
        let a = run("pid web nope idle", d)
        XCTAssertEqual(a.out, "77\nNo such process nope\n0\n")
        XCTAssertEqual(a.exit, 7)
        let b = run("pid nope", d)
        XCTAssertEqual(b.exit, 1)
        XCTAssertEqual(run("pid all", d).out, "0\n77\n")
    }

    // MARK: tail / maintail

    func test_tail_printsBytesAndAnExtraNewline_withLastBytesOffset() {
        let r = run("tail -3 web", daemon { _ in .ok([.log(Array("ut\n".utf8))]) })
        XCTAssertEqual(r.out, "ut\n\n")
        XCTAssertEqual(r.transport.requests.last, .readLog(name: "web", channel: .stdout, offset: -3, length: 0))
        let s = run("tail web STDERR", daemon { _ in .ok([.log([])]) })
        XCTAssertEqual(s.transport.requests.last, .readLog(name: "web", channel: .stderr, offset: -1600, length: 0))
    }

    func test_tail_argumentErrors() {
        let d = daemon { _ in .done }
        XCTAssertEqual(run("tail", d).out, "Error: too few arguments\n" + CtlHelp.text("tail")!.joined(separator: "\n") + "\n")
        XCTAssertEqual(run("tail -f", d).out, "Error: tail requires process name\n")
        XCTAssertTrue(run("tail a b c d", d).out.hasPrefix("Error: too many arguments\n"))
        XCTAssertEqual(run("tail web foo", d).out, "Error: bad channel 'foo'\n")
        XCTAssertEqual(run("tail -x web", d).out, "Error: bad argument -x\n")
        XCTAssertEqual(run("tail -x web", d).exit, 1)
    }

    /// The request's offset is minus the byte count: the one count without a
    /// negation is refused, never a trap in the client.
    func test_tailAndMaintail_countWithoutANegation_isABadArgument() {
        let d = daemon { _ in .ok([.log(Array("x".utf8))]) }
        XCTAssertEqual(run("tail --9223372036854775808 web", d).out, "Error: bad argument --9223372036854775808\n")
        XCTAssertEqual(run("maintail --9223372036854775808", d).out, "Error: bad argument --9223372036854775808\n")
        let r = run("tail --9223372036854775807 web", d)
        XCTAssertEqual(r.transport.requests.last, .readLog(name: "web", channel: .stdout, offset: 9223372036854775807, length: 0))
    }

    /// supervisorctl 4.3.0 do_tail: after `-f` is taken as the modifier, two
    /// more words are NAME CHANNEL and the channel is checked; more than three
    /// words in all is too many. Nothing is followed, exit 1.
    func test_tailFollow_extraArguments_areSupervisorctlsErrors_andFollowNothing() {
        for (line, out) in [("tail -f -200 web", "Error: bad channel 'web'\n"),
                            ("tail -f web worker:*", "Error: bad channel 'worker:*'\n"),
                            ("tail -f web stderr extra", "Error: too many arguments\n" + CtlHelp.text("tail")!.joined(separator: "\n") + "\n")] {
            let t = ScriptedTransport { r in if case .version = r { return .success(version) } else { return .success(.done) } }
            t.followData = [(0, Array("x\n".utf8))]
            let term = BufferTerminal()
            let c = CtlController(serverURL: url, username: nil, password: nil, interactive: false, prompt: "x", transport: t, terminal: term)
            c.onecmd(line)
            XCTAssertEqual(term.text, out, line)
            XCTAssertEqual(t.followed, [], line)
            XCTAssertEqual(c.exitStatus, 1, line)
        }
    }

    func test_tail_faults() {
        XCTAssertEqual(run("tail redir stderr", daemon { _ in .fault(ControlFault(.noFile, "redir")) }).out, "redir: ERROR (no log file)\n")
        XCTAssertEqual(run("tail grp:*", daemon { _ in .fault(ControlFault(.badName, "grp:*")) }).out, "grp:*: ERROR (no such process name)\n")
        XCTAssertEqual(run("tail x", daemon { _ in .fault(ControlFault(.failed, "x")) }).out, "x: ERROR (unknown error reading log)\n")
    }

    func test_tailFollow_single_bannerBytesThenEmptyLine() {
        let t = ScriptedTransport { r in if case .version = r { return .success(version) } else { return .success(.done) } }
        t.followData = [(0, Array("abc".utf8)), (0, Array("def\n".utf8))]
        let term = BufferTerminal()
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: false, prompt: "x", transport: t, terminal: term)
        c.onecmd("tail -f web stderr")
        XCTAssertEqual(term.text, "==> Press Ctrl-C to exit <==\nabcdef\n\n")
        XCTAssertEqual(t.followed, [[.process(name: "web", channel: .stderr)]])
        XCTAssertEqual(c.exitStatus, 0)
    }

    func test_tailFollow_startingMidLine_saysSoOnStderr_stdoutUnchanged() {
        for (before, note) in [("x", true), ("\n", false)] {
            let log = Array(before.utf8) + [UInt8](repeating: 0x61, count: 1024)
            let t = ScriptedTransport { r in
                switch r {
                case .version: return .success(version)
                case .readLog(_, _, -1025, 0): return .success(.ok([.log(log)]))
                default: return .success(.done)
                }
            }
            t.followData = [(0, Array("abc\n".utf8))]
            let term = BufferTerminal()
            let c = CtlController(serverURL: url, username: nil, password: nil, interactive: false, prompt: "x", transport: t, terminal: term)
            c.onecmd("tail -f web")
            XCTAssertEqual(term.text, "==> Press Ctrl-C to exit <==\nabc\n\n")
            XCTAssertEqual(term.err, note ? ["swiftvisorctl: tail -f begins 1024 bytes before the end of the log, here inside a line; `swiftvisorctl logs -f web` begins at a whole line"] : [])
            XCTAssertEqual(c.exitStatus, 0)
        }
    }

    func test_tailFollow_refused_printsSupervisorctl404OnStderr_exit0() {
        let t = ScriptedTransport { r in if case .version = r { return .success(version) } else { return .success(.done) } }
        t.followFault = ControlFault(.badName, "nope")
        let term = BufferTerminal()
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: false, prompt: "x", transport: t, terminal: term)
        c.onecmd("tail -f nope")
        XCTAssertEqual(term.text, "==> Press Ctrl-C to exit <==\n")
        XCTAssertEqual(term.err, ["unix:///tmp/sv.sock/logtail/nope/stdout Cannot read, status code 404"])
        XCTAssertEqual(c.exitStatus, 0)
    }

    func test_tailFollow_multi_expandsGroups_bothChannels_prefixesLines() {
        let listing: [ControlItem] = [
            .process(snap("web", "web", 20, "RUNNING", stdout: "/w.out", stderr: "/w.err")),
            .process(snap("worker", "w_0", 20, "RUNNING", stdout: "/0.out", stderr: "")),
            .process(snap("worker", "w_1", 20, "RUNNING", stdout: "/1.out", stderr: "/1.err")),
        ]
        let t = ScriptedTransport { r in if case .version = r { return .success(version) } else { return .success(.ok(listing)) } }
        t.followData = [(0, Array("hello\nwor".utf8)), (2, Array("x\n".utf8)), (0, Array("ld\n".utf8)), (4, Array("tail".utf8))]
        let term = BufferTerminal()
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: false, prompt: "x", transport: t, terminal: term)
        c.onecmd("tail -f web,worker:*")
        XCTAssertEqual(t.followed, [[.process(name: "web", channel: .stdout), .process(name: "web", channel: .stderr),
                                     .process(name: "worker:w_0", channel: .stdout),
                                     .process(name: "worker:w_1", channel: .stdout), .process(name: "worker:w_1", channel: .stderr)]])
        XCTAssertEqual(term.text, "==> Press Ctrl-C to exit <==\nweb | hello\nworker:w_0 | x\nweb | world\nworker:w_1 | tail\n\n")
    }

    func test_maintail_variants() {
        let d = daemon { _ in .ok([.log(Array("\n".utf8))]) }
        let r = run("maintail -1", d)
        XCTAssertEqual(r.out, "\n\n")
        XCTAssertEqual(r.transport.requests.last, .readMainLog(offset: -1, length: 0))
        XCTAssertEqual(run("maintail x", d).out, "Error: bad argument x\n")
        XCTAssertEqual(run("maintail -x", d).out, "Error: bad argument -x\n")
        XCTAssertEqual(run("maintail a b", d).out, "Error: too many arguments\n" + CtlHelp.text("maintail")!.joined(separator: "\n") + "\n")
        XCTAssertEqual(run("maintail", daemon { _ in .fault(ControlFault(.noFile)) }).out, "supervisord: ERROR (no log file)\n")
    }

    // MARK: clear

    func test_clear_groupStarIsGroupNone() {
        let r = run("clear idle nope grp:*", daemon { _ in .ok([
            result("idle", "idle", .success), result("nope", "nope", .badName), result("grp", nil, .badName)]) })
        XCTAssertEqual(r.out, "idle: cleared\nnope: ERROR (no such process)\ngrp:None: ERROR (no such process)\n")
        XCTAssertEqual(r.exit, 1)
    }

    // MARK: reread / update / add / remove / avail

    func test_reread_andItsErrors() {
        XCTAssertEqual(run("reread", daemon { _ in .ok([]) }).out, "No config updates to processes\n")
        let e = run("reread", daemon { _ in .fault(ControlFault(.cantReread, "bad line 3")) })
        XCTAssertEqual(e.out, "ERROR: CANT_REREAD: bad line 3\n")
        XCTAssertEqual(e.exit, 1)
        XCTAssertEqual(run("reread", daemon { _ in .fault(ControlFault(.shutdownState)) }).out, "ERROR: supervisor shutting down\n")
        let x = run("reread x", daemon { _ in .ok([]) })
        XCTAssertEqual(x.out, "Error: reread accepts no arguments\n" + CtlHelp.text("reread")!.joined(separator: "\n") + "\n")
    }

    func test_reread_withoutDaemon_printsPythonErrorLine() {
        let r = run("reread") { _ in .failure(.noSuchFile) }
        XCTAssertEqual(r.out, "error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: swiftvisorctl line: 0\n")
        XCTAssertEqual(r.exit, 1)
    }

    func test_update_removedChangedAdded_inSupervisorctlOrder() {
        let r = run("update", daemon { req in
            switch req {
            case .reread: return .ok([.change(ConfigChange(.changed, group: "idle")), .change(ConfigChange(.added, group: "newp")),
                                      .change(ConfigChange(.removed, group: "redir"))])
            case .stop: return .ok([])
            case .remove(let g), .add(let g): return .ok([result(g[0], nil, .success)])
            default: return .done
            }
        })
        XCTAssertEqual(r.out, """
            redir: stopped
            redir: removed process group
            idle: stopped
            idle: updated process group
            newp: added process group

            """)
        XCTAssertEqual(r.transport.requests, [.reread, .stop(names: ["redir:*"]), .remove(groups: ["redir"]),
                                              .stop(names: ["idle:*"]), .remove(groups: ["idle"]), .add(groups: ["idle"]),
                                              .add(groups: ["newp"])])
        XCTAssertEqual(r.exit, 0)
    }

    func test_update_unknownGroupArg_andStopFailure() {
        let r = run("update nope redir", daemon { req in
            switch req {
            case .reread: return .ok([.change(ConfigChange(.removed, group: "redir"))])
            case .status: return .ok([.process(snap("redir", "redir", 20, "RUNNING"))])
            case .stop: return .ok([result("redir", "redir", .failed, "FAILED: redir")])
            default: return .done
            }
        })
        XCTAssertEqual(r.out, "ERROR: no such group: nope\nredir: stopped\nredir: has problems; not removing\n")
        XCTAssertEqual(r.exit, 1)
    }

    func test_update_nothingChanged_printsNothing() {
        let r = run("update", daemon { _ in .ok([]) })
        XCTAssertEqual(r.out, "")
        XCTAssertEqual(r.exit, 0)
    }

    func test_add_remove_outcomes() {
        let a = run("add web web2 nope", daemon { _ in .ok([
            result("web", nil, .success), result("web2", nil, .alreadyAdded), result("nope", nil, .badName)]) })
        XCTAssertEqual(a.out, "web: added process group\nERROR: process group already active\nERROR: no such process/group: nope\n")
        XCTAssertEqual(a.exit, 1)
        let r = run("remove web x gone", daemon { _ in .ok([
            result("web", nil, .stillRunning), result("x", nil, .success), result("gone", nil, .badName)]) })
        XCTAssertEqual(r.out, "ERROR: process/group still running: web\nx: removed process group\nERROR: no such process/group: gone\n")
        XCTAssertEqual(r.exit, 1)
        XCTAssertEqual(run("add", daemon { _ in .done }).transport.requests, [])
    }

    func test_avail_lines_andArgumentError() {
        let r = run("avail", daemon { _ in .ok([.config(ConfigInfo(group: "grp", name: "ga", inuse: true, autostart: true, groupPriority: 999, processPriority: 999))]) })
        XCTAssertEqual(r.out, "grp:ga                           in use    auto      999:999\n")
        XCTAssertEqual(run("avail x", daemon { _ in .done }).exit, 1)
    }

    // MARK: shutdown / reload / version / misc

    func test_shutdown_outcomes() {
        XCTAssertEqual(run("shutdown", daemon { _ in .done }).out, "Shut down\n")
        XCTAssertEqual(run("shutdown", daemon { _ in .fault(ControlFault(.shutdownState)) }).out, "ERROR: already shutting down\n")
        let a = run("shutdown") { _ in .failure(.noSuchFile) }
        XCTAssertEqual(a.out, "ERROR: unix:///tmp/sv.sock no such file (already shut down?)\n")
        XCTAssertEqual(a.exit, 1)
        XCTAssertEqual(run("shutdown") { _ in .failure(.refused) }.out, "ERROR: unix:///tmp/sv.sock refused connection (already shut down?)\n")
        XCTAssertEqual(run("shutdown x", daemon { _ in .done }).out, "Error: shutdown accepts no arguments\nshutdown \tShut the remote supervisord down.\n")
    }

    func test_shutdown_interactive_asksAndOnlyYesProceeds() {
        let no = run("shutdown", interactive: true, input: ["n"], daemon { _ in .done })
        XCTAssertEqual(no.out, "Really shut the remote supervisord process down y/N? ")
        XCTAssertEqual(no.transport.requests, [])
        let yes = run("shutdown", interactive: true, input: ["Yes"], daemon { _ in .done })
        XCTAssertEqual(yes.out, "Really shut the remote supervisord process down y/N? Shut down\n")
    }

    func test_reload_andVersion() {
        XCTAssertEqual(run("reload", daemon { _ in .done }).out, "Restarted supervisord\n")
        XCTAssertEqual(run("version", daemon { _ in version }).out, "4.3.0\n")
        XCTAssertEqual(run("version x", daemon { _ in version }).exit, 1)
    }

    func test_versionCheck_otherApi_exit5() {
        let r = run("status") { _ in .success(.ok([.version(VersionInfo(supervisor: "9", api: "4.0", server: "x"))])) }
        XCTAssertEqual(r.out, "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 4.0.\n")
        XCTAssertEqual(r.exit, 4)  // status overrides every upcheck failure to 4
        let s = run("start x") { _ in .success(.ok([.version(VersionInfo(supervisor: "9", api: "4.0", server: "x"))])) }
        XCTAssertEqual(s.exit, 5)
    }

    func test_unknownCommand_andHelp_andEOF() {
        let d = daemon { _ in .done }
        let u = run("foo bar", d)
        XCTAssertEqual(u.out, "*** Unknown syntax: foo bar\n")
        XCTAssertEqual(u.exit, 1)
        XCTAssertEqual(run("help foo", d).out, "*** No help on foo\n")
        XCTAssertEqual(run("help help", d).out, "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>\n")
        XCTAssertEqual(run("?start", d).out, CtlHelp.text("start")!.joined(separator: "\n") + "\n")
        XCTAssertEqual(run("EOF", d).out, "\n")
        XCTAssertEqual(run("-x", d).out, "*** Unknown syntax: -x\n")
    }

    func test_authRequired_nonInteractive_printsBothSupervisorctlLines() {
        let r = run("status") { _ in .failure(.authRequired) }
        XCTAssertEqual(r.out, "Server requires authentication\nerror: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: swiftvisorctl line: 0\n")
        XCTAssertEqual(r.exit, 1)
    }

    func test_authRequired_interactive_asksAndRetries() {
        var authed = false
        let t = ScriptedTransport { r in
            if !authed { return .failure(.authRequired) }
            if case .version = r { return .success(version) }
            return .success(.ok([]))
        }
        let term = BufferTerminal(input: ["admin", "pw"])
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: true, prompt: "x", transport: t, terminal: term)
        let original = t.answer
        t.answer = { r in authed = t.resets > 0; return original(r) }
        c.onecmd("status")
        XCTAssertEqual(term.prompts, ["Username:", "Password:"])
        XCTAssertEqual(c.username, "admin")
        XCTAssertTrue(term.text.hasPrefix("Server requires authentication\nUsername:Password:\n"))
    }

    func test_shell_runsStatusFirst_promptsAndQuits_exit0() {
        let t = ScriptedTransport { r in if case .version = r { return .success(version) } else { return .success(.ok([.process(snap("a", "a", 0, "STOPPED", desc: "Not started"))])) } }
        let term = BufferTerminal(input: ["", "nope", "quit"])
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: true, prompt: "swiftvisor", transport: t, terminal: term)
        XCTAssertEqual(c.runShell(), 0)
        XCTAssertEqual(term.text, "a                                STOPPED   Not started\nswiftvisor> swiftvisor> *** Unknown syntax: nope\nswiftvisor> \n")
    }

    func test_shell_EOF_printsEmptyLine() {
        let t = ScriptedTransport { _ in .success(version) }
        let term = BufferTerminal(input: [])
        let c = CtlController(serverURL: url, username: nil, password: nil, interactive: true, prompt: "p", transport: t, terminal: term)
        XCTAssertEqual(c.runShell(), 0)
        XCTAssertTrue(term.text.hasSuffix("p> \n"))
    }

    func test_open_badScheme_andStatusAfterSwitch() {
        let d = daemon { _ in .ok([.process(snap("a", "a", 20, "RUNNING"))]) }
        XCTAssertEqual(run("open ftp://x", d).out, "ERROR: url must be http:// or unix://\n")
        let r = run("open unix:///other.sock", d)
        XCTAssertEqual(r.transport.resets, 1)
        XCTAssertEqual(r.out, "a                                RUNNING   \n")
    }

    func test_fg_checks() {
        let listing: [ControlItem] = [.process(snap("idle", "idle", 0, "STOPPED")), .process(snap("web", "web", 20, "RUNNING"))]
        let d = daemon { _ in .ok(listing) }
        XCTAssertEqual(run("fg", d).out, "ERROR: no process name supplied\n" + CtlHelp.text("fg")!.joined(separator: "\n") + "\n")
        XCTAssertEqual(run("fg a b", d).out, "ERROR: too many process names supplied\n")
        XCTAssertEqual(run("fg nope", d).out, "ERROR: bad process name supplied\n")
        XCTAssertEqual(run("fg idle", d).out, "ERROR: process not running\n")
        XCTAssertEqual(run("fg idle", d).exit, 1)
        XCTAssertEqual(run("fg web", d).out, "==> Press Ctrl-C to exit <==\n")
    }

    func test_unexpectedFault_printsXmlrpcFaultLine() {
        let r = run("status", daemon { _ in .fault(ControlFault(.shutdownState)) })
        XCTAssertEqual(r.out, "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: swiftvisorctl line: 0\n")
        XCTAssertEqual(r.exit, 1)
    }
}
