import XCTest
@testable import SwiftvisorCore

/// swiftvisorctl against supervisord, without sockets: the XML-RPC response
/// decoder and the HTTP response reader on bytes captured from supervisord
/// 4.3.0 (XMLRPCCapturedFixtures.swift, Tests/Fixtures/xmlrpc/capture-supervisor-430.py),
/// and CtlXMLRPCExchange's calls and answers (supervisorctl.py 4.3.0's calls).
final class XMLRPCResponseDecoderTests: XCTestCase {
    func value(_ body: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> XMLRPCValue? {
        switch XMLRPCResponseDecoder.decode(body) {
        case .success(.success(let v)): return v
        default: XCTFail("not a value: \(String(decoding: body, as: UTF8.self))", file: file, line: line); return nil
        }
    }

    func test_capturedScalarResponses_decodeToTheirValues() {
        XCTAssertEqual(value(Captured430.response_string), .string("hello"))
        XCTAssertEqual(value(Captured430.response_emptyString), .string(""))
        XCTAssertEqual(value(Captured430.response_escapedString), .string("a&b<c>d \"q\" 'a'"))
        XCTAssertEqual(value(Captured430.response_nonASCII), .string("café ☃ 😀"))
        XCTAssertEqual(value(Captured430.response_int), .int(42))
        XCTAssertEqual(value(Captured430.response_negativeInt), .int(-2147483648))
        XCTAssertEqual(value(Captured430.response_true), .bool(true))
        XCTAssertEqual(value(Captured430.response_false), .bool(false))
        XCTAssertEqual(value(Captured430.response_double), .double(1.5))
        XCTAssertEqual(value(Captured430.response_doubleBig), .double(1e300))
        XCTAssertEqual(value(Captured430.response_nilAllowNone), .nil)
    }

    func test_capturedContainers_decodeInOrder() {
        XCTAssertEqual(value(Captured430.response_emptyArray), .array([]))
        XCTAssertEqual(value(Captured430.response_emptyStruct), .struct([]))
        XCTAssertEqual(value(Captured430.response_array), .array([.string("a"), .int(1), .bool(true)]))
        XCTAssertEqual(value(Captured430.response_struct),
                       .structure([("name", .string("web")), ("pid", .int(4242)), ("ok", .bool(false))]))
        XCTAssertEqual(value(Captured430.response_nested),
                       .array([.structure([("a", .array([.int(1), .structure([("b", .string("c<"))])]))]), .array([])]))
    }

    func test_capturedFaults_decodeToCodeAndString() {
        XCTAssertEqual(try XMLRPCResponseDecoder.decode(Captured430.fault_10).get(),
                       .failure(XMLRPCFault(code: 10, string: "BAD_NAME: web:zz")))
        XCTAssertEqual(try XMLRPCResponseDecoder.decode(Captured430.fault_30).get(),
                       .failure(XMLRPCFault(code: 30, string: "FAILED: a<b & c>")))
    }

    func test_untypedValue_isItsText() {
        let body = Array("<?xml version='1.0'?><methodResponse><params><param><value>plain</value></param></params></methodResponse>".utf8)
        XCTAssertEqual(value(body), .string("plain"))
    }

    func test_malformedResponses_areErrorsNotGuesses() {
        let bad = [
            "<methodResponse><params><param><value><boolean>true</boolean></value></param></params></methodResponse>",
            "<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
            "<methodResponse><params><param><value><foo>1</foo></value></param></params></methodResponse>",
            "<methodResponse><params></params></methodResponse>",
            "<methodResponse><params><param><value><int>1</int></value></param><param><value><int>2</int></value></param></params></methodResponse>",
            "<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
            "<methodCall><methodName>x</methodName></methodCall>",
            "<methodResponse><params><param><value><string>cut",
            "",
        ]
        for text in bad {
            if case .success(let r) = XMLRPCResponseDecoder.decode(Array(text.utf8)) { XCTFail("\(text) decoded as \(r)") }
        }
    }

    func test_limits_refuseDeepNestingAndOversizedBodies() {
        let deep = "<methodResponse><params><param>" + String(repeating: "<value><array><data>", count: 100)
            + String(repeating: "</data></array></value>", count: 100) + "</param></params></methodResponse>"
        if case .success = XMLRPCResponseDecoder.decode(Array(deep.utf8)) { XCTFail("nesting beyond the depth limit accepted") }
        let small = XMLRPCResponseDecoder.limits(maxBytes: 64)
        if case .success = XMLRPCResponseDecoder.decode(Captured430.response_processInfo, limits: small) { XCTFail("over maxBytes accepted") }
    }
}

final class HTTPResponseReaderTests: XCTestCase {
    func readAll(_ bytes: [UInt8], byteByByte: Bool = false) throws -> [HTTPResponseEvent] {
        var reader = HTTPResponseReader(maxBodyBytes: 1 << 20)
        var events: [HTTPResponseEvent] = []
        if byteByByte { for b in bytes { events += try reader.feed([b]) } } else { events += try reader.feed(bytes) }
        return events
    }

