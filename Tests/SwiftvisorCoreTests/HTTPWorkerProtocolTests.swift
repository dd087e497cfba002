import XCTest
@testable import SwiftvisorCore

/// The pure pieces of the HTTP worker: routing as supervisord's handlers
/// route, the SWV1 reply reader, the channel's messages, `auth --http`.
final class HTTPWorkerProtocolTests: XCTestCase {
    func request(_ method: String, _ target: String, headers: [HTTPHeaderField] = []) -> HTTPRequest {
        HTTPRequest(method: method, target: target, version: .http11, headers: headers, body: [])
    }

    func test_route_rpc2_isPOSTWithContentLength_elseBadRequestOrLengthRequired() {
        let cl = [HTTPHeaderField("Content-Length", "0")]
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/RPC2", headers: cl)), .xmlrpc)
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/RPC2/anything", headers: cl)), .xmlrpc)
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/RPC2")), .error(.lengthRequired))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/RPC2")), .error(.badRequest))
    }

    func test_route_logtail_nameAndChannel_asLogtailHandlerSplitsThem() {
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/logtail/web")), .stream(.process(name: "web", channel: .stdout), logtail: true))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/logtail/g%3Ap/stderr?x=1")), .stream(.process(name: "g:p", channel: .stderr), logtail: true))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "//logtail/web/stdout")), .error(.notFound), "does not start with /logtail")
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/logtailXYZ/web")), .stream(.process(name: "web", channel: .stdout), logtail: true))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/logtail")), .error(.internalServerError))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/logtail/web/bogus")), .error(.notFound))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/logtail/")), .error(.notFound))
        XCTAssertEqual(HTTPRoute.resolve(request("HEAD", "/logtail/web")), .error(.badRequest))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/mainlogtail")), .stream(.mainLog, logtail: false))
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/mainlogtail")), .error(.badRequest))
    }

    func test_route_thePage_thenEverythingElse_isDefaultHandlers404_or400ForOtherMethods() {
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/")), .web)
        XCTAssertEqual(HTTPRoute.resolve(request("HEAD", "/")), .web)
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/index.html")), .web)
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/tail.html")), .web)
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/tail.html")), .error(.badRequest))
        XCTAssertEqual(HTTPRoute.resolve(request("PUT", "/index.html")), .error(.badRequest))
        XCTAssertEqual(HTTPRoute.resolve(request("GET", "/stylesheets/supervisor.css")), .error(.notFound))
        XCTAssertEqual(HTTPRoute.resolve(request("PUT", "/x")), .error(.badRequest))
        XCTAssertEqual(HTTPRoute.resolve(request("POST", "/x")), .error(.badRequest))
    }

    func test_replyReader_assemblesReplies_splitAnywhere_thenStreams() {
        let wire = ControlResponse.ok([.pid(42)]).encoded() + ControlResponse.fault(ControlFault(.badName, "x")).encoded()
            + ReplyStatus.stream.encoded() + ControlItem.data(target: 0, bytes: Array("hi\n".utf8)).encoded()
        var reader = ReplyReader()
        var events: [ReplyReader.Event] = []
        for b in wire {
            reader.received([b])
            while let e = reader.next() { events.append(e) }
        }
        XCTAssertEqual(events, [.response(.ok([.pid(42)])), .response(.fault(ControlFault(.badName, "x"))),
                                .streamStarted, .data(target: 0, bytes: Array("hi\n".utf8))])
    }

    func test_replyReader_refusesWhatIsNotSWV1_andOverlongLines() {
        var reader = ReplyReader()
        reader.received(Array("HTTP/1.0 200 OK\n".utf8))
        guard case .malformed? = reader.next() else { return XCTFail() }
        XCTAssertNil(reader.next(), "finished")
        var long = ReplyReader()
        long.received([UInt8](repeating: 0x41, count: ControlProtocol.maxReplyLine + 1))
        guard case .malformed? = long.next() else { return XCTFail() }
    }

    func test_workerMessage_roundTrips_andLogTextCannotStartALine() {
        let c = WorkerMessage.connection(authRequired: true, initialBytes: Array("GET / HTTP/1.0\r\n".utf8))
        XCTAssertEqual(WorkerMessage.decode(c.encoded()), c)
        XCTAssertEqual(WorkerMessage.decode(WorkerMessage.log(.error, "bad").encoded()), .log(.error, "bad"))
        XCTAssertEqual(WorkerMessage.decode(Array("LEone\ntwo\r\u{1B}".utf8)), .log(.error, "one\\x0atwo\\x0d\\x1b"))
        XCTAssertNil(WorkerMessage.decode(Array("LZx".utf8)), "unknown level")
        XCTAssertNil(WorkerMessage.decode(Array("C\u{04}".utf8)), "unknown flags")
        XCTAssertNil(WorkerMessage.decode(Array("X".utf8)))
        let long = WorkerMessage.decode(Array("LI".utf8) + [UInt8](repeating: 0x61, count: 100_000))
        guard case .log(_, let text)? = long else { return XCTFail() }
        XCTAssertEqual(text.utf8.count, WorkerMessage.maxLogText)
    }

    func test_authHTTP_wireForm_roundTrips_andNeverShowsThePassword() {
        let r = ControlRequest.authHTTP(user: "a b", password: "--p w")
        XCTAssertEqual(String(decoding: r.encoded(), as: UTF8.self), "auth --http a%20b %2D-p%20w\n")
        XCTAssertEqual(ControlRequest.decode(r.encoded().dropLast()), .success(r))
        XCTAssertEqual(r.summary, "auth --http a%20b")
        XCTAssertFalse(r.changesState)
    }

    func test_basicAuth_offered_readsTheHeaderWithoutAnySecret() {
        let h = [HTTPHeaderField("authorization", "BASIC " + Base64.encode(Array("bob:pa:ss".utf8)))]
        XCTAssertEqual(HTTPBasicAuth.offered(in: request("GET", "/", headers: h)), .credentials(user: "bob", password: "pa:ss"))
        XCTAssertEqual(HTTPBasicAuth.offered(in: request("GET", "/")), .refused(.unauthorized))
        XCTAssertEqual(HTTPBasicAuth.offered(in: request("GET", "/", headers: [HTTPHeaderField("Authorization", "Basic !!!!")])), .refused(.noSeparator),
                       "supervisord answers 500 to `Basic !!!!`")
    }
}
