import XCTest
@testable import SwiftvisorCore

/// What a reload does to the control listeners.
final class ListenerRebindingTests: XCTestCase {
    private func unix(_ section: String, _ path: String, mode: UInt32 = 0o700, creds: ControlCredentials? = nil) -> ListenerRebinding.Binding {
        .init(endpoint: ControlEndpoint(section: section, address: .unix(path: path), credentials: creds), mode: mode)
    }
    private func tcp(_ section: String, _ port: Int) -> ListenerRebinding.Binding {
        .init(endpoint: ControlEndpoint(section: section, address: .tcp(host: "127.0.0.1", port: port), credentials: nil))
    }

    func test_unchangedBinding_isKept_evenWithNewCredentials() {
        let creds = ControlCredentials(username: "u", password: "p")
        let plan = ListenerRebinding.plan(current: [unix("unix_http_server", "/s")],
                                          wanted: [unix("unix_http_server", "/s", creds: creds)])
        XCTAssertEqual(plan.steps, [.keep(current: 0, wanted: 0)])
        XCTAssertEqual(plan.close, [])
    }

    func test_newMode_freesTheSameAddressFirst_newAddress_bindsBeforeClosing() {
        let plan = ListenerRebinding.plan(current: [unix("unix_http_server", "/s"), tcp("inet_http_server", 9001)],
                                          wanted: [unix("unix_http_server", "/s", mode: 0o770), tcp("inet_http_server", 9002)])
        XCTAssertEqual(plan.steps, [.bind(wanted: 0, replacing: 0, freeFirst: true),
                                    .bind(wanted: 1, replacing: 1, freeFirst: false)])
    }

    func test_goneSections_areClosed_newOnesBound() {
        let plan = ListenerRebinding.plan(current: [tcp("inet_http_server", 9001)], wanted: [unix("unix_http_server", "/s")])
        XCTAssertEqual(plan.steps, [.bind(wanted: 0, replacing: nil, freeFirst: false)])
        XCTAssertEqual(plan.close, [0])
    }
}
