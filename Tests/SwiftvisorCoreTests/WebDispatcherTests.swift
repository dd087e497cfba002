@testable import SwiftvisorCore
import XCTest

/// The web page's rules as pure steps: supervisord's messages, the POST
/// token, the legacy GET switch (docs/web.md).
final class WebDispatcherTests: XCTestCase {
    private let token = "0123456789abcdef0123456789abcdef"

    private func request(_ raw: String) throws -> HTTPRequest {
        var p = HTTPRequestParser()
        p.received(Array(raw.utf8))
        guard case .request(let r) = p.next() else { throw XCTSkip("unparsed: \(raw)") }
        return r
    }

    private func context(legacy: Bool = true) -> WebContext {
        WebContext(now: 1_796_597_006, token: token, newToken: false, legacyGetActions: legacy)
    }

    /// Run a step, answering each SWV1 request with `answer`; the requests seen and the response.
    private func run(_ step: WebStep, _ answer: (ControlRequest) -> ControlResponse) -> ([ControlRequest], HTTPResponse) {
        var asked: [ControlRequest] = []
        var step = step
        while true {
            switch step {
            case .done(let r): return (asked, r)
            case .control(let req, let next):
                asked.append(req)
                step = next(answer(req))
            }
        }
    }

    private func location(_ r: HTTPResponse) -> String? { r.headers.first { $0.name == "Location" }?.value }

    func test_legacyGET_stop_redirectsWithSupervisordsMessage() throws {
        let (asked, r) = run(WebDispatcher.dispatch(try request("GET /index.html?processname=web&action=stop HTTP/1.0\r\n\r\n"), context())) { _ in
            .ok([.result(NameResult(group: "web", name: "web", code: .success))])
        }
        XCTAssertEqual(asked, [.stop(names: ["web"])])
        XCTAssertEqual(r.status, .movedPermanently)
        XCTAssertEqual(location(r), "./?message=Process%20web%20stopped")
    }

    func test_start_faults_becomeSupervisordsTexts() throws {
        let cases: [(FaultCode, String)] = [(.spawnError, "ERROR: Process web: spawn error"), (.alreadyStarted, "ERROR: Process web: already started"),
                                            (.noFile, "ERROR: Process web: no such file"), (.badName, "No such process named web"),
                                            (.failed, "ERROR: Process web: unexpected rpc fault [30] FAILED: x")]
        for (code, text) in cases {
            let (_, r) = run(WebDispatcher.dispatch(try request("GET /?processname=web&action=start HTTP/1.0\r\n\r\n"), context())) { _ in
                .ok([.result(NameResult(group: "web", name: "web", code: code, description: code == .failed ? "FAILED: x" : "x"))])
            }
            XCTAssertEqual(location(r), "./?message=" + WebForm.quote(text), text)
        }
    }

    func test_restartall_stopsThenStartsAll_andUnknownActionIs500() throws {
        let (asked, r) = run(WebDispatcher.dispatch(try request("GET /?action=restartall HTTP/1.0\r\n\r\n"), context())) { _ in .ok([]) }
        XCTAssertEqual(asked, [.stop(names: ["all"]), .start(names: ["all"], wait: true)])
        XCTAssertEqual(location(r), "./?message=All%20restarted%20at%20Sun%20Dec%20%206%2022%3A43%3A26%202026")
        let (none, bad) = run(WebDispatcher.dispatch(try request("GET /?processname=web&action=explode HTTP/1.0\r\n\r\n"), context())) { _ in .ok([]) }
        XCTAssertEqual(none, [])
        XCTAssertEqual(bad.status, .internalServerError)
    }

    func test_legacyGETActionsOff_refusedWithoutAskingTheCore() throws {
        let (asked, r) = run(WebDispatcher.dispatch(try request("GET /index.html?action=stopall HTTP/1.0\r\n\r\n"), context(legacy: false))) { _ in .ok([]) }
        XCTAssertEqual(asked, [])
        XCTAssertEqual(r.status, .forbidden)
    }

