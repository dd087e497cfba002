import XCTest
@testable import SwiftvisorCore

/// Every `supervisor.*` method driven with scripted SWV1 replies: the
/// requests each sends and the answer it shapes. Expected answers are
/// supervisord 4.3.0's, as a running supervisord gave them (fault strings,
/// struct keys and their order).
final class XMLRPCSupervisorNamespaceTests: XCTestCase {
    /// Runs a call; `reply` answers each SWV1 request. Returns the answer and the requests seen.
    private func run(_ name: String, _ params: [XMLRPCValue], reply: (ControlRequest) -> ControlResponse = { _ in .done })
        -> (XMLRPCResult, [ControlRequest]) {
        let (result, seen) = XMLRPCStepRunner.call(name, params, reply: reply)
        XCTAssertLessThanOrEqual(seen.count, 2, "a call asks the core at most twice")
        return (result, seen)
    }

    private let stopping = ControlResponse.fault(ControlFault(.shutdownState))

    private func snapshot(_ group: String, _ name: String, state: Int = 20, pid: Int = 42) -> ProcessSnapshot {
        ProcessSnapshot(name: name, group: group, state: state, statename: state == 20 ? "RUNNING" : "STOPPED", pid: pid,
                        start: 1_700_000_000, stop: 0, now: 1_700_000_100, description: "pid 42, uptime 0:01:40",
                        stdoutLogfile: "/tmp/\(name).log", command: "sleep 1", priority: 999)
    }

    private func result(_ group: String, _ name: String?, _ code: FaultCode, _ description: String = "OK") -> ControlItem {
        .result(NameResult(group: group, name: name, code: code, description: description))
    }

    // MARK: - Versions, state, identification

    func test_versionMethods_answerAfterTheMoodCheck_andFaultWhileStopping() {
        for (method, value) in [("supervisor.getAPIVersion", "3.0"), ("supervisor.getVersion", "3.0"), ("supervisor.getSupervisorVersion", "4.3.0")] {
            let ok = run(method, [])
            XCTAssertEqual(ok.0, .success(.string(value)), method)
            XCTAssertEqual(ok.1, [.pid], method)
            XCTAssertEqual(run(method, [], reply: { _ in self.stopping }).0, .failure(XMLRPCFault(.shutdownState)), method)
        }
    }

    func test_getState_isAlwaysRunning_orShutdownState() {
        XCTAssertEqual(run("supervisor.getState", []).0,
                       .success(.structure([("statecode", .int(1)), ("statename", .string("RUNNING"))])))
        XCTAssertEqual(run("supervisor.getState", [], reply: { _ in self.stopping }).0, .failure(XMLRPCFault(.shutdownState)))
    }

    func test_getIdentification_isTheConfiguredIdentifier_defaultSupervisor() {
        let withId = run("supervisor.getIdentification", []) { _ in
            .ok([.version(VersionInfo(supervisor: "4.3.0", server: "swiftvisord", identifier: "hostA"))])
        }
        XCTAssertEqual(withId.0, .success(.string("hostA")))
        XCTAssertEqual(withId.1, [.version])
        let old = run("supervisor.getIdentification", []) { _ in .ok([.version(VersionInfo(supervisor: "4.3.0", server: "x"))]) }
        XCTAssertEqual(old.0, .success(.string("supervisor")))
    }

    func test_wrongParameterCount_isIncorrectParameters_withoutAskingTheCore() {
        for (method, params) in [("supervisor.getState", [XMLRPCValue.int(1)]), ("supervisor.startProcess", []),
                                 ("supervisor.readLog", [.int(0)]), ("supervisor.sendRemoteCommEvent", [.string("t")])] {
            let (result, seen) = run(method, params)
            XCTAssertEqual(result, .failure(XMLRPCFault(.incorrectParameters)), method)
            XCTAssertEqual(seen, [], method)
        }
    }

    // MARK: - Process info

