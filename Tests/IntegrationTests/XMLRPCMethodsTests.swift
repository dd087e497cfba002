// The `supervisor.*` XML-RPC methods against a real swiftvisord: each call
// driven through XMLRPCDispatcher over a real SWV1 connection
// (XMLRPCCoreDriver), as the HTTP worker drives it.
import Foundation
import SwiftvisorCore
import XCTest

final class XMLRPCMethodsTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox?.cleanup() }

    private func start(_ programs: String, identifier: String? = nil) throws -> XMLRPCCoreDriver {
        try sandbox.startXMLRPCDaemon(programs, identifier: identifier)
    }

    private let programs = XMLRPCCoreDriver.testPrograms

    func test_daemonMethods_versionsStateIdentificationPid() throws {
        let rpc = try start(programs, identifier: "hostA")
        XCTAssertEqual(rpc.call("supervisor.getVersion"), .success(.string("3.0")))
        XCTAssertEqual(rpc.call("supervisor.getSupervisorVersion"), .success(.string("4.3.0")))
        XCTAssertEqual(rpc.call("supervisor.getIdentification"), .success(.string("hostA")))
        XCTAssertEqual(rpc.call("supervisor.getState"), .success(.structure([("statecode", .int(1)), ("statename", .string("RUNNING"))])))
        XCTAssertEqual(rpc.call("supervisor.getPID"), .success(.int(Int(sandbox.daemon!.processIdentifier))))
        XCTAssertEqual(rpc.call("supervisor.sendRemoteCommEvent", [.string("t"), .string("d")]), .success(.bool(true)))
    }

    func test_startStopWait_groupResults_andProcessInfo() throws {
        let rpc = try start(programs)
        waitUntil("cat running") { rpc.call("supervisor.getProcessInfo", [.string("cat")]).value?[member: "statename"] == .string("RUNNING") }
        // startsecs=1: wait=True answers once RUNNING, after at least a second.
        let began = Date()
        XCTAssertEqual(rpc.call("supervisor.startProcess", [.string("g:b")]), .success(.bool(true)))
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(began), 0.9)
        XCTAssertEqual(rpc.call("supervisor.getProcessInfo", [.string("g:b")]).value?[member: "statename"], .string("RUNNING"))
        XCTAssertEqual(rpc.call("supervisor.startProcess", [.string("g:b")]), .failure(XMLRPCFault(code: 60, string: "ALREADY_STARTED: g:b")))
        XCTAssertEqual(rpc.call("supervisor.stopProcess", [.string("g:b")]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("supervisor.stopProcess", [.string("g:b")]), .failure(XMLRPCFault(code: 70, string: "NOT_RUNNING: g:b")))
        // wait=False answers at once: still STARTING.
        XCTAssertEqual(rpc.call("supervisor.startProcess", [.string("g:b"), .bool(false)]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("supervisor.getProcessInfo", [.string("g:b")]).value?[member: "statename"], .string("STARTING"))
        // Group: only running processes are stopped; results in process order.
        let stopped = rpc.call("supervisor.stopProcessGroup", [.string("g")])
        XCTAssertEqual(stopped.value?.elements.map { $0[member: "name"] }, [.string("a"), .string("b")])
        XCTAssertEqual(rpc.call("supervisor.stopProcessGroup", [.string("g")]), .success(.array([])))
        XCTAssertEqual(rpc.call("supervisor.startProcessGroup", [.string("g:*")]), .failure(XMLRPCFault(code: 10, string: "BAD_NAME: g:*")))
        XCTAssertEqual(rpc.call("supervisor.startProcess", [.string("zz:*")]), .failure(XMLRPCFault(code: 10, string: "BAD_NAME: zz:*")))
        let info = rpc.call("supervisor.getAllProcessInfo")
        XCTAssertEqual(info.value?.elements.map { $0[member: "name"] }, [.string("bad"), .string("cat"), .string("a"), .string("b")])
        XCTAssertEqual(info.value?.elements[1][member: "logfile"], .string(sandbox.dir + "/cat.out"))
    }

    func test_stdinAndLogs_readTailClear() throws {
        let rpc = try start(programs)
        waitUntil("cat running") { rpc.call("supervisor.getProcessInfo", [.string("cat")]).value?[member: "pid"] != .int(0) }
        XCTAssertEqual(rpc.call("supervisor.sendProcessStdin", [.string("cat"), .string("hello\n")]), .success(.bool(true)))
        waitUntil("cat echoed") { rpc.call("supervisor.readProcessStdoutLog", [.string("cat"), .int(0), .int(0)]) == .success(.string("hello\n")) }
        XCTAssertEqual(rpc.call("supervisor.readProcessStdoutLog", [.string("cat"), .int(-3), .int(0)]), .success(.string("lo\n")))
        XCTAssertEqual(rpc.call("supervisor.readProcessStdoutLog", [.string("cat"), .int(100), .int(0)]), .success(.string("")))
        XCTAssertEqual(rpc.call("supervisor.readProcessStdoutLog", [.string("cat"), .int(0), .int(-1)]), .failure(XMLRPCFault(code: 3, string: "BAD_ARGUMENTS")))
        XCTAssertEqual(rpc.call("supervisor.tailProcessStdoutLog", [.string("cat"), .int(0), .int(3)]),
                       .success(.array([.string("lo\n"), .int(6), .bool(true)])))
        XCTAssertEqual(rpc.call("supervisor.tailProcessStdoutLog", [.string("cat"), .int(4), .int(100)]),
                       .success(.array([.string("hello\n"), .int(6), .bool(false)])))
        XCTAssertEqual(rpc.call("supervisor.tailProcessStderrLog", [.string("cat"), .int(0), .int(10)]),
                       .success(.array([.string(""), .int(0), .bool(false)])))
        XCTAssertEqual(rpc.call("supervisor.readProcessStdoutLog", [.string("g:*"), .int(0), .int(0)]),
                       .failure(XMLRPCFault(code: 10, string: "BAD_NAME: g:*")))
        XCTAssertEqual(rpc.call("supervisor.sendProcessStdin", [.string("g:b"), .string("x")]), .failure(XMLRPCFault(code: 70, string: "NOT_RUNNING: g:b")))
        XCTAssertEqual(rpc.call("supervisor.clearProcessLogs", [.string("cat")]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("supervisor.readProcessStdoutLog", [.string("cat"), .int(0), .int(0)]), .success(.string("")))
        // The main log: read, then cleared to a new empty file that is written on.
        guard case .success(.string(let before)) = rpc.call("supervisor.readLog", [.int(0), .int(0)]) else { return XCTFail() }
        XCTAssertTrue(before.contains("spawned: 'cat'"), before)
        XCTAssertEqual(rpc.call("supervisor.clearLog"), .success(.bool(true)))
        guard case .success(.string(let after)) = rpc.call("supervisor.readLog", [.int(0), .int(0)]) else { return XCTFail() }
        XCTAssertFalse(after.contains("spawned: 'cat'"), after)
        let all = rpc.call("supervisor.clearAllProcessLogs")
        XCTAssertEqual(all.value?.elements.map { $0[member: "name"] }, [.string("bad"), .string("cat"), .string("a"), .string("b")])
    }

    func test_configMethods_reloadAddRemove_andConfigInfo() throws {
        let rpc = try start(programs)
        XCTAssertEqual(rpc.call("supervisor.reloadConfig"), .success(.array([.array([.array([]), .array([]), .array([])])])))
        let configs = rpc.call("supervisor.getAllConfigInfo").value?.elements ?? []
        XCTAssertEqual(configs.map { $0[member: "name"] }, [.string("a"), .string("b"), .string("bad"), .string("cat")])
        XCTAssertEqual(configs.first.flatMap { if case .struct(let m) = $0 { return m.count } else { return nil } }, 29)
        XCTAssertEqual(configs.last?[member: "stdout_logfile"], .string(sandbox.dir + "/cat.out"))
        XCTAssertEqual(rpc.call("supervisor.addProcessGroup", [.string("g")]), .failure(XMLRPCFault(code: 90, string: "ALREADY_ADDED: g")))
        XCTAssertEqual(rpc.call("supervisor.removeProcessGroup", [.string("g")]), .failure(XMLRPCFault(code: 91, string: "STILL_RUNNING: g")))
        XCTAssertEqual(rpc.call("supervisor.stopProcessGroup", [.string("g")]).value?.elements.count, 1)
        XCTAssertEqual(rpc.call("supervisor.removeProcessGroup", [.string("g")]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("supervisor.reloadConfig"), .success(.array([.array([.array([.string("g")]), .array([]), .array([])])])))
        XCTAssertEqual(rpc.call("supervisor.addProcessGroup", [.string("g")]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("supervisor.addProcessGroup", [.string("nope")]), .failure(XMLRPCFault(code: 10, string: "BAD_NAME: nope")))
    }

    func test_sendRemoteCommEvent_reachesASubscribedListener() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("no python3 for the recording listener")
        }
        let recording = sandbox.dir + "/rec.out"
        let rpc = try start("""
            [eventlistener:rec]
            command=\(python) -u \(Binaries.packageRoot)/Tests/Fixtures/events/recording-listener.py \(recording)
            events=REMOTE_COMMUNICATION
            startsecs=0

            """)
        waitUntil("listener running") { rpc.call("supervisor.getProcessInfo", [.string("rec")]).value?[member: "statename"] == .string("RUNNING") }
        XCTAssertEqual(rpc.call("supervisor.sendRemoteCommEvent", [.string("mytype"), .string("my data é")]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("supervisor.sendRemoteCommEvent", [.int(5), .array([.string("a")])]), .success(.bool(true)))
        waitUntil("both events recorded") { ((try? String(contentsOfFile: recording, encoding: .utf8)) ?? "").components(separatedBy: "\n---\n").count == 3 }
        let records = (try String(contentsOfFile: recording, encoding: .utf8)).components(separatedBy: "\n---\n")
        XCTAssertTrue(records[0].contains("eventname:REMOTE_COMMUNICATION"), records[0])
        XCTAssertTrue(records[0].hasSuffix("\ntype:mytype\nmy data é"), records[0])
        XCTAssertTrue(records[1].hasSuffix("\ntype:5\n['a']"), records[1])
    }

    func test_shutdown_thenEveryMethodButRemoteCommIsShutdownState() throws {
        let rpc = try start("""
            [program:slow]
            command=sh -c 'trap "" TERM; echo trapped; sleep 1000'
            startsecs=0
            stopwaitsecs=5

            """)
        // RUNNING comes at once with startsecs=0: wait for the trap itself,
        // or a SIGTERM before it ends the shutdown (and the daemon) at once.
        waitUntil("slow ignores SIGTERM") {
            rpc.call("supervisor.readProcessStdoutLog", [.string("slow"), .int(0), .int(100)]).value == .string("trapped\n")
        }
        XCTAssertEqual(rpc.call("supervisor.shutdown"), .success(.bool(true)))
        waitUntil("stopping") { rpc.call("supervisor.getState") == .failure(XMLRPCFault(.shutdownState)) }
        for (method, params) in [("supervisor.getVersion", [XMLRPCValue]()), ("supervisor.readLog", [.int(0), .int(0)]),
                                 ("supervisor.tailProcessStdoutLog", [.string("slow"), .int(0), .int(10)]),
                                 ("supervisor.getAllProcessInfo", [])] {
            XCTAssertEqual(rpc.call(method, params), .failure(XMLRPCFault(.shutdownState)), method)
        }
        XCTAssertEqual(rpc.call("supervisor.sendRemoteCommEvent", [.string("t"), .string("d")]), .success(.bool(true)))
        XCTAssertEqual(rpc.call("system.listMethods").value?.elements.count, 41)
    }
}

extension Result where Success == XMLRPCValue, Failure == XMLRPCFault {
    var value: XMLRPCValue? { if case .success(let v) = self { return v } else { return nil } }
}
