// The web page in a real browser: Debian's headless Chromium driven through
// chromedriver's WebDriver HTTP API on loopback (plain JSON, no Selenium).
// .ci/run installs `chromium` and `chromium-driver`; without them this test
// skips and says so. With SWV_WEB_SCREENSHOTS=DIR it saves its screenshots
// there (docs/web-*.png were made so).
import Foundation
import Glibc
import XCTest

final class WebBrowserTests: XCTestCase {
    var sandbox: Sandbox!
    var driver: Process?
    var driverPort = 0
    var session = ""
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() {
        if !session.isEmpty { _ = webdriver("DELETE", "/session/\(session)") }
        if let d = driver, d.isRunning { kill(d.processIdentifier, SIGKILL); d.waitUntilExit() }
        sandbox.cleanup()
    }

    /// One WebDriver command; the `value` of its answer.
    @discardableResult
    private func webdriver(_ method: String, _ path: String, _ body: [String: Any]? = nil) -> Any? {
        let text = body.flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let a = httpExchange(port: driverPort, path, method: method,
                                   headers: body == nil ? [:] : ["Content-Type": "application/json"], body: text, timeout: 60, http11: true),
              let json = try? JSONSerialization.jsonObject(with: a.body) as? [String: Any] else { return nil }
        return json["value"]
    }

    /// Run `script` in the page (WebDriver execute/sync) and return its value.
    private func js(_ script: String) -> Any? {
        webdriver("POST", "/session/\(session)/execute/sync", ["script": script, "args": []])
    }

    private func screenshot(_ name: String) {
        guard let b64 = webdriver("GET", "/session/\(session)/screenshot") as? String, let png = Data(base64Encoded: b64) else {
            return XCTFail("no screenshot \(name)")
        }
        try? png.write(to: URL(fileURLWithPath: sandbox.dir + "/\(name).png"))
        if let dir = ProcessInfo.processInfo.environment["SWV_WEB_SCREENSHOTS"] {
            try? png.write(to: URL(fileURLWithPath: dir + "/web-\(name).png"))
        }
    }

