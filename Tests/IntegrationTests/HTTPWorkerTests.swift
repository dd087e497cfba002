// swiftvisord's HTTP side end to end: the real daemon, its HTTP worker
// process, and clients nobody here wrote (Python's xmlrpc.client, real
// supervisorctl 4.3.0 when SWV_SUPERVISOR_VENV names its virtualenv), plus
// raw sockets for keep-alive, pipelining and the log streams.
import Foundation
import Glibc
import XCTest

final class HTTPWorkerTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func requirePython() throws {
        let r = try sandbox.run("/usr/bin/env", ["python3", "-c", "import xmlrpc.client, http.client"])
        if r.status != 0 { throw XCTSkip("python3 with xmlrpc.client is not on PATH: these tests drive the daemon with it") }
    }

    /// Run a Python script (written to the sandbox) with `args`.
    private func python(_ script: String, _ args: String...) throws -> CommandResult {
        let path = try sandbox.write(script, to: "client-\(UUID().uuidString.prefix(8)).py")
        return try sandbox.run("/usr/bin/env", ["python3", path] + args, timeout: 60)
    }

    /// The standard config (Unix socket) plus an inet port, with optional auth lines for each.
    private func start(programs: String, unixAuth: String = "", inetAuth: String = "") throws -> Int {
        let port = try freeLoopbackPort()
        try sandbox.writeConfig("""
        [supervisord]
        logfile=\(sandbox.mainLogPath)
        pidfile=\(sandbox.pidfilePath)
        childlogdir=\(sandbox.dir)
        [unix_http_server]
        file=\(sandbox.socketPath)
        \(unixAuth)
        [inet_http_server]
        port=127.0.0.1:\(port)
        \(inetAuth)
        [supervisorctl]
        serverurl=unix://\(sandbox.socketPath)
        \(programs)
        """, header: false)
        try sandbox.startDaemon()
        let pid = try XCTUnwrap(sandbox.daemonPid)
        waitUntil("the http worker runs", timeout: 15) { httpWorkerPid(of: pid) != nil || !(sandbox.daemon?.isRunning ?? false) }
        return port
    }

    /// Python's own xmlrpc.client over TCP, and over the Unix socket with a
    /// transport: supervisor's SupervisorTransport from the 4.3.0 virtualenv
    /// when there is one, else http.client over AF_UNIX written here.
    static let unixTransport = #"""
    import http.client, socket, sys, os, xmlrpc.client
    venv = os.environ.get("SWV_SUPERVISOR_VENV")
    def unix_proxy(path, user=None, password=None):
        if venv:
            import glob
            for site in glob.glob(venv + "/lib/python3*/site-packages"):
                sys.path.insert(0, site)
            from supervisor.xmlrpc import SupervisorTransport
            return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(user, password, "unix://" + path))
        class Conn(http.client.HTTPConnection):
            def connect(self):
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
        class Transport(xmlrpc.client.Transport):
            def make_connection(self, host):
                # get_host_info turns the URL's user:password into the
                # Authorization header (the base class does it here too).
                _, self._extra_headers, _ = self.get_host_info(host)
                return Conn("localhost")
        auth = "%s:%s@" % (user, password.replace(" ", "%20")) if user else ""
        return xmlrpc.client.ServerProxy("http://%slocalhost/RPC2" % auth, transport=Transport())
    """#

    func test_xmlrpcClient_overTCPAndTheUnixSocket_getPIDListMethodsMulticall() throws {
        try requirePython()
        let port = try start(programs: "[program:idle]\ncommand=/bin/sleep 1000\nautostart=false\n")
        let daemonPid = try XCTUnwrap(sandbox.daemonPid)
        let r = try python(Self.unixTransport + "\n" + #"""
        for proxy in (xmlrpc.client.ServerProxy("http://127.0.0.1:%s/RPC2" % sys.argv[1]), unix_proxy(sys.argv[2])):
            print(proxy.supervisor.getPID())
            print(proxy.supervisor.getSupervisorVersion(), proxy.supervisor.getVersion())
            methods = proxy.system.listMethods()
            print(len(methods), methods[0], "supervisor.getPID" in methods)
            print(proxy.system.multicall([{"methodName": "supervisor.getPID"}, {"methodName": "nope.nope"},
                                          {"methodName": "supervisor.getAPIVersion"}]))
            try:
                proxy.supervisor.nosuch()
            except xmlrpc.client.Fault as f:
                print("fault", f.faultCode, f.faultString)
        """#, String(port), sandbox.socketPath)
        XCTAssertEqual(r.status, 0, r.stderr)
        let one = """
        \(daemonPid)
        4.3.0 3.0
        41 supervisor.addProcessGroup True
        [\(daemonPid), {'faultCode': 1, 'faultString': 'UNKNOWN_METHOD'}, '3.0']
        fault 1 UNKNOWN_METHOD

        """
        XCTAssertEqual(r.stdout, one + one)
    }

    func test_keepAliveAndPipelining_asMedusa_onRawSockets() throws {
        try requirePython()
        let port = try start(programs: "")
        let r = try python(#"""
        import socket, sys
        body = b"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAPIVersion</methodName>\n<params>\n</params>\n</methodCall>\n"
        def req(version, extra=b""):
            return b"POST /RPC2 HTTP/" + version + b"\r\nContent-Length: %d\r\n" % len(body) + extra + b"\r\n" + body
        def read_all(s):
            data = b""
            s.settimeout(10)
            while True:
                chunk = s.recv(65536)
                if not chunk: return data
                data += chunk
        def read_responses(s, n):
            data = b""
            s.settimeout(10)
            while data.count(b"</methodResponse>") < n:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            return data
        port = int(sys.argv[1])
        # HTTP/1.1: three pipelined requests in one write, answered in order on one connection.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(req(b"1.1") * 3)
        data = read_responses(s, 3)
        print("1.1 pipelined", data.count(b"HTTP/1.1 200 OK\r\n"), data.count(b"<string>3.0</string>"), b"Connection:" in data)
        # and the connection stays open for a fourth
        s.sendall(req(b"1.1"))
        print("1.1 again", read_responses(s, 1).count(b"200 OK"))
        # Connection: close: answered, then closed.
        s.sendall(req(b"1.1", b"Connection: close\r\n"))
        tail = read_all(s)
        print("1.1 close", tail.count(b"200 OK"), b"Connection" in tail)
        # HTTP/1.0 keep-alive: announced, stays open.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(req(b"1.0", b"Connection: keep-alive\r\n"))
        data = read_responses(s, 1)
        print("1.0 keep-alive", data.startswith(b"HTTP/1.0 200 OK\r\nServer: swiftvisord\r\nDate: "), b"Connection: Keep-Alive\r\n" in data)
        s.sendall(req(b"1.0"))
        tail = read_all(s)
        print("1.0 plain", tail.count(b"200 OK"), b"Connection" in tail)
        # Error statuses exactly where supervisord gives them; keep-alive survives them.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /RPC2 HTTP/1.1\r\n\r\nPOST /RPC2 HTTP/1.1\r\n\r\nGET /nothing HTTP/1.1\r\n\r\nPUT /x HTTP/1.1\r\n\r\n"
                  b"POST /RPC2 HTTP/1.1\r\nContent-Length: 5\r\n\r\n<bad>GET /logtail/nope HTTP/1.1\r\nConnection: close\r\n\r\n")
        data = read_all(s)
        print("statuses", [line.split(b" ")[1].decode() for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")])
        # A request line the parser refuses: 400 and closed.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /x HTTP/2.0\r\n\r\n")
        print("refused", read_all(s).split(b"\r\n")[0])
        """#, String(port))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
        1.1 pipelined 3 3 False
        1.1 again 1
        1.1 close 1 False
        1.0 keep-alive True True
        1.0 plain 1 False
        statuses ['400', '411', '404', '400', '400', '404']
        refused b'HTTP/1.0 505 HTTP Version not supported'

        """)
        waitUntil("the invalid body is logged by the core") {
            !sandbox.logLines(containing: "ERRO XML-RPC request data '<bad>' is invalid: unmarshallable").isEmpty
        }
    }

    func test_basicAuth_401WithRealm_thenPlainAndSHAPasswordsAccepted_lowerCaseDigestOnly() throws {
        try requirePython()
        let sha = "{SHA}" + "e38ad214943daad1d64c102faec29de4afe9da3d"  // sha1("password1")
        let port = try start(programs: "", unixAuth: "username=user\npassword=plain s3cret",
                             inetAuth: "username=admin\npassword=\(sha)")
        let r = try python(Self.unixTransport + "\n" + #"""
        import base64
        port, path = int(sys.argv[1]), sys.argv[2]
        def raw(headers):
            s = socket.create_connection(("127.0.0.1", port))
            s.settimeout(10)
            body = b"<?xml version='1.0'?><methodCall><methodName>supervisor.getPID</methodName></methodCall>"
            s.sendall(b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n" % len(body) + headers + b"\r\n" + body)
            data = b""
            while True:
                c = s.recv(65536)
                if not c: return data
                data += c
        none = raw(b"")
        print(none.split(b"\r\n")[0].decode(), b'WWW-Authenticate: Basic realm="default"' in none, b"Connection: close" in none)
        wrong = raw(b"Authorization: Basic " + base64.b64encode(b"admin:nope") + b"\r\n")
        print(wrong.split(b"\r\n")[0].decode())
        upper = raw(b"Authorization: Basic " + base64.b64encode(b"admin:E38AD214943DAAD1D64C102FAEC29DE4AFE9DA3D") + b"\r\n")
        print("digest as password", upper.split(b"\r\n")[0].decode())
        print("GET / without credentials", raw(b"").split(b"\r\n")[0].decode())
        ok = xmlrpc.client.ServerProxy("http://admin:password1@127.0.0.1:%d/RPC2" % port)
        print("sha", ok.supervisor.getAPIVersion(), ok.supervisor.getAPIVersion())
        try:
            xmlrpc.client.ServerProxy("http://admin:password2@127.0.0.1:%d/RPC2" % port).supervisor.getPID()
        except xmlrpc.client.ProtocolError as e:
            print("wrong", e.errcode)
        print("plain", unix_proxy(path, "user", "plain s3cret").supervisor.getAPIVersion())
        """#, String(port), sandbox.socketPath)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
        HTTP/1.1 401 Unauthorized True True
        HTTP/1.1 401 Unauthorized
        digest as password HTTP/1.1 401 Unauthorized
        GET / without credentials HTTP/1.1 401 Unauthorized
        sha 3.0 3.0
        wrong 401
        plain 3.0

        """)
    }

    func test_logtail_streamsChunked_newBytesAndTheTruncationMarker_rawOnHTTP10_andMainlogtail() throws {
        try requirePython()
        let port = try start(programs: """
        [program:talker]
        command=/bin/sh -c 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.2; done'
        stdout_logfile=\(sandbox.dir)/talker.log
        """)
        waitUntil("talker logged") { ((try? String(contentsOfFile: sandbox.dir + "/talker.log", encoding: .utf8)) ?? "").contains("line 3") }
        let r = try python(#"""
        import os, socket, sys
        port = int(sys.argv[1])
        def stream(request, until, then=None):
            s = socket.create_connection(("127.0.0.1", port))
            s.settimeout(15)
            s.sendall(request)
            data = b""
            while until not in data:
                c = s.recv(65536)
                if not c: break
                data += c
                if then and b"line" in data and then():
                    then = None
            s.close()
            return data
        # supervisorctl's own bytes (Host empty, an extra CRLF after the head).
        data = stream(b"GET /logtail/talker/stdout HTTP/1.1\r\nHost: \r\nAccept-Encoding: chunked\r\nAccept: */*\r\n"
                      b"User-agent: Supervisor HTTP Client\r\n\r\n\r\n", b"line 12")
        head, _, body = data.partition(b"\r\n\r\n")
        print(head.split(b"\r\n")[0].decode(), b"Transfer-Encoding: chunked" in head, b"X-Accel-Buffering: no" in head,
              b"Content-Type: text/plain;charset=utf-8" in head)
        print("chunked body", body.split(b"\r\n")[1].startswith(b"line "))
        data = stream(b"GET /logtail/talker HTTP/1.1\r\n\r\n", b"==> File truncated <==",
                      then=lambda: os.truncate(sys.argv[2], 0) or True)
        print("truncated", b"==> File truncated <==\n" in data)
        data = stream(b"GET /logtail/talker HTTP/1.0\r\n\r\n", b"line")
        head, _, body = data.partition(b"\r\n\r\n")
        print(head.split(b"\r\n")[0].decode(), b"Transfer-Encoding" in head, body.startswith(b"line "))
        data = stream(b"GET /mainlogtail HTTP/1.1\r\n\r\n", b"supervisord started")
        head, _, body = data.partition(b"\r\n\r\n")
        print("main", head.split(b"\r\n")[0].decode(), b"X-Accel-Buffering" in head, b"supervisord started with pid" in body)
        print("unknown", stream(b"GET /logtail/nope HTTP/1.1\r\n\r\n", b"</body>").split(b"\r\n")[0].decode())
        """#, String(port), sandbox.dir + "/talker.log")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
        HTTP/1.1 200 OK True True True
        chunked body True
        truncated True
        HTTP/1.0 200 OK False True
        main HTTP/1.1 200 OK False True
        unknown HTTP/1.1 404 Not Found

        """)
    }

    func test_clientsThatDoNotRead_aStreamAndAnAnswer_delayNobody_andHoldBoundedMemory() throws {
        try requirePython()
        let port = try start(programs: """
        [program:flood]
        command=/bin/sh -c 'yes "flood flood flood flood flood flood flood flood flood flood flood flood"'
        stdout_logfile=\(sandbox.dir)/flood.log
        stdout_logfile_maxbytes=50MB
        """)
        let daemonPid = try XCTUnwrap(sandbox.daemonPid)
        let worker = try XCTUnwrap(httpWorkerPid(of: daemonPid))
        let r = try python(#"""
        import socket, sys, time, xmlrpc.client
        port = int(sys.argv[1])
        hogs = []
        for i in range(5):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /logtail/flood HTTP/1.1\r\n\r\n")  # and never read
            hogs.append(s)
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            body = b"<?xml version='1.0'?><methodCall><methodName>system.listMethods</methodName></methodCall>"
            s.sendall((b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body) * 200)  # and never read
            hogs.append(s)
        time.sleep(1)
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        worst = 0
        for i in range(50):
            t = time.monotonic()
            proxy.supervisor.getPID()
            worst = max(worst, time.monotonic() - t)
        print("worst", worst)
        """#, String(port))
        XCTAssertEqual(r.status, 0, r.stderr)
        let worst = try XCTUnwrap(Double(r.stdout.replacingOccurrences(of: "worst ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)))
        // A few ms on an idle machine; the bound leaves room for a loaded CI.
        XCTAssertLessThan(worst, 0.5, "a getPID behind clients that do not read")
        let rss = try String(contentsOfFile: "/proc/\(worker)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        let kib = Int(rss?.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        XCTAssertLessThan(kib, 64 * 1024, "the worker's memory stays bounded: \(rss ?? "")")
    }

    /// A daemon with `talker`, which writes a numbered line every 100 ms to talker.log.
    private func startWithTalker() throws -> Int {
        try start(programs: """
        [program:talker]
        command=/bin/sh -c 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.1; done'
        stdout_logfile=\(sandbox.dir)/talker.log
        """)
    }

    func test_workerKilledWithSIGKILLAndSIGSEGV_isLoggedAndRestarted_whileAChildKeepsRunningAndLogging() throws {
        try requirePython()
        let port = try startWithTalker()
        let daemonPid = try XCTUnwrap(sandbox.daemonPid)
        waitUntil("talker RUNNING") { !sandbox.logLines(containing: "success: talker entered RUNNING").isEmpty }
        let talkerPid = try XCTUnwrap(childPids(of: daemonPid).first)
        func logSize() -> Int { (try? FileManager.default.attributesOfItem(atPath: sandbox.dir + "/talker.log")[.size] as? Int) ?? 0 }
        for (signal, name) in [(SIGKILL, "SIGKILL"), (SIGSEGV, "SIGSEGV")] {
            let worker = try XCTUnwrap(httpWorkerPid(of: daemonPid))
            kill(worker, signal)
            waitUntil("the death is logged") { !sandbox.logLines(containing: "http worker (pid \(worker)) exited (terminated by \(name)").isEmpty }
            waitUntil("a new worker runs") { (httpWorkerPid(of: daemonPid) ?? worker) != worker }
            let before = logSize()
            waitUntil("the child keeps logging") { logSize() > before }
            XCTAssertEqual(childPids(of: daemonPid), [talkerPid], "the child is untouched")
            XCTAssertTrue(zombieChildren(of: daemonPid).isEmpty)
        }
        let line = try XCTUnwrap(sandbox.logLines(containing: "http worker (pid").first)
        XCTAssertTrue(line.contains(" WARN http worker (pid ") && line.contains("; restarting"), line)
        let r = try python(#"""
        import sys, xmlrpc.client
        print(xmlrpc.client.ServerProxy("http://127.0.0.1:%s/RPC2" % sys.argv[1]).supervisor.getPID())
        """#, String(port))
        XCTAssertEqual(r.stdout, "\(daemonPid)\n", r.stderr)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertEqual(processState(talkerPid), nil)
    }

    func test_workerIsConfined_nobodyWhenTheDaemonIsRoot_noNewPrivs_onlyItsChannelInherited() throws {
        _ = try start(programs: "")
        let daemonPid = try XCTUnwrap(sandbox.daemonPid)
        let worker = try XCTUnwrap(httpWorkerPid(of: daemonPid))
        waitUntil("the worker confined itself") {
            ((try? String(contentsOfFile: "/proc/\(worker)/status", encoding: .utf8)) ?? "").contains("NoNewPrivs:\t1")
        }
        let status = try String(contentsOfFile: "/proc/\(worker)/status", encoding: .utf8)
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(worker)/fd").compactMap(Int.init).sorted()
        let targets = fds.map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(worker)/fd/\($0)")) ?? "?" }
        XCTAssertEqual(Array(targets.prefix(3)), ["/dev/null", "/dev/null", "/dev/null"])
        XCTAssertTrue(targets.count > 3 && targets[3].hasPrefix("socket:"), "\(targets)")
        XCTAssertFalse(targets.contains { $0.hasPrefix("/") && $0 != "/dev/null" }, "no file of the daemon's: \(targets)")
        guard getuid() == 0 else {
            throw XCTSkip("not root: the worker's drop to nobody (uid 65534) is checked only when the daemon runs as root")
        }
        XCTAssertTrue(status.contains("Uid:\t65534\t65534\t65534\t65534"), status)
        XCTAssertTrue(status.contains("Gid:\t65534\t65534\t65534\t65534"), status)
        let groups = status.split(separator: "\n").first { $0.hasPrefix("Groups:") }
        XCTAssertEqual(groups?.trimmingCharacters(in: .whitespaces), "Groups:", "no supplementary group")
    }

    func test_realSupervisorctl_pidVersionAndTailF_overTheUnixSocketAndTCP() throws {
        guard let venv = ProcessInfo.processInfo.environment["SWV_SUPERVISOR_VENV"] else {
            throw XCTSkip("SWV_SUPERVISOR_VENV is not set: real supervisorctl 4.3.0 is not available")
        }
        try requirePython()
        let port = try startWithTalker()
        let daemonPid = try XCTUnwrap(sandbox.daemonPid)
        let ctl = venv + "/bin/supervisorctl"
        let pid = try sandbox.run(ctl, ["-s", "unix://" + sandbox.socketPath, "pid"])
        XCTAssertEqual(pid.stdout, "\(daemonPid)\n", pid.stderr)
        XCTAssertEqual(pid.status, 0)
        let version = try sandbox.run(ctl, ["-s", "unix://" + sandbox.socketPath, "version"])
        XCTAssertEqual(version.stdout, "4.3.0\n", version.stderr)
        XCTAssertEqual(version.status, 0)
        // `tail -f` is supervisorctl's own HTTP client on /logtail; it runs
        // until interrupted, so it is stopped once lines have streamed.
        let tail = try python(#"""
        import subprocess, sys, time
        for url in sys.argv[2:]:
            p = subprocess.Popen([sys.argv[1], "-s", url, "tail", "-f", "talker"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            out = b""
            deadline = time.monotonic() + 20
            while out.count(b"line ") < 15 and time.monotonic() < deadline:
                chunk = p.stdout.read1(4096)
                if not chunk: break
                out += chunk
            p.kill(); p.wait()
            print(out.startswith(b"==> Press Ctrl-C to exit <==\n"), out.count(b"line ") >= 15)
        """#, ctl, "unix://" + sandbox.socketPath, "http://127.0.0.1:\(port)")
        XCTAssertEqual(tail.stdout, "True True\nTrue True\n", tail.stderr)
    }

    func test_manyConnectionsLeakNothing_andTheWorkerIsGoneWithTheDaemon() throws {
        try requirePython()
        let port = try start(programs: "")
        let daemonPid = try XCTUnwrap(sandbox.daemonPid)
        let worker = try XCTUnwrap(httpWorkerPid(of: daemonPid))
        let r0 = try python(#"""
        import socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.recv(100)
        """#, String(port))
        XCTAssertEqual(r0.status, 0, r0.stderr)
        let daemonBase = settledFDCount(daemonPid), workerBase = settledFDCount(worker)
        let r = try python(#"""
        import socket, sys, xmlrpc.client
        port, path = int(sys.argv[1]), sys.argv[2]
        for i in range(300):
            if i % 3 == 0:
                s = socket.socket(socket.AF_UNIX); s.connect(path)
            else:
                s = socket.create_connection(("127.0.0.1", port))
            if i % 5 == 0:
                s.close()  # gone before its first byte
                continue
            body = b"<?xml version='1.0'?><methodCall><methodName>supervisor.getPID</methodName></methodCall>"
            request = b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body
            if i % 2:
                s.sendall(request)
                s.recv(10)  # answered; then gone mid-answer
            else:
                s.sendall(request[: 10 + i % 100])  # gone mid-request
            s.close()
        print(xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port).supervisor.getPID())
        """#, String(port), sandbox.socketPath)
        XCTAssertEqual(r.stdout, "\(daemonPid)\n", r.stderr)
        XCTAssertEqual(settledFDCount(daemonPid), daemonBase, "daemon descriptors")
        XCTAssertEqual(settledFDCount(worker), workerBase, "worker descriptors")
        XCTAssertTrue(zombieChildren(of: daemonPid).isEmpty)
        XCTAssertEqual(sandbox.stopDaemon(), 0)
        XCTAssertNil(processState(worker), "the worker is gone with the daemon")
    }
}
