// [fcgi-program:x] end to end (docs/configuration.md): the daemon creates the
// socket, every process of the group accepts on it as its fd 0, the socket
// stays open while the processes restart, and is closed (its path removed)
// when the group is removed or the daemon stops, with no descriptor left in
// the daemon.
import Foundation
import XCTest

final class FastCGIProgramTests: XCTestCase {
    var sandboxes: [Sandbox] = []
    override func tearDown() { for s in sandboxes { s.cleanup() } }

    static let fixtures = Paths.packageRoot + "/Tests/Fixtures/fcgi"
    static let python = "/usr/bin/python3"

    func sandbox(_ name: String = #function) throws -> Sandbox {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else { throw XCTSkip("no \(Self.python) for the FastCGI child") }
        let s = try Sandbox(name: name)
        sandboxes.append(s)
        return s
    }

    func program(_ socket: String, extra: String = "") -> String {
        """
        [fcgi-program:echo]
        command=\(Self.python) -u \(Self.fixtures)/accepting-child.py
        socket=\(socket)
        startsecs=0
        \(extra)

        """
    }

    func exchange(_ s: Sandbox, _ url: String, _ message: String) throws -> String {
        try s.run(Self.python, [Self.fixtures + "/client.py", url, message]).stdout
    }

    func pid(_ s: Sandbox) throws -> String {
        try s.ctl("pid", "echo:echo").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func test_unixSocket_servesThroughFd0_staysOpenAcrossRestarts_andGoesWithTheGroup() throws {
        let s = try sandbox()
        let path = s.dir + "/echo.sock", url = "unix://" + s.dir + "/echo.sock"
        // No log files: the daemon's descriptors are then its own plus the socket.
        try s.writeConfig(program(url, extra: "socket_mode=0660\nstdout_logfile=NONE\nstderr_logfile=NONE"))
        let daemon = try s.startDaemon()
        waitUntil("echo running", timeout: 10) { s.logLines(containing: "echo entered RUNNING").count == 1 }
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        XCTAssertEqual(mode, 0o660)
        let first = try pid(s)
        XCTAssertEqual(try exchange(s, url, "hello"), "pid \(first) got hello")
        XCTAssertEqual(s.logLines(containing: "INFO Creating socket \(url)").count, 1, s.mainLog)
        let inode = (try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int) ?? -1

        // While no process runs, the socket still listens: a client that
        // connects now is answered by the next process (supervisord closes
        // the socket with its last process and refuses it).
        XCTAssertTrue(try s.ctl("stop", "echo:echo").stdout.contains("stopped"))
        let early = Process()
        early.executableURL = URL(fileURLWithPath: Self.python)
        early.arguments = [Self.fixtures + "/client.py", url, "early"]
        let earlyOut = Pipe()
        early.standardOutput = earlyOut
        try early.run()
        s.track(pid: early.processIdentifier)
        Thread.sleep(forTimeInterval: 0.3)  // the client is connected and waiting: nothing to observe until the start
        XCTAssertTrue(early.isRunning, "connected to the listening socket, waiting for an answer")
        XCTAssertTrue(try s.ctl("start", "echo:echo").stdout.contains("started"))
        let second = try pid(s)
        XCTAssertNotEqual(second, first)
        early.waitUntilExit()
        XCTAssertEqual(String(decoding: earlyOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "pid \(second) got early")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int) ?? -2, inode, "the same socket")
        XCTAssertEqual(s.logLines(containing: "Creating socket").count, 1)

        // A process killed from outside is restarted and serves the same socket.
        kill(Int32(second) ?? 0, SIGKILL)
        waitUntil("echo restarted", timeout: 10) { s.logLines(containing: "echo entered RUNNING").count == 3 }
        XCTAssertEqual(try exchange(s, url, "again"), "pid \(try pid(s)) got again")

        // Removing the group closes the socket and removes its path; adding
        // it back creates it again. No descriptor is left over each time.
        XCTAssertTrue(try s.ctl("stop", "echo:echo").stdout.contains("stopped"))
        let withSocket = settledFDCount(daemon.processIdentifier)
        for round in 1...3 {
            XCTAssertEqual(try s.ctl("remove", "echo").stdout, "echo: removed process group\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "round \(round)")
            XCTAssertEqual(settledFDCount(daemon.processIdentifier), withSocket - 1, "round \(round)")
            XCTAssertEqual(try s.ctl("add", "echo").stdout, "echo: added process group\n")
            waitUntil("echo running again", timeout: 10) { s.logLines(containing: "echo entered RUNNING").count == 3 + round }
            XCTAssertEqual(try exchange(s, url, "round \(round)"), "pid \(try pid(s)) got round \(round)")
            XCTAssertTrue(try s.ctl("stop", "echo:echo").stdout.contains("stopped"))
            XCTAssertEqual(settledFDCount(daemon.processIdentifier), withSocket, "round \(round)")
        }
        XCTAssertEqual(s.logLines(containing: "INFO Closing socket \(url)").count, 3)
        XCTAssertEqual(s.stopDaemon(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "closed and removed at shutdown")
    }

    func test_tcpSocket_servesEveryProcessOfTheGroup() throws {
        let s = try sandbox()
        let port = try s.run(Self.python, ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let url = "tcp://127.0.0.1:\(port)"
        try s.writeConfig(program(url, extra: "numprocs=2\nprocess_name=%(program_name)s_%(process_num)s\nsocket_backlog=5"))
        try s.startDaemon()
        waitUntil("both running", timeout: 10) { s.logLines(containing: "entered RUNNING").count == 2 }
        let pids = Set(try s.ctl("pid", "all").stdout.split(separator: "\n").map(String.init))
        var answeredBy = Set<String>()
        for i in 0..<20 where answeredBy.count < 2 {
            let answer = try exchange(s, url, "n\(i)")
            XCTAssertTrue(answer.hasPrefix("pid ") && answer.hasSuffix(" got n\(i)"), answer)
            answeredBy.insert(String(answer.dropFirst(4).prefix { $0 != " " }))
        }
        XCTAssertTrue(answeredBy.isSubset(of: pids), "\(answeredBy) of \(pids)")
        XCTAssertEqual(s.stopDaemon(), 0)
    }

    func test_socketThatCannotBeCreated_isLogged_andTheSpawnFails() throws {
        let s = try sandbox()
        let url = "unix://" + s.dir + "/missing/echo.sock"
        try s.writeConfig(program(url, extra: "startretries=0"))
        try s.startDaemon()
        waitUntil("echo FATAL", timeout: 10) { s.logLines(containing: "gave up: echo entered FATAL state").count == 1 }
        XCTAssertEqual(s.logLines(containing: "ERRO Could not create FastCGI socket \(url): bind(\(s.dir)/missing/echo.sock): No such file or directory").count, 2,
                       "when the group is added, and at the spawn: \(s.mainLog)")
        XCTAssertEqual(s.logLines(containing: "spawnerr: Could not create FastCGI socket").count, 1, s.mainLog)
        XCTAssertEqual(s.stopDaemon(), 0)
    }
}