    func body(_ events: [HTTPResponseEvent]) -> [UInt8] {
        events.flatMap { if case .body(let b) = $0 { return b } else { return [] } }
    }

    func head(_ events: [HTTPResponseEvent]) -> HTTPResponseHead? {
        for case .head(let h) in events { return h }
        return nil
    }

    func test_supervisordGetVersion_contentLengthBody_keptAlive() throws {
        for byteByByte in [false, true] {
            let events = try readAll(Captured430.supervisord_getVersion11, byteByByte: byteByByte)
            XCTAssertEqual(head(events)?.status, 200)
            XCTAssertEqual(head(events)?.keepsAlive, true)
            XCTAssertEqual(events.last, .end)
            XCTAssertEqual(try XMLRPCResponseDecoder.decode(body(events)).get(), .success(.string("3.0")))
        }
        XCTAssertEqual(head(try readAll(Captured430.supervisord_getVersion10KeepAlive))?.keepsAlive, true)
    }

    func test_supervisord401_closesAndNamesTheRealm() throws {
        let events = try readAll(Captured430.supervisord_unauthorized)
        let h = try XCTUnwrap(head(events))
        XCTAssertEqual(h.status, 401)
        XCTAssertEqual(h.reason, "Unauthorized")
        XCTAssertFalse(h.keepsAlive)
        XCTAssertEqual(h.header("www-authenticate"), "Basic realm=\"default\"")
        XCTAssertEqual(events.last, .end)
    }

    func test_twoResponsesInARow_onOneConnection() throws {
        let events = try readAll(Captured430.supervisord_getVersion11 + Captured430.supervisord_unknownMethod)
        XCTAssertEqual(events.filter { $0 == .end }.count, 2)
    }

    func test_chunkedLogtailStream_bytesAsTheyCome_andTheEnd() throws {
        let stream = Array(("HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\nContent-Type: text/plain;charset=utf-8\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nA;x=1\r\n world!!!\n\r\n0\r\n\r\n").utf8)
        for byteByByte in [false, true] {
            let events = try readAll(stream, byteByByte: byteByByte)
            XCTAssertEqual(String(decoding: body(events), as: UTF8.self), "hello world!!!\n")
            XCTAssertEqual(events.last, .end)
        }
        // The probe's answer: medusa writes HTTP/None for a request line without a version.
        let probe = Array("HTTP/None 400 Bad Request\r\nContent-Length: 3\r\n\r\nabc".utf8)
        XCTAssertEqual(head(try readAll(probe))?.status, 400)
    }

    func test_bodyUntilClose_andCutShortResponses() throws {
        var reader = HTTPResponseReader(maxBodyBytes: 100)
        XCTAssertEqual(try reader.feed(Array("HTTP/1.0 200 OK\r\n\r\nabc".utf8)).count, 2)
        XCTAssertEqual(try reader.finish(), [.end])
        var cut = HTTPResponseReader(maxBodyBytes: 100)
        _ = try cut.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8))
        XCTAssertThrowsError(try cut.finish())
    }

    func test_badFraming_andLimits_areErrors() {
        let bad = [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
            "SWV1 OK\r\n\r\n",
        ]
        for text in bad {
            var reader = HTTPResponseReader(maxBodyBytes: 1000)
            XCTAssertThrowsError(try reader.feed(Array(text.utf8)), text)
        }
        var flood = HTTPResponseReader(maxHeaderBytes: 100, maxBodyBytes: 1000)
        XCTAssertThrowsError(try flood.feed(Array(("HTTP/1.1 200 OK\r\n" + String(repeating: "X: y\r\n", count: 50)).utf8)))
    }
}

