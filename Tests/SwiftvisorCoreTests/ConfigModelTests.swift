import XCTest
@testable import SwiftvisorCore

final class ConfigModelTests: XCTestCase {
    func test_namespec_whenGroupEqualsName_isBareName() {
        let p = ProcessConfig(name: "web", programName: "web", groupName: "web", command: "x")
        XCTAssertEqual(p.namespec, "web")
        let q = ProcessConfig(name: "w_01", programName: "w", groupName: "w", command: "x")
        XCTAssertEqual(q.namespec, "w:w_01")
    }

    func test_processConfigCopies_shareStorageUntilOneIsWritten() {
        var a = ProcessConfig(name: "web", programName: "web", groupName: "web", command: "x")
        a.stdout.maxbytes = 7
        let b = a
        XCTAssertTrue(a.storage === b.storage, "a copy holds the same options, not a copy of them")
        var c = b
        c.stdout.maxbytes = 8
        c.exitcodes.append(2)
        XCTAssertFalse(c.storage === b.storage)
        XCTAssertEqual(a.stdout.maxbytes, 7, "writing a copy leaves the others alone")
        XCTAssertEqual(b.exitcodes, [0])
        XCTAssertEqual(c.stdout.maxbytes, 8)
        XCTAssertEqual(c.exitcodes, [0, 2])
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        c.stdout.maxbytes = 7
        c.exitcodes = [0]
        XCTAssertEqual(a, c, "equal options are equal without sharing storage")
        var d = ProcessConfig(name: "d", programName: "d", groupName: "d", command: "y")
        let before = ObjectIdentifier(d.storage)
        d.command = "z"
        XCTAssertEqual(ObjectIdentifier(d.storage), before, "a sole owner writes in place")
        XCTAssertEqual(d.command, "z")
    }

    func test_loadedPrograms_withTheSameCommandAndExitCodes_shareOneValue() throws {
        var text = ""
        for i in 0..<3 { text += "[program:p\(i)]\ncommand=/usr/bin/some-long-command --with arguments\nexitcodes=0,2\n" }
        text += "[program:q]\ncommand=/usr/bin/other\n"
        let c = try ConfigLoader(host: FakeConfigHost(["/etc/s.conf": "[supervisord]\n" + text])).load(path: "/etc/s.conf")
        let ps = c.groups.flatMap(\.processes)
        XCTAssertEqual(ps.map(\.command), Array(repeating: "/usr/bin/some-long-command --with arguments", count: 3) + ["/usr/bin/other"])
        func same(_ x: String, _ y: String) -> Bool { x.utf8.withContiguousStorageIfAvailable { $0.baseAddress } == y.utf8.withContiguousStorageIfAvailable { $0.baseAddress } }
        XCTAssertTrue(same(ps[0].command, ps[1].command) && same(ps[1].command, ps[2].command), "one string for the three")
        XCTAssertFalse(same(ps[0].command, ps[3].command))
        func base(_ a: [Int]) -> UnsafeRawPointer? { a.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) } }
        XCTAssertEqual(base(ps[0].exitcodes), base(ps[2].exitcodes), "one exit code list for the three")
        XCTAssertEqual(ps[0].exitcodes, [0, 2])
        XCTAssertEqual(ps[3].exitcodes, [0])
    }
}
