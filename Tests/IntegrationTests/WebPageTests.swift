// The web page end to end over HTTP (no browser): supervisord's URLs and
// messages, the page's POST actions and their token, the live state, logs.
// WebBrowserTests drives the same page in headless Chromium.
import Foundation
import Glibc
import XCTest

final class WebPageTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    private func start(legacy: String = "") throws -> Int {
        let port = try freeLoopbackPort()
        try sandbox.writeConfig("""
        [inet_http_server]
        port=127.0.0.1:\(port)
        \(legacy)
        [program:sleeper]
        command=sleep 1000
        startsecs=0
        [program:talker]
        command=sh -c 'echo hello-from-talker; exec sleep 1000'
        startsecs=0
        """)
        try sandbox.startDaemon()
        return port
    }

    private func state(_ port: Int, _ ns: String) -> String? {
        guard let a = httpExchange(port: port, "/state.json"), a.status == 200,
              let json = try? JSONSerialization.jsonObject(with: a.body) as? [String: Any],
              let ps = json["processes"] as? [[String: Any]] else { return nil }
        return ps.first { $0["ns"] as? String == ns }?["state"] as? String
    }

    func test_page_listsEveryProcess_withRelativeURLsOnly_andSetsAStrictCookie() throws {
        let port = try start()
        waitUntil("both RUNNING") { state(port, "sleeper") == "RUNNING" && state(port, "talker") == "RUNNING" }
        let page = try XCTUnwrap(httpExchange(port: port, "/"))
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/html;charset=utf-8")
        XCTAssertTrue(page.headers["set-cookie"]?.contains("SameSite=Strict") == true)
        for ns in ["sleeper", "talker"] {
            XCTAssertTrue(page.text.contains("<tr class=\"proc\" data-ns=\"\(ns)\" data-state=\"RUNNING\">"), ns)
            XCTAssertTrue(page.text.contains("href=\"tail.html?processname=\(ns)\""), ns)
        }
        XCTAssertFalse(page.text.contains("href=\"/"), "no absolute path: the page works under a proxy prefix")
        XCTAssertFalse(page.text.contains("http://") || page.text.contains("https://"), "no external asset")
        for asset in ["/swiftvisor.js", "/swiftvisor.css"] { XCTAssertEqual(httpExchange(port: port, asset)?.status, 200, asset) }
        XCTAssertEqual(httpExchange(port: port, "/ok.html")?.text, "OK")
    }

    func test_legacyGETActions_redirectWithSupervisordsMessages() throws {
        let port = try start()
        waitUntil("sleeper RUNNING") { state(port, "sleeper") == "RUNNING" }
        let stop = try XCTUnwrap(httpExchange(port: port, "/index.html?processname=sleeper&action=stop"))
        XCTAssertEqual(stop.status, 301)
        XCTAssertEqual(stop.headers["location"], "./?message=Process%20sleeper%20stopped")
        XCTAssertEqual(state(port, "sleeper"), "STOPPED")
        XCTAssertEqual(httpExchange(port: port, "/index.html?processname=sleeper&action=stop")?.headers["location"],
                       "./?message=unexpected%20rpc%20fault%20%5B70%5D%20NOT_RUNNING%3A%20sleeper")
        XCTAssertEqual(httpExchange(port: port, "/?processname=sleeper&action=start")?.headers["location"], "./?message=Process%20sleeper%20started")
        XCTAssertEqual(httpExchange(port: port, "/?processname=nope&action=start")?.headers["location"], "./?message=No%20such%20process%20named%20nope")
        XCTAssertEqual(httpExchange(port: port, "/?processname=sleeper&action=bogus")?.status, 500)
        let refresh = try XCTUnwrap(httpExchange(port: port, "/index.html?action=refresh").flatMap { $0.headers["location"] })
        XCTAssertTrue(refresh.hasPrefix("./?message=Page%20refreshed%20at%20"), refresh)
        let shown = try XCTUnwrap(httpExchange(port: port, "/?message=Process%20sleeper%20started"))
        XCTAssertTrue(shown.text.contains(">Process sleeper started</div>"))
        XCTAssertEqual(httpExchange(port: port, "/index.html?action=stopall")?.status, 301)
        waitUntil("all stopped") { state(port, "sleeper") == "STOPPED" && state(port, "talker") == "STOPPED" }
    }

    func test_postActions_needTheSessionsToken_crossSitePostsAreRefused() throws {
        let port = try start()
        waitUntil("sleeper RUNNING") { state(port, "sleeper") == "RUNNING" }
        // A form from another site: no cookie, no token.
        let forged = try XCTUnwrap(httpExchange(port: port, "/index.html", method: "POST", headers: ["Origin": "http://evil.example"],
                                                body: "processname=sleeper&action=stop"))
        XCTAssertEqual(forged.status, 403)
        // The cookie alone (a browser that sends it) without the token in the form.
        let page = try XCTUnwrap(httpExchange(port: port, "/"))
        let cookie = try XCTUnwrap(page.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let token = String(cookie.dropFirst("swv_token=".count))
        XCTAssertEqual(httpExchange(port: port, "/index.html", method: "POST", headers: ["Cookie": cookie],
                                    body: "processname=sleeper&action=stop")?.status, 403)
        // The right token but from another origin.
        XCTAssertEqual(httpExchange(port: port, "/index.html", method: "POST",
                                    headers: ["Cookie": cookie, "Origin": "http://evil.example", "Host": "127.0.0.1:\(port)"],
                                    body: "processname=sleeper&action=stop&token=\(token)")?.status, 403)
        XCTAssertEqual(state(port, "sleeper"), "RUNNING", "nothing refused was performed")
        // The page's own form.
        let ok = try XCTUnwrap(httpExchange(port: port, "/index.html", method: "POST",
                                            headers: ["Cookie": cookie, "Origin": "http://127.0.0.1:\(port)", "Host": "127.0.0.1:\(port)"],
                                            body: "processname=sleeper&action=stop&token=\(token)"))
        XCTAssertEqual(ok.status, 303)
        XCTAssertEqual(ok.headers["location"], "./?message=Process%20sleeper%20stopped")
        XCTAssertEqual(state(port, "sleeper"), "STOPPED")
        let ajax = try XCTUnwrap(httpExchange(port: port, "/index.html", method: "POST", headers: ["Cookie": cookie],
                                              body: "processname=sleeper&action=start&token=\(token)&ajax=1"))
        XCTAssertEqual(ajax.text, "Process sleeper started")
    }

    func test_tailAndDownload_giveTheLog() throws {
        let port = try start()
        waitUntil("talker wrote") { httpExchange(port: port, "/tail.html?processname=talker")?.text.contains("hello-from-talker") == true }
        let tail = try XCTUnwrap(httpExchange(port: port, "/tail.html?processname=talker&limit=5"))
        XCTAssertTrue(tail.text.contains("<title>Supervisor tail of process talker</title>"))
        XCTAssertTrue(tail.text.contains("href=\"tail.html?processname=talker&amp;limit=1024\""), "limit never below 1024")
        XCTAssertTrue(httpExchange(port: port, "/tail.html")?.text.contains("No process name found") == true)
        let download = try XCTUnwrap(httpExchange(port: port, "/download?processname=talker&channel=stdout"))
        XCTAssertEqual(download.text, "hello-from-talker\n")
        XCTAssertTrue(download.headers["content-disposition"]?.hasPrefix("attachment") == true)
        XCTAssertEqual(httpExchange(port: port, "/download?processname=nope")?.status, 404)
    }

    func test_legacyGetActionsFalse_refusesGETActions_thePagesPOSTsStillWork() throws {
        let port = try start(legacy: "legacy_get_actions=false")
        waitUntil("sleeper RUNNING") { state(port, "sleeper") == "RUNNING" }
        XCTAssertEqual(httpExchange(port: port, "/index.html?processname=sleeper&action=stop")?.status, 403)
        XCTAssertEqual(state(port, "sleeper"), "RUNNING")
        XCTAssertEqual(httpExchange(port: port, "/index.html?message=hello")?.status, 200, "the page itself is served")
        let cookie = try XCTUnwrap(httpExchange(port: port, "/")?.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let ok = httpExchange(port: port, "/index.html", method: "POST", headers: ["Cookie": cookie],
                              body: "processname=sleeper&action=stop&token=\(cookie.dropFirst("swv_token=".count))")
        XCTAssertEqual(ok?.status, 303)
        XCTAssertEqual(state(port, "sleeper"), "STOPPED")
        XCTAssertTrue(sandbox.logLines(containing: "unknown option").isEmpty, sandbox.mainLog)
    }
}