/// A supervisord stand-in at the XML-RPC level: each call is answered by the
/// closure with a response body, which goes through the real decoder.
final class XMLRPCScriptedTransport: CtlTransport {
    var calls: [CtlXMLRPCCall] = []
    let answer: (CtlXMLRPCCall) -> [UInt8]
    init(_ answer: @escaping (CtlXMLRPCCall) -> [UInt8]) { self.answer = answer }
    func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse {
        var exchange = CtlXMLRPCExchange(request)
        var step = exchange.start()
        while case .call(let call) = step {
            calls.append(call)
            guard case .success(let result) = XMLRPCResponseDecoder.decode(answer(call)) else { throw .badResponse("test") }
            step = exchange.receive(result)
        }
        guard case .done(let response) = step else { return .done }
        return response
    }
    func follow(_ targets: [FollowTarget], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? { nil }
    func reset(serverURL: String, username: String?, password: String?) {}
}

final class CtlXMLRPCBridgeTests: XCTestCase {
    /// The body of a captured supervisorctl request.
    func capturedBody(_ request: [UInt8]) -> [UInt8] {
        let sep = Array("\r\n\r\n".utf8)
        let i = (0...(request.count - 4)).first { Array(request[$0..<($0 + 4)]) == sep }!
        return Array(request[(i + 4)...])
    }

    func methods(_ request: ControlRequest) -> [String] {
        CtlXMLRPCExchange.plan(request).map(\.0.method)
    }

    func test_callBodies_areByteForByteWhatSupervisorctlSends() {
        XCTAssertEqual(CtlXMLRPCExchange.plan(.version)[0].0.body, capturedBody(Captured430.ctlUnix_getVersion))
        XCTAssertEqual(CtlXMLRPCExchange.plan(.status(names: []))[0].0.body, capturedBody(Captured430.ctlUnix_getAllProcessInfo))
        XCTAssertEqual(CtlXMLRPCExchange.plan(.readLog(name: "web", channel: .stdout, offset: -1600, length: 0))[0].0.body,
                       capturedBody(Captured430.ctlUnix_readProcessStdoutLog))
        XCTAssertEqual(CtlXMLRPCExchange.plan(.signal(signal: "HUP", names: ["web"]))[0].0.body,
                       capturedBody(Captured430.ctlUnix_signalProcess))
    }

    func test_plans_followSupervisorctl430_perCommand() {
        XCTAssertEqual(methods(.version), ["supervisor.getVersion", "supervisor.getSupervisorVersion"])
        XCTAssertEqual(methods(.start(names: ["web", "g:*", "h:"], wait: true)),
                       ["supervisor.startProcess", "supervisor.startProcessGroup", "supervisor.startProcessGroup"])
        XCTAssertEqual(methods(.start(names: ["web", "all"], wait: true)), ["supervisor.startAllProcesses"])
        XCTAssertEqual(methods(.stop(names: ["all"])), ["supervisor.stopAllProcesses"])
        XCTAssertEqual(methods(.signal(signal: "HUP", names: ["g:*", "web"])), ["supervisor.signalProcessGroup", "supervisor.signalProcess"])
        XCTAssertEqual(methods(.clear(names: ["g:*", "web"])), ["supervisor.clearProcessLogs", "supervisor.clearProcessLogs"])
        XCTAssertEqual(methods(.clear(names: ["all"])), ["supervisor.clearAllProcessLogs"])
        XCTAssertEqual(methods(.readMainLog(offset: -1600, length: 0)), ["supervisor.readLog"])
        XCTAssertEqual(methods(.readLog(name: "w", channel: .stderr, offset: -5, length: 0)), ["supervisor.readProcessStderrLog"])
        XCTAssertEqual(methods(.reread), ["supervisor.reloadConfig"])
        XCTAssertEqual(methods(.add(groups: ["a", "b"])), ["supervisor.addProcessGroup", "supervisor.addProcessGroup"])
        XCTAssertEqual(methods(.remove(groups: ["a"])), ["supervisor.removeProcessGroup"])
        XCTAssertEqual(methods(.avail), ["supervisor.getAllConfigInfo"])
        XCTAssertEqual(methods(.reload), ["supervisor.restart"])
        XCTAssertEqual(methods(.shutdown), ["supervisor.shutdown"])
        XCTAssertEqual(methods(.pid), ["supervisor.getPID"])
        // supervisorctl sends no wait argument (True by default); --nowait sends False.
        XCTAssertEqual(CtlXMLRPCExchange.plan(.start(names: ["web"], wait: true))[0].0.params, [.string("web")])
        XCTAssertEqual(CtlXMLRPCExchange.plan(.start(names: ["web"], wait: false))[0].0.params, [.string("web"), .bool(false)])
        XCTAssertTrue(CtlXMLRPCExchange.plan(.stop(names: ["web"]))[0].0.waitsForProcesses)
        XCTAssertEqual(CtlXMLRPCExchange.plan(.stop(names: ["g:*"], wait: false))[0].0.params, [.string("g"), .bool(false)])
        XCTAssertEqual(methods(.tailLog(name: "w", channel: .stdout, offset: 0, length: 5)), ["supervisor.tailProcessStdoutLog"])
        XCTAssertEqual(methods(.clearMainLog), ["supervisor.clearLog"])
        XCTAssertEqual(methods(.remoteComm(type: "t", data: "d")), ["supervisor.sendRemoteCommEvent"])
        XCTAssertFalse(CtlXMLRPCExchange.plan(.status(names: []))[0].0.waitsForProcesses)
    }

