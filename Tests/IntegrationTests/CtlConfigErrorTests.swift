import Foundation
import XCTest

/// swiftvisorctl reads only what it needs from the config, as supervisorctl:
/// a bad value in a program section does not stop it; an INI syntax error
/// does, with supervisorctl's exit status (1) but a clear message.
final class CtlConfigErrorTests: XCTestCase {
    var sandbox: Sandbox!
    override func setUpWithError() throws { sandbox = try Sandbox(name: name) }
    override func tearDown() { sandbox.cleanup() }

    func test_badProgramValue_isIgnored_butAnINISyntaxError_exits1WithFileAndLine() throws {
        try sandbox.writeConfig("""
        [program:c]
        command=/bin/true
        startsecs=oops
        """)
        let tolerated = try sandbox.ctl("status")
        XCTAssertEqual(tolerated.stdout, "unix://\(sandbox.socketPath) no such file\n")
        XCTAssertEqual(tolerated.status, 4)

        try sandbox.writeConfig("""
        [program:c]
        command=/bin/true
        this line has no equals sign
        """)
        let broken = try sandbox.ctl("status")
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.stdout, "")
        XCTAssertTrue(broken.stderr.hasPrefix("Error: \(sandbox.configPath):14: [program:c] \"this line has no equals sign\" is neither a [section] header nor a key=value line"), broken.stderr)
    }

    func test_emptyConfigPath_readsNoFileAndSearchesNone() throws {
        // supervisorctl 4.3.0: `-c ''` skips the config file (process_config reads
        // only a non-empty path), so -s alone decides; it is not "could not read".
        let r = try sandbox.run(Binaries.swiftvisorctl, ["-c", "", "-s", "unix:///nonexistent/sock", "status"])
        XCTAssertEqual(r.stdout, "unix:///nonexistent/sock no such file\n")
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.status, 4)
    }
}