    func test_getProcessInfo_hasEveryKeyInSupervisordsOrder() {
        let (result, seen) = run("supervisor.getProcessInfo", [.string("web")]) { _ in .ok([.process(self.snapshot("web", "web"))]) }
        XCTAssertEqual(seen, [.status(names: ["web"])])
        guard case .success(.struct(let members)) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(members.map(\.name), ["name", "group", "start", "stop", "now", "state", "statename", "spawnerr",
                                             "exitstatus", "logfile", "stdout_logfile", "stderr_logfile", "pid", "description"])
        XCTAssertEqual(result, .success(.structure([
            ("name", .string("web")), ("group", .string("web")), ("start", .int(1_700_000_000)), ("stop", .int(0)),
            ("now", .int(1_700_000_100)), ("state", .int(20)), ("statename", .string("RUNNING")), ("spawnerr", .string("")),
            ("exitstatus", .int(0)), ("logfile", .string("/tmp/web.log")), ("stdout_logfile", .string("/tmp/web.log")),
            ("stderr_logfile", .string("")), ("pid", .int(42)), ("description", .string("pid 42, uptime 0:01:40")),
        ])))
    }

    func test_getProcessInfo_badNames() {
        let unknown = run("supervisor.getProcessInfo", [.string("web:zz")]) { _ in
            .ok([self.result("web", "zz", .badName, "BAD_NAME: web:zz")])
        }
        XCTAssertEqual(unknown.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: web:zz")))
        // A group form names no process: BAD_NAME with the name as passed, after the mood check.
        let group = run("supervisor.getProcessInfo", [.string("g:*")]) { _ in .ok([.process(self.snapshot("g", "a"))]) }
        XCTAssertEqual(group.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: g:*")))
        XCTAssertEqual(run("supervisor.getProcessInfo", [.string("g:*")], reply: { _ in self.stopping }).0,
                       .failure(XMLRPCFault(.shutdownState)))
        // `all` is group all, process all for supervisord, never "every process".
        let all = run("supervisor.getProcessInfo", [.string("all")]) { _ in .ok([]) }
        XCTAssertEqual(all.1, [.status(names: ["all:all"])])
        XCTAssertEqual(all.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: all")))
        // Not a string: supervisord fails in split_namespec (HTTP 500).
        XCTAssertEqual(run("supervisor.getProcessInfo", [.int(5)]).0.faultCode, 2)
    }

    func test_getAllProcessInfo_isEveryProcessInTheCoresOrder() {
        let (result, seen) = run("supervisor.getAllProcessInfo", []) { _ in
            .ok([.process(self.snapshot("a", "a")), .process(self.snapshot("g", "b", state: 0, pid: 0))])
        }
        XCTAssertEqual(seen, [.status(names: [])])
        guard case .success(.array(let infos)) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(infos.map { $0[member: "name"] }, [.string("a"), .string("b")])
        XCTAssertEqual(infos[1][member: "pid"], .int(0))
    }

    func test_getAllConfigInfo_typesEveryKey_inSupervisordsOrder() {
        var pc = ProcessConfig(name: "a", programName: "a", groupName: "g", command: "sleep 1000")
        pc.exitcodes = [0, 2]
        pc.startsecs = 0
        let info = ConfigInfo(group: "g", name: "a", inuse: true, autostart: true, groupPriority: 999, processPriority: 999,
                              extra: ConfigInfo.supervisordFields(pc, stdoutLogfile: "/tmp/a-stdout.log", stderrLogfile: nil))
        let (result, seen) = run("supervisor.getAllConfigInfo", []) { _ in .ok([.config(info)]) }
        XCTAssertEqual(seen, [.avail])
        guard case .success(.array(let rows)) = result, case .struct(let members)? = rows.first else { return XCTFail("\(result)") }
        // supervisord 4.3.0's keys and order, as a running one answered.
        XCTAssertEqual(members.map(\.name), [
            "autostart", "directory", "uid", "command", "exitcodes", "group", "group_prio", "inuse", "killasgroup", "name",
            "process_prio", "redirect_stderr", "startretries", "startsecs", "stdout_capture_maxbytes", "stdout_events_enabled",
            "stdout_logfile", "stdout_logfile_backups", "stdout_logfile_maxbytes", "stdout_syslog", "stopsignal", "stopwaitsecs",
            "stderr_capture_maxbytes", "stderr_events_enabled", "stderr_logfile", "stderr_logfile_backups",
            "stderr_logfile_maxbytes", "stderr_syslog", "serverurl"])
        let row = rows[0]
        XCTAssertEqual(row[member: "autostart"], .bool(true))
        XCTAssertEqual(row[member: "directory"], .string("none"))
        XCTAssertEqual(row[member: "uid"], .string("none"))
        XCTAssertEqual(row[member: "exitcodes"], .array([.int(0), .int(2)]))
        XCTAssertEqual(row[member: "stopsignal"], .int(15))
        XCTAssertEqual(row[member: "startsecs"], .int(0))
        XCTAssertEqual(row[member: "stdout_logfile"], .string("/tmp/a-stdout.log"))
        XCTAssertEqual(row[member: "stderr_logfile"], .string("auto"))
        XCTAssertEqual(row[member: "stdout_logfile_maxbytes"], .int(52_428_800))
        XCTAssertEqual(row[member: "serverurl"], .string("none"))
        // With user=, supervisord sends the numeric uid as an int.
        pc.user = ResolvedUser(name: "nobody", uid: 65534, gid: 65534)
        let withUser = ConfigInfo(group: "g", name: "a", inuse: false, autostart: false, groupPriority: 1, processPriority: 2,
                                  extra: ConfigInfo.supervisordFields(pc, stdoutLogfile: nil, stderrLogfile: nil))
        let row2 = run("supervisor.getAllConfigInfo", []) { _ in .ok([.config(withUser)]) }.0
        guard case .success(.array(let rows2)) = row2 else { return XCTFail("\(row2)") }
        XCTAssertEqual(rows2[0][member: "uid"], .int(65534))
        XCTAssertEqual(rows2[0][member: "stdout_logfile"], .string("auto"))
        XCTAssertEqual(rows2[0][member: "inuse"], .bool(false))
    }

    // MARK: - Start and stop

    func test_startProcess_waitsByDefault_andMapsResultsToSupervisordsFaults() {
        let ok = run("supervisor.startProcess", [.string("g:a")]) { _ in .ok([self.result("g", "a", .success)]) }
        XCTAssertEqual(ok.0, .success(.bool(true)))
        XCTAssertEqual(ok.1, [.start(names: ["g:a"], wait: true)])
        // wait is Python truthiness: 0 and "" are false, "0" is true.
        XCTAssertEqual(run("supervisor.startProcess", [.string("g:a"), .int(0)]).1, [.start(names: ["g:a"], wait: false)])
        XCTAssertEqual(run("supervisor.startProcess", [.string("g:a"), .string("0")]).1, [.start(names: ["g:a"], wait: true)])
        XCTAssertEqual(run("supervisor.startProcess", [.string("g:a"), .bool(false)]).1, [.start(names: ["g:a"], wait: false)])
        for (code, text) in [(FaultCode.alreadyStarted, "ALREADY_STARTED: g:a"), (.spawnError, "SPAWN_ERROR: g:a"),
                             (.abnormalTermination, "ABNORMAL_TERMINATION: g:a"), (.badName, "BAD_NAME: g:a")] {
            let r = run("supervisor.startProcess", [.string("g:a")]) { _ in .ok([self.result("g", "a", code, "core text")]) }
            XCTAssertEqual(r.0, .failure(XMLRPCFault(code: code.rawValue, string: text)))
        }
        // NO_FILE and NOT_EXECUTABLE carry the core's message (the command's problem).
        let nofile = run("supervisor.startProcess", [.string("x")]) { _ in
            .ok([self.result("x", "x", .noFile, "NO_FILE: can't find command 'nope'")])
        }
        XCTAssertEqual(nofile.0, .failure(XMLRPCFault(code: 20, string: "NO_FILE: can't find command 'nope'")))
    }

    func test_startProcess_ofAGroupForm_answersTheGroupsArray() {
        let (result, seen) = run("supervisor.startProcess", [.string("g:*")]) { _ in
            .ok([self.result("g", "a", .success), self.result("g", "b", .spawnError, "SPAWN_ERROR: g:b")])
        }
        XCTAssertEqual(seen, [.start(names: ["g:*"], wait: true)])
        XCTAssertEqual(result, .success(.array([
            .structure([("name", .string("a")), ("group", .string("g")), ("status", .int(80)), ("description", .string("OK"))]),
            .structure([("name", .string("b")), ("group", .string("g")), ("status", .int(50)), ("description", .string("SPAWN_ERROR: g:b"))]),
        ])))
        let unknown = run("supervisor.startProcess", [.string("zz:*")]) { _ in .ok([self.result("zz", nil, .badName, "BAD_NAME: zz")]) }
        XCTAssertEqual(unknown.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: zz:*")))
        XCTAssertEqual(run("supervisor.startProcess", [.string("all")]).1, [.start(names: ["all:all"], wait: true)])
        XCTAssertEqual(run("supervisor.startProcess", [.int(5)]).0.faultCode, 2)
        let empty = run("supervisor.startProcess", [.string("")])
        XCTAssertEqual(empty.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: ")))
        XCTAssertEqual(empty.1, [.pid])
    }

    func test_groupAndAllVariants() {
        let group = run("supervisor.startProcessGroup", [.string("g"), .bool(false)]) { _ in .ok([]) }
        XCTAssertEqual(group.1, [.start(names: ["g:*"], wait: false)])
        XCTAssertEqual(group.0, .success(.array([])), "every process already running: an empty array")
        XCTAssertEqual(run("supervisor.stopProcessGroup", [.string("g")]).1, [.stop(names: ["g:*"], wait: true)])
        // Group methods take bare group names: `g:*` names no group; a number is looked up and not found.
        XCTAssertEqual(run("supervisor.startProcessGroup", [.string("g:*")]).0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: g:*")))
        XCTAssertEqual(run("supervisor.startProcessGroup", [.int(5)]).0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: 5")))
        XCTAssertEqual(run("supervisor.stopProcessGroup", [.bool(true)]).0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: True")))
        let unknown = run("supervisor.stopProcessGroup", [.string("zz")]) { _ in .ok([self.result("zz", nil, .badName, "BAD_NAME: zz")]) }
        XCTAssertEqual(unknown.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: zz")))
        XCTAssertEqual(run("supervisor.startAllProcesses", []).1, [.start(names: ["all"], wait: true)])
        XCTAssertEqual(run("supervisor.stopAllProcesses", [.int(0)]).1, [.stop(names: ["all"], wait: false)])
        XCTAssertEqual(run("supervisor.stopProcess", [.string("g:a"), .bool(false)]).1, [.stop(names: ["g:a"], wait: false)])
        let notRunning = run("supervisor.stopProcess", [.string("g:b")]) { _ in .ok([self.result("g", "b", .notRunning, "NOT_RUNNING: g:b")]) }
        XCTAssertEqual(notRunning.0, .failure(XMLRPCFault(code: 70, string: "NOT_RUNNING: g:b")))
        XCTAssertEqual(run("supervisor.startAllProcesses", [], reply: { _ in self.stopping }).0, .failure(XMLRPCFault(.shutdownState)))
    }

    // MARK: - Signals

    func test_signals() {
        let one = run("supervisor.signalProcess", [.string("g:a"), .string("HUP")]) { _ in .ok([self.result("g", "a", .success)]) }
        XCTAssertEqual(one.0, .success(.bool(true)))
        XCTAssertEqual(one.1, [.signal(signal: "HUP", names: ["g:a"])])
        XCTAssertEqual(run("supervisor.signalProcess", [.string("g:a"), .int(18)]).1, [.signal(signal: "18", names: ["g:a"])])
        let bad = run("supervisor.signalProcess", [.string("g:a"), .string("NOPE")]) { _ in
            .ok([self.result("g", "a", .badSignal, "BAD_SIGNAL: NOPE")])
        }
        XCTAssertEqual(bad.0, .failure(XMLRPCFault(code: 11, string: "BAD_SIGNAL: NOPE")))
        let emptySignal = run("supervisor.signalProcess", [.string("g:a"), .string("")]) { _ in
            .ok([self.result("g", "a", .badSignal, "BAD_SIGNAL: \u{0}")])
        }
        XCTAssertEqual(emptySignal.0, .failure(XMLRPCFault(code: 11, string: "BAD_SIGNAL: ")))
        let group = run("supervisor.signalProcessGroup", [.string("g"), .string("NOPE")]) { _ in
            .ok([self.result("g", "a", .badSignal, "BAD_SIGNAL: NOPE")])
        }
        XCTAssertEqual(group.1, [.signal(signal: "NOPE", names: ["g:*"])])
        XCTAssertEqual(group.0, .success(.array([.structure([("name", .string("a")), ("group", .string("g")), ("status", .int(11)),
                                                             ("description", .string("BAD_SIGNAL: NOPE"))])])))
        XCTAssertEqual(run("supervisor.signalAllProcesses", [.string("TERM")]).1, [.signal(signal: "TERM", names: ["all"])])
        XCTAssertEqual(run("supervisor.signalProcess", [.string("g:a"), .array([])]).0.faultCode, 2)
    }

    // MARK: - stdin, remote comm

    func test_sendProcessStdin() {
        let ok = run("supervisor.sendProcessStdin", [.string("cat"), .string("hé\n")])
        XCTAssertEqual(ok.0, .success(.bool(true)))
        XCTAssertEqual(ok.1, [.sendStdin(name: "cat", data: Array("hé\n".utf8))])
        // chars is checked before the name: INCORRECT_PARAMETERS naming the value.
        XCTAssertEqual(run("supervisor.sendProcessStdin", [.string("cat"), .int(5)]).0,
                       .failure(XMLRPCFault(code: 2, string: "INCORRECT_PARAMETERS: 5")))
        let notRunning = run("supervisor.sendProcessStdin", [.string("g:b"), .string("x")]) { _ in
            .fault(ControlFault(.notRunning, "g:b"))
        }
        XCTAssertEqual(notRunning.0, .failure(XMLRPCFault(code: 70, string: "NOT_RUNNING: g:b")))
        XCTAssertEqual(run("supervisor.sendProcessStdin", [.string("g:*"), .string("x")]).0,
                       .failure(XMLRPCFault(code: 10, string: "BAD_NAME: g:*")))
        // Nothing to write: only the checks.
        let empty = run("supervisor.sendProcessStdin", [.string("cat"), .string("")]) { _ in .ok([.process(self.snapshot("cat", "cat"))]) }
        XCTAssertEqual(empty.0, .success(.bool(true)))
        XCTAssertEqual(empty.1, [.status(names: ["cat"])])
        let emptyStopped = run("supervisor.sendProcessStdin", [.string("cat"), .string("")]) { _ in
            .ok([.process(self.snapshot("cat", "cat", state: 0, pid: 0))])
        }
        XCTAssertEqual(emptyStopped.0, .failure(XMLRPCFault(code: 70, string: "NOT_RUNNING: cat")))
    }

    func test_sendRemoteCommEvent_formatsAnyValueAsPython_andIsNeverGated() {
        let (result, seen) = run("supervisor.sendRemoteCommEvent", [.int(1), .string("")])
        XCTAssertEqual(result, .success(.bool(true)))
        XCTAssertEqual(seen, [.remoteComm(type: "1", data: "")], "no mood check first: the core accepts it while stopping")
        let containers = run("supervisor.sendRemoteCommEvent", [.array([.string("a'b"), .int(1), .bool(true)]),
                                                                .structure([("k", .nil), ("f", .double(5))])]).1
        XCTAssertEqual(containers, [.remoteComm(type: "[\"a'b\", 1, True]", data: "{'k': None, 'f': 5.0}")])
    }

    // MARK: - Logs

    func test_readLog_andProcessLogReads() {
        let main = run("supervisor.readLog", [.int(-6), .int(0)]) { r in r == .pid ? .ok([.pid(1)]) : .ok([.log(Array("hel".utf8)), .log(Array("lo\n".utf8))]) }
        XCTAssertEqual(main.1, [.pid, .readMainLog(offset: -6, length: 0)])
        XCTAssertEqual(main.0, .success(.string("hello\n")))
        // Python's int(): "5" and 5.5 are 5.
        XCTAssertEqual(run("supervisor.readLog", [.string("5"), .double(5.5)]).1, [.pid, .readMainLog(offset: 5, length: 5)])
        XCTAssertEqual(run("supervisor.readLog", [.string("abc"), .int(0)]).0.faultCode, 2)
        let bad = run("supervisor.readProcessStdoutLog", [.string("g:a"), .int(0), .int(-1)]) { r in
            r == .pid ? .done : .fault(ControlFault(.badArguments, "g:a"))
        }
        XCTAssertEqual(bad.1, [.pid, .readLog(name: "g:a", channel: .stdout, offset: 0, length: -1)])
        XCTAssertEqual(bad.0, .failure(XMLRPCFault(code: 3, string: "BAD_ARGUMENTS")))
        XCTAssertEqual(run("supervisor.readProcessStderrLog", [.string("g:a"), .int(0), .int(0)]).1,
                       [.pid, .readLog(name: "g:a", channel: .stderr, offset: 0, length: 0)])
        XCTAssertEqual(run("supervisor.readProcessLog", [.string("g:a"), .int(0), .int(0)]).1.last,
                       .readLog(name: "g:a", channel: .stdout, offset: 0, length: 0))
        let unknown = run("supervisor.readProcessStdoutLog", [.string("all"), .int(0), .int(0)]) { r in
            r == .pid ? .done : .fault(ControlFault(.badName, "all:all"))
        }
        XCTAssertEqual(unknown.0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: all")))
        // The core serves reads while it stops; the mood check comes first.
        XCTAssertEqual(run("supervisor.readLog", [.int(0), .int(0)], reply: { _ in self.stopping }).1, [.pid])
    }

    func test_tailProcessLog_answersBytesSizeAndOverflow() {
        let (result, seen) = run("supervisor.tailProcessStdoutLog", [.string("g:a"), .int(0), .int(5)]) { r in
            r == .pid ? .done : .ok(TailReply.items(bytes: Array("efore".utf8), size: 22, overflow: true))
        }
        XCTAssertEqual(seen, [.pid, .tailLog(name: "g:a", channel: .stdout, offset: 0, length: 5)])
        XCTAssertEqual(result, .success(.array([.string("efore"), .int(22), .bool(true)])))
        // No log file: ['', 0, False], not a fault.
        let none = run("supervisor.tailProcessStderrLog", [.string("g:a"), .int(0), .int(10)]) { r in
            r == .pid ? .done : .fault(ControlFault(.noFile))
        }
        XCTAssertEqual(none.0, .success(.array([.string(""), .int(0), .bool(false)])))
        XCTAssertEqual(run("supervisor.tailProcessLog", [.string("g:a"), .int(0), .int(1)]).1.last,
                       .tailLog(name: "g:a", channel: .stdout, offset: 0, length: 1))
    }

    func test_clearLogs() {
        XCTAssertEqual(run("supervisor.clearLog", []).0, .success(.bool(true)))
        XCTAssertEqual(run("supervisor.clearLog", []).1, [.clearMainLog])
        XCTAssertEqual(run("supervisor.clearLog", [], reply: { _ in .fault(ControlFault(.noFile)) }).0,
                       .failure(XMLRPCFault(code: 20, string: "NO_FILE")))
        for method in ["supervisor.clearProcessLogs", "supervisor.clearProcessLog"] {
            let ok = run(method, [.string("cat")]) { _ in .ok([self.result("cat", "cat", .success)]) }
            XCTAssertEqual(ok.0, .success(.bool(true)))
            XCTAssertEqual(ok.1, [.clear(names: ["cat"])])
            XCTAssertEqual(run(method, [.string("g:*")]).0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: g:*")))
        }
        let all = run("supervisor.clearAllProcessLogs", []) { _ in .ok([self.result("cat", "cat", .success)]) }
        XCTAssertEqual(all.1, [.clear(names: ["all"])])
        XCTAssertEqual(all.0, .success(.array([.structure([("name", .string("cat")), ("group", .string("cat")),
                                                           ("status", .int(80)), ("description", .string("OK"))])])))
    }

    // MARK: - Config and daemon

    func test_reloadConfig_isOneTripleOfNameLists() {
        let (result, seen) = run("supervisor.reloadConfig", []) { _ in
            .ok([.change(ConfigChange(.added, group: "alpha")), .change(ConfigChange(.added, group: "beta")),
                 .change(ConfigChange(.changed, group: "grp")), .change(ConfigChange(.removed, group: "quick"))])
        }
        XCTAssertEqual(seen, [.reread])
        XCTAssertEqual(result, .success(.array([.array([.array([.string("alpha"), .string("beta")]), .array([.string("grp")]),
                                                        .array([.string("quick")])])])))
        XCTAssertEqual(run("supervisor.reloadConfig", [], reply: { _ in .fault(ControlFault(.cantReread, "bad")) }).0,
                       .failure(XMLRPCFault(code: 92, string: "CANT_REREAD: bad")))
    }

    func test_addAndRemoveProcessGroup() {
        let add = run("supervisor.addProcessGroup", [.string("g")]) { _ in .ok([self.result("g", nil, .success)]) }
        XCTAssertEqual(add.0, .success(.bool(true)))
        XCTAssertEqual(add.1, [.add(groups: ["g"])])
        XCTAssertEqual(run("supervisor.addProcessGroup", [.string("g")], reply: { _ in .ok([self.result("g", nil, .alreadyAdded, "x")]) }).0,
                       .failure(XMLRPCFault(code: 90, string: "ALREADY_ADDED: g")))
        XCTAssertEqual(run("supervisor.addProcessGroup", [.int(5)]).0, .failure(XMLRPCFault(code: 10, string: "BAD_NAME: 5")))
        XCTAssertEqual(run("supervisor.removeProcessGroup", [.string("g")], reply: { _ in .ok([self.result("g", nil, .stillRunning, "x")]) }).0,
                       .failure(XMLRPCFault(code: 91, string: "STILL_RUNNING: g")))
        XCTAssertEqual(run("supervisor.removeProcessGroup", [.string("g")]).1, [.remove(groups: ["g"])])
    }

    func test_shutdownAndRestart() {
        XCTAssertEqual(run("supervisor.shutdown", []).0, .success(.bool(true)))
        XCTAssertEqual(run("supervisor.shutdown", []).1, [.shutdown])
        XCTAssertEqual(run("supervisor.restart", []).1, [.reload])
        XCTAssertEqual(run("supervisor.shutdown", [], reply: { _ in self.stopping }).0, .failure(XMLRPCFault(.shutdownState)))
    }

    func test_everySupervisorMethodIsImplemented() {
        for method in XMLRPCMethod.all where method.name.hasPrefix("supervisor.") {
            let params = Array(repeating: XMLRPCValue.string("x"), count: method.parameterCount)
            let (result, _) = run(method.name, params) { _ in .ok([]) }
            if case .failure(let f) = result { XCTAssertFalse(f.string.contains("not implemented"), method.name) }
        }
    }
}

private extension Result where Success == XMLRPCValue, Failure == XMLRPCFault {
    var faultCode: Int? { if case .failure(let f) = self { return f.code } else { return nil } }
}
