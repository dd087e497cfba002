import XCTest
@testable import SwiftvisorCore

final class ChildEnvironmentTests: XCTestCase {
    private func process(env: [(String, String)]?) -> ProcessConfig {
        var p = ProcessConfig(name: "w_01", programName: "w", groupName: "pool", command: "x")
        p.environment = env.map { $0.map { EnvironmentVariable(key: $0.0, value: $0.1) } }
        return p
    }

    func test_build_layersDaemonEnvSupervisorVarsThenConfiguredEnv() {
        let env = ChildEnvironment.build(
            daemonEnvironment: [("PATH", "/bin"), ("HOME", "/root"), ("SUPERVISOR_ENABLED", "0")],
            serverURL: "unix:///run/s.sock",
            process: process(env: [("HOME", "/srv"), ("A", "1")]))
        XCTAssertEqual(env, [
            "PATH=/bin", "HOME=/srv", "SUPERVISOR_ENABLED=1",
            "SUPERVISOR_SERVER_URL=unix:///run/s.sock", "SUPERVISOR_PROCESS_NAME=w_01",
            "SUPERVISOR_GROUP_NAME=pool", "A=1",
        ])
    }

    func test_build_configuredEnvironmentMayOverrideSupervisorVariables() {
        let env = ChildEnvironment.build(daemonEnvironment: [], serverURL: nil,
                                         process: process(env: [("SUPERVISOR_GROUP_NAME", "mine")]))
        XCTAssertEqual(env, ["SUPERVISOR_ENABLED=1", "SUPERVISOR_PROCESS_NAME=w_01", "SUPERVISOR_GROUP_NAME=mine"])
    }

    func test_searchPath_prefersTheProgramsPATH() {
        XCTAssertEqual(ChildEnvironment.searchPath(daemonEnvironment: [("PATH", "/bin")], process: process(env: [("PATH", "/opt/bin")])), "/opt/bin")
        XCTAssertEqual(ChildEnvironment.searchPath(daemonEnvironment: [("PATH", "/bin")], process: process(env: nil)), "/bin")
        XCTAssertNil(ChildEnvironment.searchPath(daemonEnvironment: [], process: process(env: nil)))
    }

    func test_serverURL_programSetting_thenUnixServer_thenInetServer() {
        var config = Configuration(configFile: "/etc/s.conf")
        var p = process(env: nil)
        XCTAssertNil(ChildEnvironment.serverURL(for: p, in: config))
        config.inetHTTPServers = [InetHTTPServerConfig(host: "*", port: 9001)]
        XCTAssertEqual(ChildEnvironment.serverURL(for: p, in: config), "http://localhost:9001")
        config.unixHTTPServers = [UnixHTTPServerConfig(file: "/run/s.sock")]
        XCTAssertEqual(ChildEnvironment.serverURL(for: p, in: config), "unix:///run/s.sock")
        p.serverurl = "http://example:1"
        XCTAssertEqual(ChildEnvironment.serverURL(for: p, in: config), "http://example:1")
    }
}

final class AutoLogNameTests: XCTestCase {
    func test_isAutoLog_matchesSupervisordsPattern() {
        XCTAssertTrue(AutoLogName.isAutoLog("quick-stdout---supervisor-yyl8nee3.log", identifier: "supervisor"))
        XCTAssertTrue(AutoLogName.isAutoLog("quick-stdout---supervisor-yyl8nee3.log.1", identifier: "supervisor"))
        XCTAssertTrue(AutoLogName.isAutoLog("a-b---supervisor-x.log.10", identifier: "supervisor"))
        XCTAssertFalse(AutoLogName.isAutoLog("quick-stdout---other-yyl8nee3.log", identifier: "supervisor"))
        XCTAssertFalse(AutoLogName.isAutoLog("---supervisor-x.log", identifier: "supervisor"), "needs a name before ---")
        XCTAssertFalse(AutoLogName.isAutoLog("q---supervisor-.log", identifier: "supervisor"), "needs one char before .log")
        XCTAssertFalse(AutoLogName.isAutoLog("q---supervisor-a b.log", identifier: "supervisor"))
        XCTAssertFalse(AutoLogName.isAutoLog("supervisord.log", identifier: "supervisor"))
    }
}