    func test_statusAnswer_fromCapturedProcessInfo() throws {
        let info = try XCTUnwrap(try XMLRPCResponseDecoder.decode(Captured430.response_processInfo).get().get())
        var ex = CtlXMLRPCExchange(.status(names: ["web", "nope"]))
        _ = ex.start()
        guard case .done(.ok(let items)) = ex.receive(.success(.array([info]))) else { return XCTFail("no reply") }
        XCTAssertEqual(items.count, 2)
        guard case .process(let p) = items[1] else { return XCTFail("\(items)") }
        XCTAssertEqual(p.namespec, "web")
        XCTAssertEqual(p.pid, 4242)
        XCTAssertEqual(p.description, "pid 4242, uptime 0:01:40")
        XCTAssertEqual(p.stdoutLogfile, "/tmp/web.log")
        guard case .result(let r) = items[0] else { return XCTFail("\(items)") }
        XCTAssertEqual(r.arg, "nope")
        XCTAssertEqual(r.code, .badName)
    }

    func test_rereadAnswer_fromCapturedReloadConfig() throws {
        let v = try XMLRPCResponseDecoder.decode(Captured430.response_reloadConfig).get().get()
        var ex = CtlXMLRPCExchange(.reread)
        _ = ex.start()
        XCTAssertEqual(ex.receive(.success(v)), .done(.ok([.change(ConfigChange(.added, group: "alpha")),
                                                          .change(ConfigChange(.added, group: "beta")),
                                                          .change(ConfigChange(.changed, group: "grp"))])))
    }

    func test_tailAnswer_isSwiftvisordsTaillogReply() {
        var ex = CtlXMLRPCExchange(.tailLog(name: "w", channel: .stderr, offset: 0, length: 5))
        guard case .call(let call) = ex.start() else { return XCTFail("no call") }
        XCTAssertEqual(call.params, [.string("w"), .int(0), .int(5)])
        guard case .done(.ok(let items)) = ex.receive(.success(.array([.string("efore"), .int(22), .bool(true)]))) else {
            return XCTFail("no reply")
        }
        XCTAssertEqual(TailReply.parse(items)?.bytes, Array("efore".utf8))
        XCTAssertEqual(TailReply.parse(items)?.size, 22)
        XCTAssertEqual(TailReply.parse(items)?.overflow, true)
    }

