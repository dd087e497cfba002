import XCTest
@testable import SwiftvisorCore

final class ConfigINIParserTests: XCTestCase {
    func parse(_ text: String, file: String = "/f.conf") throws -> INIDocument {
        var doc = INIDocument()
        try doc.read(text, file: file)
        return doc
    }

    func test_inlineComment_needsWhitespaceBefore() throws {
        let doc = try parse("[a]\nx=/bin/echo a;b #c\ny=a#b\nz=v ;c\n")
        XCTAssertEqual(doc.get("a", "x")?.value, "/bin/echo a;b")
        XCTAssertEqual(doc.get("a", "y")?.value, "a#b")
        XCTAssertEqual(doc.get("a", "z")?.value, "v")
    }

    func test_inlineComment_quotesDoNotProtect() throws {
        let doc = try parse("[a]\ncommand=bash -c 'foo ; bar'\n")
        XCTAssertEqual(doc.get("a", "command")?.value, "bash -c 'foo")
    }

    func test_inlineComment_searchesInRoundsLikeConfigparser() throws {
        // ';' at 6 qualifies, but configparser finds '#' at 9 in an earlier round.
        let doc = try parse("[a]\nk=a;b;c ;x #y\n")
        XCTAssertEqual(doc.get("a", "k")?.value, "a;b;c ;x")
    }

    func test_fullLineComments_andBlankLines_areSkipped() throws {
        let doc = try parse("; top\n# top\n[a]\n  ; indented comment\nk=v\n")
        XCTAssertEqual(doc.get("a", "k")?.value, "v")
    }

    func test_delimiters_equalsOrColon_firstWins_whitespaceStripped() throws {
        let doc = try parse("[a]\nk1 : v:1=2\nk2= x=y \nk3=\n")
        XCTAssertEqual(doc.get("a", "k1")?.value, "v:1=2")
        XCTAssertEqual(doc.get("a", "k2")?.value, "x=y")
        XCTAssertEqual(doc.get("a", "k3")?.value, "")
    }

    func test_keys_areLowercased_sectionNames_keepCase() throws {
        let doc = try parse("[Program:X]\nCOMMAND=/bin/cat\n")
        XCTAssertEqual(doc.sectionNames, ["Program:X"])
        XCTAssertEqual(doc.get("Program:X", "command")?.value, "/bin/cat")
        XCTAssertNil(doc.get("program:x", "command"))
    }

    func test_continuationLines_joinWithNewline_keepInnerBlankLines_dropTrailing() throws {
        let doc = try parse("[a]\ncommand=/bin/echo\n  continued line\n\n  after blank\n\n[b]\n")
        XCTAssertEqual(doc.get("a", "command")?.value, "/bin/echo\ncontinued line\n\nafter blank")
    }

    func test_continuation_mustBeIndentedDeeperThanKey() throws {
        let doc = try parse("[a]\n  k=1\n  j=2\n    more\n")
        XCTAssertEqual(doc.get("a", "k")?.value, "1")
        XCTAssertEqual(doc.get("a", "j")?.value, "2\nmore")
    }

    func test_duplicateSectionsAndKeys_merge_lastValueWins_firstPositionKept() throws {
        let doc = try parse("[b]\nx=1\ny=1\n[a]\n[b]\nx=2\n")
        XCTAssertEqual(doc.sectionNames, ["b", "a"])
        XCTAssertEqual(doc.get("b", "x")?.value, "2")
        XCTAssertEqual(doc.get("b", "x")?.location.line, 6)
        XCTAssertEqual(doc.section("b")?.entries.keys, ["x", "y"])
    }

    func test_defaultSection_isInheritedByEverySection_butIsNotASection() throws {
        let doc = try parse("[DEFAULT]\nautostart=false\n[a]\n[b]\nautostart=true\n")
        XCTAssertEqual(doc.sectionNames, ["a", "b"])
        XCTAssertEqual(doc.get("a", "autostart")?.value, "false")
        XCTAssertEqual(doc.get("b", "autostart")?.value, "true")
        XCTAssertEqual(doc.options("a"), ["autostart"])
    }

