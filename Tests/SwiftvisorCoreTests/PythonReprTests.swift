import XCTest
@testable import SwiftvisorCore

final class PythonReprTests: XCTestCase {
    func test_pythonRepr_matchesCPython311() {
        // (input, repr(input)) as printed by Python 3 (the interpreter supervisor 4.3.0 runs on).
        let cases: [(String, String)] = [
            ("", "''"),
            ("abc", "'abc'"),
            ("it's", "\"it's\""),
            ("say \"hi\"", "'say \"hi\"'"),
            ("both ' and \"", "'both \\' and \"'"),
            ("back\\slash", "'back\\\\slash'"),
            ("tab\u{9}here", "'tab\\there'"),
            ("nl\u{a}x", "'nl\\nx'"),
            ("cr\u{d}x", "'cr\\rx'"),
            ("\u{0}\u{1}\u{1f}\u{7f}", "'\\x00\\x01\\x1f\\x7f'"),
            ("\u{e9} \u{fc} \u{df}", "'\u{e9} \u{fc} \u{df}'"),
            ("\u{80}\u{9f}\u{a0}\u{ad}", "'\\x80\\x9f\\xa0\\xad'"),
            ("\u{65e5}\u{672c}", "'\u{65e5}\u{672c}'"),
            ("\u{1f389}", "'\u{1f389}'"),
            ("\u{200b}\u{2028}\u{2029}\u{3000}", "'\\u200b\\u2028\\u2029\\u3000'"),
            ("\u{feff}", "'\\ufeff'"),
            ("\u{e0001}", "'\\U000e0001'"),
            ("\u{d7ff}", "'\\ud7ff'"),
            ("\u{10ffff}", "'\\U0010ffff'"),
            ("sh -c 'echo", "\"sh -c 'echo\""),
            ("/bin/sh -c \"echo 'x\"", "'/bin/sh -c \"echo \\'x\"'"),
            ("\u{301}", "'\u{301}'"),
            ("\u{a0}nbsp", "'\\xa0nbsp'"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(pythonRepr(input), expected, "input: \(input.debugDescription)")
        }
    }

    func test_pythonRepr_buildsSupervisordCommandParseError() throws {
        let command = "sh -c 'echo"
        do {
            _ = try splitCommandLine(command)
            XCTFail("must not split")
        } catch {
            XCTAssertEqual("can't parse command \(pythonRepr(command)): \(error)",
                           "can't parse command \"sh -c 'echo\": No closing quotation")
        }
    }
}