    func test_chromium_seesEveryProcess_stopsOneLive_followsALog_legacyGET_andCrossSitePostRefused() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile(atPath:)),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw XCTSkip("chromium and chromedriver are not installed (Debian chromium, chromium-driver; .ci/run installs them): the page is not tested in a browser")
        }
        let port = try freeLoopbackPort()
        try sandbox.writeConfig("""
        [inet_http_server]
        port=127.0.0.1:\(port)
        [program:sleeper]
        command=sleep 1000
        startsecs=0
        [program:talker]
        command=sh -c 'i=0; while :; do i=$((i+1)); echo "talker line $i"; sleep 0.3; done'
        startsecs=0
        [group:workers]
        programs=w1,w2
        [program:w1]
        command=sleep 1000
        startsecs=0
        [program:w2]
        command=sleep 1000
        startsecs=0
        """)
        try sandbox.startDaemon()
        driverPort = try freeLoopbackPort()
        let d = Process()
        d.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        d.arguments = ["--port=\(driverPort)"]
        d.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        d.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try d.run()
        driver = d
        sandbox.track(pid: d.processIdentifier)
        waitUntil("chromedriver answers", timeout: 20) { httpExchange(port: driverPort, "/status", http11: true) != nil }
        let created = webdriver("POST", "/session", ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": chromium,
                                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                            "--window-size=1100,760", "--user-data-dir=\(sandbox.dir)/chrome-profile"]],
        ]]]) as? [String: Any]
        session = try XCTUnwrap(created?["sessionId"] as? String, "no WebDriver session: \(String(describing: created))")
        let base = "http://127.0.0.1:\(port)/"

        // 1. Every process, RUNNING, in the server's table.
        webdriver("POST", "/session/\(session)/url", ["url": base])
        let all = ["sleeper", "talker", "workers:w1", "workers:w2"]
        waitUntil("the page shows every process RUNNING", timeout: 20) {
            let rows = js("return Array.from(document.querySelectorAll('tr.proc')).map(r => r.dataset.ns + '=' + r.dataset.state)") as? [String]
            return rows == all.map { $0 + "=RUNNING" }
        }
        screenshot("1-running")

        // 2. Stop one with its button: STOPPED appears without a reload.
        js("window.__notReloaded = true; document.querySelector('tr.proc[data-ns=\"sleeper\"] button[value=stop]').click(); return 1")
        waitUntil("sleeper STOPPED in the page, no reload", timeout: 15) {
            js("return window.__notReloaded === true && document.querySelector('tr.proc[data-ns=\"sleeper\"] .state').textContent") as? String == "stopped"
        }
        waitUntil("the action's message shows") {
            (js("return document.getElementById('message').textContent") as? String) == "Process sleeper stopped"
        }
        // A change made elsewhere (swiftvisorctl) shows within a second.
        XCTAssertEqual(try sandbox.ctl("stop", "workers:w1").status, 0)
        let t0 = Date()
        waitUntil("w1 STOPPED in the page", timeout: 5) {
            js("return document.querySelector('tr.proc[data-ns=\"workers:w1\"]').dataset.state") as? String == "STOPPED"
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.5, "a change made elsewhere shows within about a second")
        XCTAssertEqual(js("return window.__notReloaded === true") as? Bool, true)
        screenshot("2-stopped")

        // 3. Follow a log: a new line appears.
        js("document.querySelector('button.follow[data-ns=\"talker\"]').click(); return 1")
        var first = 0
        waitUntil("talker's lines in the log panel", timeout: 10) {
            let text = js("return document.getElementById('logtext').textContent") as? String ?? ""
            first = text.components(separatedBy: "talker line ").compactMap { Int($0.prefix { $0.isNumber }) }.max() ?? 0
            return first > 0
        }
        waitUntil("a newer line arrives without a reload", timeout: 10) {
            let text = js("return document.getElementById('logtext').textContent") as? String ?? ""
            return (text.components(separatedBy: "talker line ").compactMap { Int($0.prefix { $0.isNumber }) }.max() ?? 0) > first
        }
        screenshot("3-log")

        // 4. A legacy GET action URL, as a bookmark or script uses it.
        webdriver("POST", "/session/\(session)/url", ["url": base + "index.html?processname=sleeper&action=start"])
        waitUntil("redirected to the page with supervisord's message", timeout: 15) {
            (js("return location.search + '|' + document.getElementById('message').textContent") as? String)
                == "?message=Process%20sleeper%20started|Process sleeper started"
        }
        waitUntil("sleeper RUNNING again") {
            js("return document.querySelector('tr.proc[data-ns=\"sleeper\"]').dataset.state") as? String == "RUNNING"
        }
        screenshot("4-legacy-get")

        // 5. Another site's form posting an action without the token: refused.
        let evil = try sandbox.write("""
        <!DOCTYPE html><html><body><form id="f" method="post" action="\(base)index.html">
        <input name="processname" value="sleeper"><input name="action" value="stop"></form>
        <script>document.getElementById('f').submit()</script></body></html>
        """, to: "evil.html")
        webdriver("POST", "/session/\(session)/url", ["url": "file://" + evil])
        waitUntil("the forged post is answered 403", timeout: 15) {
            (js("return document.body ? document.body.innerText : ''") as? String)?.contains("403 Forbidden") == true
        }
        screenshot("5-cross-site-refused")
        let state = httpExchange(port: port, "/state.json")?.text ?? ""
        XCTAssertTrue(state.contains(#"{"ns":"sleeper","group":"sleeper","state":"RUNNING""#), "the forged stop was not performed: \(state)")

        // The narrow (phone) layout, for docs/web.md.
        webdriver("POST", "/session/\(session)/window/rect", ["width": 400, "height": 800])
        webdriver("POST", "/session/\(session)/url", ["url": base])
        waitUntil("the page loaded narrow") { (js("return document.querySelectorAll('tr.proc').length") as? Int) == 4 }
        screenshot("6-phone")
    }
}
