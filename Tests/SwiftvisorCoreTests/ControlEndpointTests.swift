// Where the daemon listens and where the client connects: the pure mapping
// from config sections and server URLs.
import XCTest
@testable import SwiftvisorCore

final class ControlEndpointTests: XCTestCase {
    func test_serverAddress_unixAndHttpURLs_asSupervisorctlWritesThem() {
        XCTAssertEqual(CtlServerAddress(url: "unix:///run/sv.sock"), .unix(path: "/run/sv.sock"))
        XCTAssertEqual(CtlServerAddress(url: "http://localhost:9001"), .tcp(host: "localhost", port: 9001))
        XCTAssertEqual(CtlServerAddress(url: "http://127.0.0.1:9001/RPC2"), .tcp(host: "127.0.0.1", port: 9001))
        XCTAssertEqual(CtlServerAddress(url: "http://user:pw@127.0.0.1:9002"), .tcp(host: "127.0.0.1", port: 9002))
        XCTAssertEqual(CtlServerAddress(url: "http://example.org"), .tcp(host: "example.org", port: 80), "urllib's default port")
        for bad in ["https://localhost:9001", "http://:9001", "http://h:0", "http://h:70000", "http://h:x", "http://", "ftp://h:1", "/run/sv.sock"] {
            XCTAssertEqual(CtlServerAddress(url: bad), .unsupported, bad)
        }
    }

    func test_endpoints_unixSocketsFirst_withTheirCredentials() throws {
        var config = Configuration(configFile: "/etc/sv/sv.conf")
        var unix = UnixHTTPServerConfig(file: "/run/sv.sock")
        unix.username = "u"
        unix.password = "{SHA}abc"
        config.unixHTTPServers = [unix]
        var inet = InetHTTPServerConfig(host: "", port: 9001)
        inet.section = "inet_http_server:admin"
        config.inetHTTPServers = [inet]
        let all = ControlEndpoint.all(in: config)
        XCTAssertEqual(all.map { $0.section }, ["unix_http_server", "inet_http_server:admin"])
        XCTAssertEqual(all[0].address, ControlEndpoint.Address.unix(path: "/run/sv.sock"))
        XCTAssertEqual(all[0].credentials, ControlCredentials(username: "u", password: "{SHA}abc"))
        XCTAssertEqual(all[1].address, ControlEndpoint.Address.tcp(host: "", port: 9001))
        XCTAssertNil(all[1].credentials, "no username and password: no authentication")
        XCTAssertEqual(all[1].displayName, "*:9001")
    }

    func test_auditLine_namesTheUidAndPid_orTheTcpPeer() {
        XCTAssertEqual(PeerCredentials(pid: 4242, uid: 1000, gid: 1000).auditLine(for: .stop(names: ["web"])),
                       "stop web requested by uid 1000 pid 4242")
        XCTAssertEqual(PeerCredentials(pid: 0, uid: 0, gid: 0, address: "127.0.0.1:40022").auditLine(for: .stop(names: ["web"])),
                       "stop web requested by 127.0.0.1:40022")
    }
}
