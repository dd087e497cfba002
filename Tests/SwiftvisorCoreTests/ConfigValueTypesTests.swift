import XCTest
@testable import SwiftvisorCore

final class ConfigValueTypesTests: XCTestCase {
    let host = FakeConfigHost()

    func test_boolean_acceptsSupervisordSpellingsInAnyCase_only() throws {
        for t in ["yes", "TRUE", "On", "1"] { XCTAssertTrue(try ValueTypes.boolean(t, option: "o")) }
        for f in ["no", "False", "OFF", "0"] { XCTAssertFalse(try ValueTypes.boolean(f, option: "o")) }
        for bad in ["maybe", " true", "2", ""] { XCTAssertThrowsError(try ValueTypes.boolean(bad, option: "o")) }
    }

    func test_integer_isPythonInt() throws {
        XCTAssertEqual(try ValueTypes.integer(" -5 ", option: "o"), -5)
        XCTAssertEqual(try ValueTypes.integer("+7", option: "o"), 7)
        XCTAssertEqual(try ValueTypes.integer("1_000", option: "o"), 1000)
        XCTAssertEqual(try ValueTypes.integer("010", option: "o"), 10)
        for bad in ["5s", "1__0", "_1", "1_", "", "1.0", "0x10"] { XCTAssertThrowsError(try ValueTypes.integer(bad, option: "o"), bad) }
    }

    func test_byteSize_suffixesAnyCase_spaceBeforeUnitAllowed() throws {
        XCTAssertEqual(try ValueTypes.byteSize("50MB", option: "o"), 52_428_800)
        XCTAssertEqual(try ValueTypes.byteSize("10 mb", option: "o"), 10_485_760)
        XCTAssertEqual(try ValueTypes.byteSize("1kb", option: "o"), 1024)
        XCTAssertEqual(try ValueTypes.byteSize("2GB", option: "o"), 2_147_483_648)
        XCTAssertEqual(try ValueTypes.byteSize("0", option: "o"), 0)
        for bad in ["1.5MB", "1K", "MB", "10 M", "b"] { XCTAssertThrowsError(try ValueTypes.byteSize(bad, option: "o"), bad) }
    }

    func test_octal_isPythonIntBase8() throws {
        XCTAssertEqual(try ValueTypes.octal("022", option: "umask"), 0o22)
        XCTAssertEqual(try ValueTypes.octal("0o27", option: "umask"), 0o27)
        XCTAssertEqual(try ValueTypes.octal("22", option: "umask"), 0o22)
        XCTAssertThrowsError(try ValueTypes.octal("999", option: "umask")) { e in
            XCTAssertEqual((e as? ValueError)?.reason, "\"999\" is not an octal number")
        }
    }

    func test_signal_namesWithOrWithoutSIG_anyCase_numbersPythonKnows() throws {
        XCTAssertEqual(try ValueTypes.signal("TERM", option: "s"), SignalSpec(number: 15, name: "TERM"))
        XCTAssertEqual(try ValueTypes.signal("sigkill", option: "s"), SignalSpec(number: 9, name: "KILL"))
        XCTAssertEqual(try ValueTypes.signal("9", option: "s"), SignalSpec(number: 9, name: "KILL"))
        XCTAssertEqual(try ValueTypes.signal("IOT", option: "s"), SignalSpec(number: 6, name: "ABRT"))
        XCTAssertEqual(try ValueTypes.signal("rtmin", option: "s"), SignalSpec(number: 34, name: "RTMIN"))
        XCTAssertEqual(try ValueTypes.signal("CLD", option: "s").number, 17)
        for bad in ["FOO", "SIGRTMIN+1", "35", "-1", "65"] { XCTAssertThrowsError(try ValueTypes.signal(bad, option: "s"), bad) }
    }

    func test_exitcodes_commaListWithin0to255() throws {
        XCTAssertEqual(try ValueTypes.exitcodes(" 0 , 2,3", option: "e"), [0, 2, 3])
        XCTAssertEqual(try ValueTypes.exitcodes("", option: "e"), [])
        for bad in ["0,256", "0,", "-1", "a"] { XCTAssertThrowsError(try ValueTypes.exitcodes(bad, option: "e"), bad) }
    }

    func test_autorestart_booleanSpellingsOrUnexpected() throws {
        XCTAssertEqual(try ValueTypes.autorestart("TRUE", option: "a"), .always)
        XCTAssertEqual(try ValueTypes.autorestart("off", option: "a"), .never)
        XCTAssertEqual(try ValueTypes.autorestart("Unexpected", option: "a"), .unexpected)
        XCTAssertThrowsError(try ValueTypes.autorestart("sometimes", option: "a"))
    }

    func test_logLevel_knownNamesAnyCase() throws {
        XCTAssertEqual(try ValueTypes.logLevel("DEBUG", option: "l"), "debug")
        XCTAssertEqual(try ValueTypes.logLevel("blather", option: "l"), "blather")
        XCTAssertThrowsError(try ValueTypes.logLevel("warning", option: "l"))
    }