    func test_lineEndings_crlfAndCr_areLineBreaks_missingFinalNewlineIsFine() throws {
        let doc = try parse("[a]\r\nx=1\r\ny=2\rz=3")
        XCTAssertEqual(doc.get("a", "x")?.value, "1")
        XCTAssertEqual(doc.get("a", "y")?.value, "2")
        XCTAssertEqual(doc.get("a", "z")?.value, "3")
        XCTAssertEqual(doc.get("a", "z")?.location.line, 4)
    }

    func test_tabsAndTrailingSpaces_andUTF8() throws {
        let doc = try parse("[a]\n\tk\t=\tvalé ✓ \t\n")
        XCTAssertEqual(doc.get("a", "k")?.value, "valé ✓")
    }

    func test_sectionHeader_takesTextUpToLastBracket_ignoresTrailingText() throws {
        let doc = try parse("[program:a] trailing\nk=v\n[x]]\n")
        XCTAssertEqual(doc.sectionNames, ["program:a", "x]"])
    }

    func test_optionBeforeAnySection_isRejectedWithLine() {
        XCTAssertThrowsError(try parse("\ncommand=/bin/cat\n[a]\n")) { error in
            XCTAssertEqual("\(error)", "/f.conf:2: \"command=/bin/cat\" comes before any [section] header (start the file with a section such as [supervisord] or [program:name])")
        }
    }

    func test_lineWithoutDelimiter_isRejectedWithLineAndSection() {
        XCTAssertThrowsError(try parse("[a]\nk=v\njunk line\n")) { error in
            XCTAssertEqual("\(error)", "/f.conf:3: [a] \"junk line\" is neither a [section] header nor a key=value line (write key=value, or start a continuation line with more indentation than its key)")
        }
    }

    func test_unclosedSectionHeader_isALineWithoutDelimiter() {
        XCTAssertThrowsError(try parse("[a]\n[programb\n")) { error in
            XCTAssertEqual("\(error)", "/f.conf:2: [a] \"[programb\" is neither a [section] header nor a key=value line (write key=value, or start a continuation line with more indentation than its key)")
        }
    }

    func test_unclosedSectionHeaderWithColon_isAnOption_asInConfigparser() throws {
        let doc = try parse("[a]\n[program:b\n")
        XCTAssertEqual(doc.get("a", "[program")?.value, "b")
    }

    func test_emptyOptionName_isRejected() {
        XCTAssertThrowsError(try parse("[a]\n=value\n")) { error in
            XCTAssertEqual("\(error)", "/f.conf:2: [a] \"=value\" has no option name before the '=' (write key=value)")
        }
    }

    func test_byteOrderMark_isNotWhitespace_soTheHeaderIsNotRecognized() {
        XCTAssertThrowsError(try parse("\u{FEFF}[a]\n"))
    }

    func test_expandHere_replacesTextInVisibleValues_copiesDefaultsIntoSections() throws {
        var doc = try parse("[DEFAULT]\nd=%(here)s/d\n[a]\nk=%(here)s/x %(here)s\n")
        doc.expandHere("/etc")
        XCTAssertEqual(doc.get("a", "k")?.value, "/etc/x /etc")
        XCTAssertEqual(doc.section("a")?.entries["d"]?.value, "/etc/d")
        XCTAssertEqual(doc.defaults["d"]?.value, "%(here)s/d")
    }
}

/// The two helpers every line goes through, rewritten to work in place (a
/// config of 10,000 programs reads about 100,000 lines): same results as
/// Python's str.strip() and text-mode universal newlines.
final class INILineHelperTests: XCTestCase {
    func test_strip_removesPythonWhitespaceOnBothEnds_andKeepsInnerText() {
        XCTAssertEqual(PythonSyntax.strip("  a b\t"), "a b")
        XCTAssertEqual(PythonSyntax.strip("\u{A0}\u{3000}x\u{1C}\u{85}"), "x")
        XCTAssertEqual(PythonSyntax.strip("x"), "x")
        XCTAssertEqual(PythonSyntax.strip(" \t\u{0B} "), "")
        XCTAssertEqual(PythonSyntax.strip(""), "")
        XCTAssertEqual(PythonSyntax.strip("é\u{301} "), "é\u{301}", "a combining mark is not whitespace")
    }

