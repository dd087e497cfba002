import XCTest
@testable import SwiftvisorCore

final class PythonGetoptTests: XCTestCase {
    let specs = [GetoptSpec(short: "n", long: "nodaemon", takesValue: false),
                 GetoptSpec(short: "c", long: "configuration", takesValue: true),
                 GetoptSpec(short: nil, long: "minfds", takesValue: true),
                 GetoptSpec(short: nil, long: "minprocs", takesValue: true)]

    func rendered(_ args: [String]) throws -> [String] {
        let (opts, rest) = try PythonGetopt.parse(args, specs: specs)
        return opts.map { "\($0.0.shown)=\($0.1 ?? "-")" } + ["|"] + rest
    }

    func test_bundledShortsAttachedValuesAndUniquePrefixes() throws {
        XCTAssertEqual(try rendered(["-nc", "f", "--minf=9", "--conf", "g", "cmd", "-n"]),
                       ["-n=-", "-c=f", "--minfds=9", "-c=g", "|", "cmd", "-n"])
        XCTAssertEqual(try rendered(["-cfile", "--", "-n"]), ["-c=file", "|", "-n"])
        XCTAssertEqual(try rendered(["-", "x"]), ["|", "-", "x"])
    }

    func test_errorsInGetoptWording() {
        func message(_ args: [String]) -> String? {
            do { _ = try PythonGetopt.parse(args, specs: specs); return nil } catch { return error.message }
        }
        XCTAssertEqual(message(["--min=1"]), "option --min not a unique prefix")
        XCTAssertEqual(message(["--x"]), "option --x not recognized")
        XCTAssertEqual(message(["-x"]), "option -x not recognized")
        XCTAssertEqual(message(["-c"]), "option -c requires argument")
        XCTAssertEqual(message(["--configuration"]), "option --configuration requires argument")
        XCTAssertEqual(message(["--nodaemon=1"]), "option --nodaemon must not have an argument")
    }
}