    func test_logfileName_noneAutoSyslogOrPathInExistingDirectory() throws {
        XCTAssertEqual(try ValueTypes.logfileName("NONE", host: host), LogfileName.none)
        XCTAssertEqual(try ValueTypes.logfileName("off", host: host), LogfileName.none)
        XCTAssertEqual(try ValueTypes.logfileName("Auto", host: host), .auto)
        XCTAssertEqual(try ValueTypes.logfileName("syslog", host: host), .syslog)
        XCTAssertEqual(try ValueTypes.logfileName("/tmp/a.log", host: host), .path("/tmp/a.log"))
        XCTAssertEqual(try ValueTypes.logfileName("relative.log", host: host), .path("relative.log"))
        XCTAssertEqual(try ValueTypes.logfileName("~/a.log", host: host), .path("/home/alice/a.log"))
        XCTAssertThrowsError(try ValueTypes.logfileName("/nonexistent/a.log", host: host))
    }

    func test_name_strippedAndWithoutSpaceColonSlash() throws {
        XCTAssertEqual(try ValueTypes.name(" web "), "web")
        for bad in ["a b", "a:b", "a/b"] { XCTAssertThrowsError(try ValueTypes.name(bad), bad) }
    }

    func test_listOfStrings_splitsOnCommaAndStrips() {
        XCTAssertEqual(ValueTypes.listOfStrings("a, b ,,c"), ["a", "b", "", "c"])
        XCTAssertEqual(ValueTypes.listOfStrings(""), [])
    }

    func test_user_byNameOrExistingUid() throws {
        XCTAssertEqual(try ValueTypes.user("alice", host: host), ResolvedUser(name: "alice", uid: 1000, gid: 1000))
        XCTAssertEqual(try ValueTypes.user("0", host: host).name, "root")
        XCTAssertThrowsError(try ValueTypes.user("bob", host: host))
        XCTAssertThrowsError(try ValueTypes.user("4242", host: host))
    }

    func test_userAndGroup_groupOptional() throws {
        let a = try ValueTypes.userAndGroup("alice", host: host)
        XCTAssertEqual(a.uid, 1000); XCTAssertNil(a.gid)
        let b = try ValueTypes.userAndGroup("alice:staff", host: host)
        XCTAssertEqual(b.gid, 50)
        XCTAssertThrowsError(try ValueTypes.userAndGroup("alice:nogroup", host: host))
    }

    func test_inetAddress_hostPortStarOrPort() throws {
        XCTAssertTrue(try ValueTypes.inetAddress("127.0.0.1:9001", option: "port") == ("127.0.0.1", 9001))
        XCTAssertTrue(try ValueTypes.inetAddress("*:9001", option: "port") == ("", 9001))
        XCTAssertTrue(try ValueTypes.inetAddress("9001", option: "port") == ("", 9001))
        XCTAssertTrue(try ValueTypes.inetAddress("LocalHost:1", option: "port") == ("localhost", 1))
        for bad in ["70000", "h:", "0", "x"] { XCTAssertThrowsError(try ValueTypes.inetAddress(bad, option: "port"), bad) }
    }
}

final class ConfigEnvironmentSyntaxTests: XCTestCase {
    func pairs(_ s: String, legacy: Bool = false) throws -> [String] {
        try EnvironmentSyntax.parse(s, legacy: legacy).map { "\($0.key)=\($0.value)" }
    }

    func test_pairs_quotedValues_keepCommasAndSpaces() throws {
        XCTAssertEqual(try pairs("A=\"x,y\",B='q r',C=/usr/bin:/bin,D=\"\""), ["A=x,y", "B=q r", "C=/usr/bin:/bin", "D="])
    }

    func test_separatorIsNotChecked_trailingSeparatorAllowed() throws {
        XCTAssertEqual(try pairs("A=1;B=2,"), ["A=1", "B=2"])
    }

    func test_repeatedKey_keepsFirstPosition_takesLastValue() throws {
        XCTAssertEqual(try pairs("B=3,A=4,B=5"), ["B=5", "A=4"])
    }

    func test_posixEscapesInsideDoubleQuotes() throws {
        XCTAssertEqual(try pairs("foo=\"'\\\"\""), ["foo='\""])
        XCTAssertEqual(try pairs("A=\"a\\\\b\""), ["A=a\\b"])
    }

    func test_newlineInsideQuotesIsKept_newlineBetweenPairsSeparates() throws {
        XCTAssertEqual(try pairs("A=\"1\n2\",\nB=3"), ["A=1\n2", "B=3"])
    }

    func test_unquotedSpecialCharacter_orMissingValue_isAnError() {
        for bad in ["A=foo@bar", "A=", "A", "=1", "A=\"x"] { XCTAssertThrowsError(try pairs(bad), bad) }
    }

    func test_legacyMode_keepsQuotesInTokenThenStripsThemFromBothEnds() throws {
        XCTAssertEqual(try pairs("A=\"x,y\",B='a b'", legacy: true), ["A=x,y", "B=a b"])
        XCTAssertEqual(try pairs("A=café", legacy: true), ["A=caf"])
        XCTAssertEqual(try pairs("A=café"), ["A=café"])
    }
}
