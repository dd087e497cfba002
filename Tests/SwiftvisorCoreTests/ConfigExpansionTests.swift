import XCTest
@testable import SwiftvisorCore

final class ConfigExpansionTests: XCTestCase {
    let names: [String: ExpansionValue] = ["program_name": .string("web"), "process_num": .int(7), "here": .string("/etc")]

    func expand(_ s: String) throws -> String { try Expansion.expand(s, names: names) }

    func reason(_ s: String) -> String? {
        do throws(ValueError) { _ = try Expansion.expand(s, names: names); return nil } catch { return error.reason + " | " + (error.hint ?? "") }
    }

    func test_namedString_andInt_andPercentPercent() throws {
        XCTAssertEqual(try expand("%(program_name)s-%(process_num)d 100%%"), "web-7 100%")
    }

    func test_widthFlagsAndPrecision_followPython() throws {
        XCTAssertEqual(try expand("%(process_num)02d|%(process_num)03d|%(process_num)-3d|%(process_num)+d|%(process_num) d"), "07|007|7  |+7| 7")
        XCTAssertEqual(try expand("[%(program_name)5s][%(program_name)-5s][%(program_name).2s]"), "[  web][web  ][we]")
        XCTAssertEqual(try expand("%(process_num)x %(process_num)#o %(process_num)s"), "7 0o7 7")
    }

    func test_substitutedValuesAreNotExpandedAgain() throws {
        XCTAssertEqual(try Expansion.expand("%(v)s", names: ["v": .string("%(x)s 50%")]), "%(x)s 50%")
    }

    func test_unknownName_isAnError_listingAvailableNames() {
        XCTAssertEqual(reason("%(nope)s"), "\"%(nope)s\" uses %(nope), which cannot be expanded here | available names: here, process_num, program_name, ENV_<variable>; write %% for a literal percent sign")
    }

    func test_lonePercent_isBadlyFormatted() {
        XCTAssertEqual(reason("100%"), "\"100%\" is badly formatted: a lone '%' at the end | write %(name)s to insert a value and %% for a literal percent sign")
    }

    func test_percentFollowedBySpace_isBadlyFormatted() {
        XCTAssertEqual(reason("50% off"), "\"50% off\" is badly formatted: '%o' has no (name); only %(name)o works here | write %(name)s to insert a value and %% for a literal percent sign")
    }

    func test_unclosedKey_isBadlyFormatted() {
        XCTAssertEqual(reason("%(web"), "\"%(web\" is badly formatted: '%(' without a closing ')' | write %(name)s to insert a value and %% for a literal percent sign")
    }

    func test_numberFormatOfText_isBadlyFormatted() {
        XCTAssertEqual(reason("%(program_name)d"), "\"%(program_name)d\" is badly formatted: %(program_name)d needs a number but program_name is text; use %(program_name)s | write %(name)s to insert a value and %% for a literal percent sign")
    }

    func test_unsupportedConversionCharacter_isBadlyFormatted() {
        XCTAssertEqual(reason("%/x"), "\"%/x\" is badly formatted: '%/' is not a format (after a '%' comes (name) and a conversion such as s or d) | write %(name)s to insert a value and %% for a literal percent sign")
    }

    func test_namedPercentWithoutConversion_isIncomplete() {
        XCTAssertEqual(reason("%(here)"), "\"%(here)\" is badly formatted: the format after '%' is incomplete | write %(name)s to insert a value and %% for a literal percent sign")
    }
}
