import XCTest
@testable import SwiftvisorCore

final class CtlOptionsTests: XCTestCase {
    func test_parse_shortLongAndAttachedValues_stopAtFirstCommandWord() throws {
        let o = try CtlOptions.parse(["-c/etc/x.conf", "--serverurl", "unix:///s", "-u", "me", "--pass=pw", "-i", "start", "-f", "web"])
        XCTAssertEqual(o.configFile, "/etc/x.conf")
        XCTAssertEqual(o.serverURL, "unix:///s")
        XCTAssertEqual(o.username, "me")
        XCTAssertEqual(o.password, "pw")
        XCTAssertTrue(o.interactive)
        XCTAssertEqual(o.args, ["start", "-f", "web"])
    }

    func test_parse_errorsUseGetoptWording() {
        XCTAssertThrowsError(try CtlOptions.parse(["-z"])) { XCTAssertEqual($0 as? CtlUsageError, CtlUsageError("option -z not recognized")) }
        XCTAssertThrowsError(try CtlOptions.parse(["-u"])) { XCTAssertEqual($0 as? CtlUsageError, CtlUsageError("option -u requires argument")) }
        XCTAssertThrowsError(try CtlOptions.parse(["--user"])) { XCTAssertEqual($0 as? CtlUsageError, CtlUsageError("option --username requires argument")) }
        XCTAssertThrowsError(try CtlOptions.parse(["--foo"])) { XCTAssertEqual($0 as? CtlUsageError, CtlUsageError("option --foo not recognized")) }
        XCTAssertThrowsError(try CtlOptions.parse(["-u", "a", "--username=b"])) { XCTAssertEqual($0 as? CtlUsageError, CtlUsageError("conflicting command line option '--username'")) }
        XCTAssertEqual(try CtlOptions.parse(["--", "-x"]).args, ["-x"])
    }

    func test_parse_serverURLWithoutSchemeOrPath_isAUsageError_beforeTheConflictCheck() {
        // supervisorctl 4.3.0: `-s /tmp/sock` is "Error: invalid value for -s ..." on stderr, exit 2.
        func usage(_ argv: [String]) -> String? { do { _ = try CtlOptions.parse(argv); return nil } catch { return error.message } }
        XCTAssertEqual(usage(["-s", "/tmp/sock"]), "invalid value for -s '/tmp/sock': value '/tmp/sock' is not a URL")
        XCTAssertEqual(usage(["-s", "unix:"]), "invalid value for -s 'unix:': value 'unix:' is not a URL")
        XCTAssertEqual(usage(["-s", "unix:///a", "-s", "x"]), "invalid value for -s 'x': value 'x' is not a URL")
        XCTAssertEqual(usage(["--server=x"]), "invalid value for --serverurl 'x': value 'x' is not a URL")
        XCTAssertEqual(usage(["-s", "unix:\r\n"]), "invalid value for -s 'unix:\\r\\n': value 'unix:\\r\\n' is not a URL")
        XCTAssertEqual(usage(["-s", "http:;p"]), "invalid value for -s 'http:;p': value 'http:;p' is not a URL")
        for ok in ["unix:///tmp/sock", "http://localhost:9001", "localhost:9001", "foo://x", " unix:x", "unix:;p"] {
            XCTAssertNil(usage(["-s", ok]), ok)
        }
    }

    func test_config_serverurlNormalized_hereExpanded_fallbackToUnixHttpServerFile() throws {
        let c = try CtlConfig.parse("""
            [unix_http_server]
            file=%(here)s/../run/sock   ; comment
            [supervisorctl]
            serverurl = unix://%(here)s/./sv.sock
            prompt=mine
            username=u
            """, file: "/etc/sv/x.conf", here: "/etc/sv", cwd: "/", environment: [:])
        XCTAssertTrue(c.hasSupervisorctlSection)
        XCTAssertEqual(c.serverURL, "unix:///etc/sv/sv.sock")
        XCTAssertEqual(c.unixSocketFile, "/etc/run/sock")
        XCTAssertEqual(c.prompt, "mine")
        XCTAssertEqual(c.username, "u")
        let d = try CtlConfig.parse("[supervisorctl]\n[unix_http_server]\nfile=/run/%(ENV_NAME)s.sock\n", file: "/x", here: "/", cwd: "/", environment: ["NAME": "x"])
        XCTAssertNil(d.serverURL)
        XCTAssertEqual(d.unixSocketFile, "/run/x.sock")
        XCTAssertFalse(try CtlConfig.parse("[program:x]\ncommand=ls\n", file: "/x", here: "/", cwd: "/", environment: [:]).hasSupervisorctlSection)
        XCTAssertThrowsError(try CtlConfig.parse("serverurl=x\n", file: "/x", here: "/", cwd: "/", environment: [:]))
    }

    func test_config_unixServerURL_tildeExpanded_relativeToCurrentDirectoryNotTheFile() throws {
        // supervisorctl 4.3.0 run in /tmp with -c /tmp/dctl/u.conf: serverurl=unix://rel/x is unix:///tmp/rel/x.
        func url(_ v: String) throws -> String? {
            try CtlConfig.parse("[supervisorctl]\nserverurl=\(v)\n", file: "/etc/sv/x.conf", here: "/etc/sv", cwd: "/tmp",
                                environment: ["HOME": "/root/"]).serverURL
        }
        XCTAssertEqual(try url("unix://rel/x"), "unix:///tmp/rel/x")
        XCTAssertEqual(try url("unix://~/x"), "unix:///root/x")
        XCTAssertEqual(try url("unix://~"), "unix:///root")
        XCTAssertEqual(try url("unix://~bob/x"), "unix:///tmp/~bob/x")
        XCTAssertEqual(try url("unix:///a/../b//c/"), "unix:///b/c")
        XCTAssertEqual(try url("http://h:1/x/../y"), "http://h:1/x/../y")
    }

    func test_linePrefixer_holdsPartialLinesPerTarget() {
        var p = LinePrefixer(labels: ["a", "b"])
        XCTAssertEqual(p.feed(target: 0, Array("x".utf8)), [])
        XCTAssertEqual(String(decoding: p.feed(target: 1, Array("1\n2\n3".utf8)), as: UTF8.self), "b | 1\nb | 2\n")
        XCTAssertEqual(String(decoding: p.feed(target: 0, Array("y\n".utf8)), as: UTF8.self), "a | xy\n")
        XCTAssertEqual(String(decoding: p.flush(), as: UTF8.self), "b | 3\n")
        XCTAssertEqual(p.feed(target: 7, Array("z\n".utf8)), [])
    }
}