    func test_faults_becomeResultsWhereSupervisorctlBuildsOne_elseTheFault() {
        var ex = CtlXMLRPCExchange(.start(names: ["web:zz", "zz:*", "web"], wait: true))
        _ = ex.start()
        _ = ex.receive(.failure(XMLRPCFault(.badName, "web:zz")))
        _ = ex.receive(.failure(XMLRPCFault(.badName, "zz")))
        XCTAssertEqual(ex.receive(.success(.bool(true))), .done(.ok([
            result("web", "zz", .badName, "BAD_NAME: web:zz"),
            result("zz", nil, .badName, "BAD_NAME: zz"),
            result("web", "web", .success),
        ])))
        var shutdown = CtlXMLRPCExchange(.start(names: ["g:*", "web"], wait: true))
        _ = shutdown.start()
        XCTAssertEqual(shutdown.receive(.failure(XMLRPCFault(.shutdownState))), .done(.fault(ControlFault(.shutdownState))))
        var wrongShape = CtlXMLRPCExchange(.pid)
        _ = wrongShape.start()
        guard case .done(.fault(let f)) = wrongShape.receive(.success(.string("x"))) else { return XCTFail("accepted") }
        XCTAssertEqual(f.code, .failed)
    }

    /// The controller's output over the bridge: what supervisorctl prints for
    /// the same answers, and the calls it makes.
    func test_controllerOverBridge_startPrintsAndCallsAsSupervisorctl() {
        let transport = XMLRPCScriptedTransport { call in
            switch call.method {
            case "supervisor.getVersion": return XMLRPCEncoder.response(.string("3.0"))
            case "supervisor.getSupervisorVersion": return XMLRPCEncoder.response(.string("4.3.0"))
            case "supervisor.startProcess" where call.params.first == .string("web"): return XMLRPCEncoder.response(.bool(true))
            case "supervisor.startProcess": return Captured430.fault_10
            case "supervisor.startProcessGroup":
                return XMLRPCEncoder.fault(XMLRPCFault(.badName, "zz"))
            default: return Captured430.fault_1
            }
        }
        let terminal = BufferTerminal()
        let ctl = CtlController(serverURL: "unix:///x", username: nil, password: nil, interactive: false, prompt: "p",
                                transport: transport, terminal: terminal)
        ctl.onecmd("start web web:zz zz:*")
        XCTAssertEqual(terminal.text, "web: started\nweb:zz: ERROR (no such process)\nzz: ERROR (no such group)\n")
        XCTAssertEqual(ctl.exitStatus, CtlExitStatus.invalidArgs)
        XCTAssertEqual(transport.calls.map(\.method), ["supervisor.getVersion", "supervisor.getSupervisorVersion",
                                                       "supervisor.startProcess", "supervisor.startProcess", "supervisor.startProcessGroup"])
    }

    func test_controllerOverBridge_missingRPCInterface_isSupervisorctlsMessage() {
        let transport = XMLRPCScriptedTransport { _ in Captured430.fault_1 }
        let terminal = BufferTerminal()
        let ctl = CtlController(serverURL: "unix:///x", username: nil, password: nil, interactive: false, prompt: "p",
                                transport: transport, terminal: terminal)
        ctl.onecmd("status")
        XCTAssertTrue(terminal.text.hasPrefix("Sorry, supervisord responded but did not recognize the supervisor namespace"))
        XCTAssertEqual(ctl.exitStatus, CtlExitStatus.statusUnknown)
    }
}

final class XMLRPCResponseExpatMessageTests: XCTestCase {
    /// supervisord sends a log's control characters raw; supervisorctl then
    /// prints expat's error. Positions observed with supervisorctl 4.3.0 on
    /// these logs (its transport makes non-ASCII characters `&#N;` first).
    func test_controlCharacterInALog_isExpatsInvalidTokenAtSupervisorctlsPosition() {
        func message(_ data: String) -> String? {
            let body = Array(("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>" + data
                + "</string></value>\n</param>\n</params>\n</methodResponse>\n").utf8)
            guard case .failure(let e) = XMLRPCResponseDecoder.decode(body) else { return nil }
            return e.expatMessage
        }
        XCTAssertEqual(message("ok line\nabc\u{1B}[31mred"), "not well-formed (invalid token): line 6, column 3")
        XCTAssertEqual(message("\u{1B}[0m\n\u{01}x\n"), "not well-formed (invalid token): line 5, column 15")
        XCTAssertEqual(message("\r\u{01}\n"), "not well-formed (invalid token): line 6, column 0")
        XCTAssertEqual(message("é\u{01}\r\u{01}\n"), "not well-formed (invalid token): line 5, column 21")
        XCTAssertEqual(message("plain"), nil)
    }
}
