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

    static let programs = XMLRPCCoreDriver.testPrograms + """
        [eventlistener:rec]
        command=/usr/bin/python3 -u \(Binaries.packageRoot)/Tests/Fixtures/events/recording-listener.py %(here)s/rec.out
        events=REMOTE_COMMUNICATION
        startsecs=0
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

    /// Waits (20 s at most) until no process is STARTING or STOPPING, as
    /// differential-methods.py's `settle` does on supervisord's side.
    private func settle(_ rpc: XMLRPCCoreDriver) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        repeat {
            if case .success(.array(let infos)) = rpc.call("supervisor.getAllProcessInfo"),
               infos.allSatisfy({ $0[member: "statename"] != .string("STARTING") && $0[member: "statename"] != .string("STOPPING") }) {
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)  // polling interval inside a deadline loop
        } while Date() < deadline
        return false
    }

    func test_everySafeMethod_answersAsSupervisord430() throws {
        _ = try Supervisor430.python()  // skips, saying so, without supervisor 4.3.0
        let s = sandbox!
        let rpc = try s.startXMLRPCDaemon(Self.programs, identifier: "swvtest")
        XCTAssertTrue(settle(rpc), "autostart processes leave STARTING")
        var answers: [String] = []
        for (method, params) in Self.calls {
            if method == "test.sleep" {
                Thread.sleep(forTimeInterval: 0.5)  // the child's output lands; both sides wait the same
                answers.append(String(decoding: XMLRPCEncoder.response(.string("slept")), as: UTF8.self))
                continue
            }
            if method == "test.settle" {
                // Until no process is STARTING or STOPPING, on both sides: timing never decides a state.
                answers.append(String(decoding: XMLRPCEncoder.response(.string(settle(rpc) ? "settled" : "not settled")), as: UTF8.self))
                continue
            }
            answers.append(String(decoding: XMLRPCEncoder.result(rpc.call(method, params)), as: UTF8.self))
        }
        let answersFile = s.dir + "/answers.json"
        try JSONSerialization.data(withJSONObject: answers).write(to: URL(fileURLWithPath: answersFile))
        try compareWithSupervisord(answersFile)
    }

    /// The same calls through Python's xmlrpc.client to swiftvisord's own
    /// HTTP endpoint on its Unix socket, compared with supervisord's answers
    /// too. Skipped, saying so, while the daemon answers HTTP with 501.
    func test_everySafeMethod_overHTTP_answersAsSupervisord430() throws {
        _ = try Supervisor430.python()  // skips, saying so, without supervisor 4.3.0
        let s = sandbox!
        let rpc = try s.startXMLRPCDaemon(Self.programs, identifier: "swvtest")
        guard Self.servesXMLRPC(socketPath: s.socketPath) else {
            throw XCTSkip("swiftvisord does not serve XML-RPC over HTTP on its socket: compared through the dispatcher only")
        }
        XCTAssertTrue(settle(rpc), "autostart processes leave STARTING")
        let answersFile = s.dir + "/http-answers.json"
        let (status, output) = try Supervisor430.run(script: Self.script, ["--collect", s.socketPath, try callsFile(), answersFile])
        XCTAssertEqual(status, 0, output)
        try compareWithSupervisord(answersFile)
    }

    static let script = Binaries.packageRoot + "/Tests/Fixtures/xmlrpc/differential-methods.py"

    /// The calls as XML-RPC request bodies, in a file for the script.
    private func callsFile() throws -> String {
        let path = sandbox.dir + "/calls.json"
        let bodies = Self.calls.map { String(decoding: XMLRPCEncoder.call($0.0, $0.1), as: UTF8.self) }
        try JSONSerialization.data(withJSONObject: bodies).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs the same calls on supervisord 4.3.0 and compares its answers with swiftvisord's in `answersFile`.
    private func compareWithSupervisord(_ answersFile: String) throws {
        let programsFile = sandbox.dir + "/programs.conf"
        try Self.programs.write(toFile: programsFile, atomically: true, encoding: .utf8)
        let (status, report) = try Supervisor430.run(script: Self.script, [programsFile, try callsFile(), answersFile],
                                                     environment: ["SWV_DIR": sandbox.dir])
        XCTAssertEqual(status, 0, report)
        XCTAssertEqual(report.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count, Self.calls.count, report)
    }

    /// Whether the daemon on `socketPath` answers `POST /RPC2` with 200.
    static func servesXMLRPC(socketPath: String) -> Bool {
        guard let c = ControlClient(path: socketPath) else { return false }
        let body = XMLRPCEncoder.call("supervisor.getVersion", [])
        c.send(Array("POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        return c.readLine(timeout: 10)?.hasPrefix("HTTP/1.0 200") ?? false
    }
}