    func test_splitLines_cutsOnCRLF_CR_andLF_only() {
        XCTAssertEqual(INIDocument.splitLines("a\r\nb\rc\nd"), ["a", "b", "c", "d"])
        XCTAssertEqual(INIDocument.splitLines("a\n\nb\n"), ["a", "", "b", ""])
        XCTAssertEqual(INIDocument.splitLines("\r\n"), ["", ""])
        XCTAssertEqual(INIDocument.splitLines("é\u{2028}ü\u{0B}x"), ["é\u{2028}ü\u{0B}x"], "other separators stay in the line, as before")
        XCTAssertEqual(INIDocument.splitLines(""), [""])
    }
}

final class INIKeepingOnlyTests: XCTestCase {
    private let text = """
    [DEFAULT]
    d = 1
    [program:a]
    command = x
      continued
    [supervisorctl]
    serverurl = unix:///tmp/s
    Prompt = p
    """

    func test_keepingOnly_storesTheNamedSectionsAndDefaults_listsTheOthersEmpty() throws {
        var doc = INIDocument()
        doc.keepingOnly = ["supervisorctl"]
        try doc.read(text, file: "f.conf")
        XCTAssertEqual(doc.sectionNames, ["program:a", "supervisorctl"])
        XCTAssertEqual(doc.get("supervisorctl", "serverurl")?.value, "unix:///tmp/s")
        XCTAssertEqual(doc.get("supervisorctl", "prompt")?.value, "p")
        XCTAssertEqual(doc.get("supervisorctl", "d")?.value, "1")
        XCTAssertNil(doc.section("program:a")?.entries["command"])
        var full = INIDocument()
        try full.read(text, file: "f.conf")
        XCTAssertEqual(full.get("program:a", "command")?.value, "x\ncontinued")
    }

    func test_keepingOnly_aSyntaxErrorInASkippedSection_isTheSameError() {
        let broken = "[program:a]\ncommand = x\nno equals here\n[supervisorctl]\n"
        func error(keeping: Set<String>?) -> String? {
            var doc = INIDocument()
            doc.keepingOnly = keeping
            do { try doc.read(broken, file: "f.conf") } catch { return "\(error)" }
            return nil
        }
        XCTAssertNotNil(error(keeping: nil))
        XCTAssertEqual(error(keeping: ["supervisorctl"]), error(keeping: nil))
    }
    func test_keepingOnly_skippedLinesReadOnBytes_giveTheSameSectionsErrorsAndKeptValues() {
        // Each text is read keeping everything and keeping only [k]: the kept
        // section's values, the section list and any error must not differ.
        let texts = [
            "[a]\r\nx = 1 ; c\r\n  cont\r\n\r\n# only a comment\n[k]\ny=2\n",
            "[a]\nx=1\n\t[k]\ny=2\n",                       // indented header: a continuation line of x
            "[a]\n[k] ; comment\ny=2 #c\n",
            "[a]\n  [k]\ny=2\n",                               // no option yet: a header at any indentation
            "[a]\nx=\u{e9}\n\u{e9}=1\n[k]\ny=2\n",                  // lines that are not ASCII go the ordinary way
            "[a]\n= 1\n[k]\n", "[a]\n  : 1\n[k]\n",             // no option name
            "[a]\nx=1\n#[k]\n[k]\n",
            "[a]\nx=1;#[k]\n[]\n[k]\ny=1\n",                      // `[]` is not a header
            "[a]\nplain words\n",
            "[a]\nx=1\ry=2\r[k]\ry=3",
            "[a]\nx=1\n\u{1C}y=2\n[k]\ny=3\n",                   // \x1C is Python whitespace
            "[a]\nx=1\n[k]\n[a]\ny\n",
        ]
        for text in texts {
            var all = INIDocument(), some = INIDocument()
            some.keepingOnly = ["k"]
            var errors: [String?] = [nil, nil]
            do { try all.read(text, file: "f.conf") } catch { errors[0] = "\(error)" }
            do { try some.read(text, file: "f.conf") } catch { errors[1] = "\(error)" }
            XCTAssertEqual(errors[1], errors[0], text)
            XCTAssertEqual(some.sectionNames, all.sectionNames, text)
            XCTAssertEqual(some.section("k"), all.section("k"), text)
        }
    }
}
