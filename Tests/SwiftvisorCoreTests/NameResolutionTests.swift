import XCTest
@testable import SwiftvisorCore

final class NameResolutionTests: XCTestCase {
    // web (its own group), worker:worker_00/01, grp:ga/gb ([group:grp]).
    let keys = [ProcessKey(group: "web", name: "web"), ProcessKey(group: "worker", name: "worker_00"),
                ProcessKey(group: "worker", name: "worker_01"), ProcessKey(group: "grp", name: "ga"),
                ProcessKey(group: "grp", name: "gb")]

    func test_split_followsSplitNamespec() {
        XCTAssertTrue(NameResolution.split("g:p") == ("g", "p"))
        XCTAssertTrue(NameResolution.split("g:*") == ("g", nil))
        XCTAssertTrue(NameResolution.split("g:") == ("g", nil))
        XCTAssertTrue(NameResolution.split("p") == ("p", "p"))
        XCTAssertTrue(NameResolution.split("a:b:c") == ("a", "b:c"))
    }

    func test_namespec_isShortWhenGroupEqualsProcess() {
        XCTAssertEqual(NameResolution.namespec(group: "web", process: "web"), "web")
        XCTAssertEqual(NameResolution.namespec(group: "g", process: "p"), "g:p")
    }

    func test_select_allAnywhere_winsAndIgnoresOtherNames() {
        XCTAssertEqual(NameResolution.select(["nope", "all"], from: keys), [.all(keys)])
    }

    func test_select_groupStarAndColon_selectMembersInGivenOrder() {
        let members = Array(keys[1...2])
        XCTAssertEqual(NameResolution.select(["worker:*", "worker:"], from: keys), [.group("worker", members), .group("worker", members)])
    }

    func test_select_bareHeterogeneousGroupName_isNoSuchProcess() {
        XCTAssertEqual(NameResolution.select(["grp"], from: keys),
                       [.fault(NameResult(group: "grp", name: "grp", code: .badName, description: "BAD_NAME: grp", arg: "grp"))])
    }

    func test_select_unknownGroup_isGroupLevelFault() {
        XCTAssertEqual(NameResolution.select(["zz:*"], from: keys),
                       [.fault(NameResult(group: "zz", name: nil, code: .badName, description: "BAD_NAME: zz", arg: "zz:*"))])
    }

    func test_select_keepsArgumentOrder() {
        XCTAssertEqual(NameResolution.select(["grp:gb", "web", "nope"], from: keys).count, 3)
        XCTAssertEqual(NameResolution.select(["grp:gb", "web"], from: keys), [.process(keys[4]), .process(keys[0])])
    }

    func test_selectProcesses_groupStar_isBadNameWithoutProcess_printedAsGroupNone() {
        guard case .fault(let r) = NameResolution.selectProcesses(["grp:*"], from: keys)[0] else { return XCTFail() }
        XCTAssertNil(r.name)
        XCTAssertEqual(r.namespec, "grp:None")
    }

    func test_process_findsOnlySingleProcesses() {
        XCTAssertEqual(NameResolution.process("worker:worker_01", in: keys), keys[2])
        XCTAssertNil(NameResolution.process("worker:*", in: keys))
        XCTAssertNil(NameResolution.process("worker", in: keys))
    }

    func test_statusItems_badNamesFirst_thenMatchesInArgumentOrder_sortedWithinEach() {
        let infos = keys.reversed().map { ProcessSnapshot(name: $0.name, group: $0.group, state: 20, statename: "RUNNING") }
        let items = NameResolution.statusItems(["web", "nope", "grp:*", "zz:*"], all: infos)
        let rendered: [String] = items.map {
            switch $0 {
            case .process(let p): return p.namespec
            case .result(let r): return "!" + (r.name == nil ? r.group + ":*" : r.arg!)
            default: return "?"
            }
        }
        XCTAssertEqual(rendered, ["!nope", "!zz:*", "web", "grp:ga", "grp:gb"])
    }

    func test_statusItems_noNamesOrAll_listsEverythingSortedByGroupThenName() {
        let infos = keys.reversed().map { ProcessSnapshot(name: $0.name, group: $0.group, state: 20, statename: "RUNNING") }
        let expected = ["grp:ga", "grp:gb", "web", "worker:worker_00", "worker:worker_01"]
        for names in [[], ["all"], ["nope", "all"]] {
            let specs = NameResolution.statusItems(names, all: infos).compactMap { item -> String? in
                if case .process(let p) = item { return p.namespec } else { return nil }
            }
            XCTAssertEqual(specs, expected)
        }
    }
}