    func test_post_needsTheCookiesTokenInTheForm_andASameOrigin() throws {
        func post(_ headers: String, _ body: String) throws -> ([ControlRequest], HTTPResponse) {
            let raw = "POST /index.html HTTP/1.0\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)"
            return run(WebDispatcher.dispatch(try request(raw), context())) { _ in .ok([.result(NameResult(group: "w", name: "w", code: .success))]) }
        }
        let form = "processname=w&action=stop"
        XCTAssertEqual(try post("", form).1.status, .forbidden)
        XCTAssertEqual(try post("Cookie: swv_token=\(token)\r\n", form).1.status, .forbidden)
        XCTAssertEqual(try post("Cookie: swv_token=\(token)\r\n", form + "&token=ffffffffffffffffffffffffffffffff").1.status, .forbidden)
        XCTAssertEqual(try post("Cookie: swv_token=\(token)\r\nOrigin: http://evil.example\r\nHost: 127.0.0.1:9001\r\n", form + "&token=\(token)").1.status, .forbidden)
        XCTAssertEqual(try post("Cookie: swv_token=\(token)\r\nSec-Fetch-Site: cross-site\r\n", form + "&token=\(token)").1.status, .forbidden)
        let (asked, ok) = try post("Cookie: a=b; swv_token=\(token)\r\nOrigin: http://127.0.0.1:9001\r\nHost: 127.0.0.1:9001\r\n", form + "&token=\(token)")
        XCTAssertEqual(asked, [.stop(names: ["w"])])
        XCTAssertEqual(ok.status, .seeOther)
        XCTAssertEqual(try post("Cookie: swv_token=\(token)\r\n", form + "&token=\(token)&ajax=1").1.body, Array("Process w stopped".utf8))
    }

    func test_page_rendersEveryProcess_escaped_withStateWordsAndHiddenSlots() {
        let ps = [ProcessSnapshot(name: "a<b", group: "g", state: 20, statename: "RUNNING", pid: 42, start: 100, now: 160, description: "pid 42"),
                  ProcessSnapshot(name: "z", group: "g", state: 200, statename: "FATAL")]
        let html = WebPage.status(ps, nil, message: "<hi>", token: token, now: 160)
        XCTAssertTrue(html.contains("data-ns=\"g:a&lt;b\" data-state=\"RUNNING\""))
        XCTAssertTrue(html.contains("href=\"tail.html?processname=g%3Aa%3Cb\""))
        XCTAssertTrue(html.contains("<span class=\"state statuserror\">fatal</span>"))
        XCTAssertTrue(html.contains(">&lt;hi&gt;</div>"))
        XCTAssertTrue(html.contains("<td class=\"uptime\" data-label=\"Uptime\">0:01:00</td>"))
        XCTAssertFalse(html.contains("<script>"), "the script is a file of its own")
        XCTAssertEqual(WebPage.hiddenActions("RUNNING"), ["start"])
        XCTAssertEqual(WebPage.hiddenActions("BACKOFF"), ["start", "restart", "stop"])
    }

    func test_exitCell_blankWhileRunning_wordsForASignal() {
        // Restarted after a SIGTERM stop: the new run has no exit status yet.
        let running = ProcessSnapshot(name: "a", group: "g", state: 20, statename: "RUNNING", pid: 7, start: 100, stop: 90, now: 160, exitstatus: 0)
        XCTAssertEqual(WebPage.cells(running, nil, now: 160).exit, "–")
        let killed = ProcessSnapshot(name: "a", group: "g", state: 0, statename: "STOPPED", start: 100, stop: 150, now: 160, exitstatus: -1)
        XCTAssertEqual(WebPage.cells(killed, nil, now: 160).exit, "signal")
        let failed = ProcessSnapshot(name: "a", group: "g", state: 100, statename: "EXITED", start: 100, stop: 150, now: 160, exitstatus: 3)
        XCTAssertEqual(WebPage.cells(failed, nil, now: 160).exit, "3")
        let never = ProcessSnapshot(name: "a", group: "g", state: 0, statename: "STOPPED")
        XCTAssertEqual(WebPage.cells(never, nil, now: 160).exit, "–")
    }

    func test_forms_cookies_quoting_ctime() {
        XCTAssertEqual(WebForm.fields(query: "a=1&b=x+y%21&a=2", body: Array("b=z".utf8)), ["a": "1", "b": "z"])
        XCTAssertEqual(WebForm.quote("g:p q/é"), "g%3Ap%20q/%C3%A9")
        XCTAssertEqual(WebForm.cookie("swv_token", in: "x=1; swv_token=abc"), "abc")
        XCTAssertEqual(WebForm.ctime(epochSeconds: 0), "Thu Jan  1 00:00:00 1970")
        let json = WebPage.stateJSON([ProcessSnapshot(name: "a\"b", group: "g", state: 0, statename: "STOPPED")], nil, now: 5)
        XCTAssertEqual(json, #"{"now":5,"processes":[{"ns":"g:a\"b","group":"g","state":"STOPPED","description":"","pid":"–","uptime":"–","exit":"–","restarts":"–","cpu":"–","mem":"–"}]}"#)
        XCTAssertFalse(WebContext.isWellFormed("0123"))
    }

    func test_workerMessage_carriesTheLegacyGetSwitch() {
        for (auth, legacy) in [(false, true), (true, true), (false, false), (true, false)] {
            let m = WorkerMessage.connection(authRequired: auth, initialBytes: [1, 2], legacyGetActions: legacy)
            XCTAssertEqual(WorkerMessage.decode(m.encoded()), m)
        }
        XCTAssertNil(WorkerMessage.decode([UInt8(ascii: "C"), 4]))
    }
}
