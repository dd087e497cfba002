// The same XML-RPC calls, valid and invalid, against supervisord 4.3.0 (its
// real XML-RPC, from the virtualenv of SWV_SUPERVISOR_VENV; skipped, saying
// so, without it) and against swiftvisord (each call driven through
// XMLRPCDispatcher over a real SWV1 connection), on the same config; the
// answers are compared by Tests/Fixtures/xmlrpc/differential-methods.py with
// volatile values (pids, times, the scratch directory) normalised.
import Foundation
import SwiftvisorCore
import XCTest

final class XMLRPCDifferentialTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox?.cleanup() }

    static let programs = """
        [program:cat]
        command=cat
        startsecs=0
        stdout_logfile=%(here)s/cat.out
        stderr_logfile=%(here)s/cat.err
        [group:g]
        programs=a,b
        [program:a]
        command=sleep 1000
        startsecs=0
        stdout_logfile=%(here)s/a.out
        stderr_logfile=NONE
        [program:b]
        command=sleep 1000
        startsecs=1
        autostart=false
        stdout_logfile=%(here)s/b.out
        redirect_stderr=true
        [program:bad]
        command=/nonexistent/command
        autostart=false
        stdout_logfile=NONE
        stderr_logfile=NONE

        """

    /// Every method that is safe to call, with valid and invalid arguments,
    /// in an order both daemons pass through the same states.
    static let calls: [(String, [XMLRPCValue])] = {
        let s = XMLRPCValue.string, i = XMLRPCValue.int, b = XMLRPCValue.bool
        return [
            ("supervisor.getAPIVersion", []), ("supervisor.getVersion", []), ("supervisor.getSupervisorVersion", []),
            ("supervisor.getIdentification", []), ("supervisor.getState", []), ("supervisor.getPID", []),
            ("supervisor.getState", [i(1)]), ("supervisor.nope", []), ("supervisor._update", [s("x")]),
            ("supervisor.getAllProcessInfo", []),
            ("supervisor.getProcessInfo", [s("cat")]), ("supervisor.getProcessInfo", [s("g:a")]),
            ("supervisor.getProcessInfo", [s("g:*")]), ("supervisor.getProcessInfo", [s("nope")]),
            ("supervisor.getProcessInfo", [s("all")]), ("supervisor.getProcessInfo", [s("g:zz")]),
            ("supervisor.getAllConfigInfo", []),
            ("supervisor.startProcess", [s("cat")]), ("supervisor.startProcess", [s("g:b")]),
            ("supervisor.startProcess", [s("g:b")]), ("supervisor.getProcessInfo", [s("g:b")]),
            ("supervisor.stopProcess", [s("g:b")]), ("supervisor.stopProcess", [s("g:b")]),
            ("supervisor.startProcess", [s("bad")]), ("supervisor.startProcess", [s("zz:*")]),
            ("supervisor.startProcess", [s("nope")]), ("supervisor.stopProcess", [s("all")]),
            ("supervisor.startProcess", [s("")]),
            ("supervisor.startProcessGroup", [s("g")]), ("supervisor.startProcessGroup", [s("g")]),
            ("supervisor.startProcessGroup", [s("g:*")]), ("supervisor.startProcessGroup", [i(5)]),
            ("supervisor.startProcessGroup", [s("zz")]),
            ("supervisor.stopProcessGroup", [s("g"), b(false)]), ("test.settle", []), ("supervisor.stopProcessGroup", [s("g")]),
            ("supervisor.startProcess", [s("g:*"), i(1)]), ("supervisor.stopProcess", [s("g:")]),
            ("supervisor.startProcess", [s("g:a"), b(false)]),
            ("supervisor.signalProcess", [s("g:a"), s("CONT")]), ("supervisor.signalProcess", [s("g:a"), i(18)]),
            ("supervisor.signalProcess", [s("g:a"), s("18")]), ("supervisor.signalProcess", [s("g:a"), s("NOPE")]),
            ("supervisor.signalProcess", [s("g:b"), s("HUP")]), ("supervisor.signalProcess", [s("nope"), s("HUP")]),
            ("supervisor.signalProcessGroup", [s("g"), s("CONT")]), ("supervisor.signalProcessGroup", [s("g"), s("NOPE")]),
            ("supervisor.signalProcessGroup", [s("zz"), s("CONT")]), ("supervisor.signalAllProcesses", [s("CONT")]),
            ("supervisor.sendProcessStdin", [s("cat"), s("hello\n")]), ("test.sleep", []),
            ("supervisor.sendProcessStdin", [s("cat"), i(5)]), ("supervisor.sendProcessStdin", [s("g:b"), s("x")]),
            ("supervisor.sendProcessStdin", [s("nope"), s("x")]), ("supervisor.sendProcessStdin", [s("g:*"), s("x")]),
            ("supervisor.readProcessStdoutLog", [s("cat"), i(0), i(0)]), ("supervisor.readProcessStdoutLog", [s("cat"), i(-3), i(0)]),
            ("supervisor.readProcessStdoutLog", [s("cat"), i(1), i(2)]), ("supervisor.readProcessStdoutLog", [s("cat"), i(100), i(0)]),
            ("supervisor.readProcessStdoutLog", [s("cat"), i(0), i(-1)]), ("supervisor.readProcessStdoutLog", [s("cat"), i(-1), i(5)]),
            ("supervisor.readProcessStdoutLog", [s("cat"), s("2"), i(0)]), ("supervisor.readProcessLog", [s("cat"), i(0), i(0)]),
            ("supervisor.readProcessStderrLog", [s("cat"), i(0), i(0)]), ("supervisor.readProcessStderrLog", [s("g:a"), i(0), i(0)]),
            ("supervisor.readProcessStdoutLog", [s("nope"), i(0), i(0)]), ("supervisor.readProcessStdoutLog", [s("g:*"), i(0), i(0)]),
            ("supervisor.tailProcessStdoutLog", [s("cat"), i(0), i(3)]), ("supervisor.tailProcessStdoutLog", [s("cat"), i(0), i(100)]),
            ("supervisor.tailProcessStdoutLog", [s("cat"), i(6), i(10)]), ("supervisor.tailProcessStdoutLog", [s("cat"), i(4), i(100)]),
            ("supervisor.tailProcessStdoutLog", [s("cat"), i(-5), i(3)]), ("supervisor.tailProcessLog", [s("cat"), i(0), i(2)]),
            ("supervisor.tailProcessStderrLog", [s("cat"), i(0), i(10)]), ("supervisor.tailProcessStderrLog", [s("g:a"), i(0), i(10)]),
            ("supervisor.tailProcessStdoutLog", [s("nope"), i(0), i(10)]),
            ("supervisor.readProcessStdoutLog", [s("bad"), i(0), i(0)]), ("supervisor.tailProcessStdoutLog", [s("bad"), i(0), i(10)]),
            ("supervisor.readProcessStderrLog", [s("g:b"), i(0), i(0)]), ("supervisor.tailProcessStdoutLog", [s("cat"), s("0"), s("3")]),
            ("supervisor.readProcessStdoutLog", [s(""), i(0), i(0)]), ("supervisor.getProcessInfo", [s("")]),
            ("supervisor.getProcessInfo", [s("bad")]), ("supervisor.addProcessGroup", [s("")]),
            ("supervisor.signalProcess", [s("g:a"), s("")]), ("supervisor.signalProcess", [s("g:a"), s(" cont ")]),
            ("supervisor.signalProcess", [s("g:a"), s("SIGCONT")]), ("supervisor.signalProcess", [s("g:a"), i(99)]),
            ("supervisor.sendProcessStdin", [s("cat"), s("")]), ("supervisor.sendProcessStdin", [s("g:b"), s("")]),
            ("supervisor.clearProcessLogs", [s("bad")]), ("supervisor.startProcess", [s("g:b"), s("")]),
            // supervisord's forked child holds SIGTERM until it execs (its Python handlers are inherited):
            // stop it only once RUNNING.
            ("test.settle", []), ("supervisor.stopProcess", [s("g:b"), i(0)]), ("test.settle", []),
            ("supervisor.getProcessInfo", [s("g:b")]),
            ("system.methodHelp", [s("supervisor.getState")]), ("system.methodSignature", [s("supervisor.startProcess")]),
            ("system.listMethods", []), ("system.methodHelp", [s("nope")]),
            ("supervisor.readLog", [i(0), i(0)]), ("supervisor.readMainLog", [i(-10), i(0)]),
            ("supervisor.readLog", [i(-1), i(5)]), ("supervisor.readLog", [i(0), i(-1)]),
            ("supervisor.clearProcessLogs", [s("cat")]), ("supervisor.readProcessStdoutLog", [s("cat"), i(0), i(0)]),
            ("supervisor.clearProcessLog", [s("cat")]), ("supervisor.clearProcessLogs", [s("g:*")]),
            ("supervisor.clearProcessLogs", [s("nope")]), ("supervisor.clearAllProcessLogs", []),
            ("supervisor.clearLog", []),
            ("supervisor.reloadConfig", []),
            ("supervisor.addProcessGroup", [s("g")]), ("supervisor.addProcessGroup", [s("nope")]), ("supervisor.addProcessGroup", [i(5)]),
            ("supervisor.removeProcessGroup", [s("g")]), ("supervisor.removeProcessGroup", [s("nope")]),
            ("supervisor.stopProcessGroup", [s("g")]), ("supervisor.removeProcessGroup", [s("g")]),
            ("supervisor.reloadConfig", []), ("supervisor.getAllConfigInfo", []),
            ("supervisor.addProcessGroup", [s("g")]), ("supervisor.reloadConfig", []),
            ("supervisor.sendRemoteCommEvent", [s("type"), s("data")]),
            ("system.multicall", [.array([
                .structure([("methodName", s("supervisor.getAPIVersion"))]),
                .structure([("methodName", s("supervisor.stopProcess")), ("params", .array([s("g:b")]))]),
                .structure([("methodName", s("supervisor.getProcessInfo")), ("params", .array([s("nope")]))]),
                .structure([("methodName", s("supervisor.startProcess")), ("params", .array([s("g:b")]))]),
                .structure([("params", .array([]))]),
            ])]),
            ("supervisor.stopAllProcesses", []), ("supervisor.stopAllProcesses", []),
            ("supervisor.startAllProcesses", [b(false)]), ("test.settle", []),
            ("supervisor.getAllProcessInfo", []), ("supervisor.stopAllProcesses", [i(1)]),
            ("supervisor.shutdown", []),
        ]
    }()

    /// Polls `condition` until it holds or `timeout` passes.
    private func waitFor(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    func test_everySafeMethod_answersAsSupervisord430() throws {
        let python = try Supervisor430.python()
        let s = sandbox!
        try s.writeConfig("""
            [supervisord]
            logfile=\(s.mainLogPath)
            pidfile=\(s.pidfilePath)
            childlogdir=\(s.dir)
            identifier=swvtest
            [unix_http_server]
            file=\(s.socketPath)

            """ + Self.programs, header: false)
        try s.startDaemon()
        waitUntil("control socket", timeout: 15) { s.controlClient() != nil }
        let rpc = try XCTUnwrap(XMLRPCCoreDriver(socketPath: s.socketPath))
        waitUntil("no process STARTING") {
            guard case .success(.array(let infos)) = rpc.call("supervisor.getAllProcessInfo") else { return false }
            return infos.allSatisfy { $0[member: "statename"] != .string("STARTING") }
        }
        var answers: [String] = []
        for (method, params) in Self.calls {
            if method == "test.sleep" {
                Thread.sleep(forTimeInterval: 0.5)  // the child's output lands; both sides wait the same
                answers.append(String(decoding: XMLRPCEncoder.response(.string("slept")), as: UTF8.self))
                continue
            }
            if method == "test.settle" {
                // Until no process is STARTING or STOPPING, on both sides: timing never decides a state.
                let settled = waitFor(timeout: 20) {
                    guard case .success(.array(let infos)) = rpc.call("supervisor.getAllProcessInfo") else { return false }
                    return infos.allSatisfy { $0[member: "statename"] != .string("STARTING") && $0[member: "statename"] != .string("STOPPING") }
                }
                answers.append(String(decoding: XMLRPCEncoder.response(.string(settled ? "settled" : "not settled")), as: UTF8.self))
                continue
            }
            answers.append(String(decoding: XMLRPCEncoder.result(rpc.call(method, params)), as: UTF8.self))
        }
        let callsFile = s.dir + "/calls.json", answersFile = s.dir + "/answers.json", programsFile = s.dir + "/programs.conf"
        let bodies = Self.calls.map { String(decoding: XMLRPCEncoder.call($0.0, $0.1), as: UTF8.self) }
        try JSONSerialization.data(withJSONObject: bodies).write(to: URL(fileURLWithPath: callsFile))
        try JSONSerialization.data(withJSONObject: answers).write(to: URL(fileURLWithPath: answersFile))
        try Self.programs.write(toFile: programsFile, atomically: true, encoding: .utf8)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [Binaries.packageRoot + "/Tests/Fixtures/xmlrpc/differential-methods.py", programsFile, callsFile, answersFile]
        var env = ProcessInfo.processInfo.environment
        env["SWV_DIR"] = s.dir
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let report = String(decoding: data, as: UTF8.self)
        let lines = report.split(separator: "\n")
        XCTAssertEqual(p.terminationStatus, 0, report)
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, Self.calls.count, report)
    }
}
