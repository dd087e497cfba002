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
        XCTAssertEqual(NameResolution.select(["worker:*"], from: keys), [.group("worker", members)])
        XCTAssertEqual(NameResolution.select(["worker:"], from: keys), [.group("worker", members)])
    }

    /// `stop w:* w:* …` on one request line: the group once, so a 64 KiB line
    /// cannot multiply into repeats × members results.
    func test_select_repeatedGroup_isSelectedOnce_repeatedBadNamesStayInOrder() {
        let members = Array(keys[1...2])
        let many = Array(repeating: "worker:*", count: 5000) + ["worker:", "web", "web", "nope", "nope"]
        let selections = NameResolution.select(many, from: keys)
        XCTAssertEqual(selections.count, 5)
        XCTAssertEqual(selections[0], .group("worker", members))
        XCTAssertEqual(selections[1], .process(keys[0]))
        XCTAssertEqual(selections[2], .process(keys[0]))
        guard case .fault = selections[3], case .fault = selections[4] else { return XCTFail("\(selections)") }
    }

    /// The daemon's `status w:* w:* …` reply lists each process once and each
    /// bad name once; the client's expansion of it (no `unique`) gives back
    /// supervisorctl's line per name typed.
    func test_statusItems_unique_answersEachNameOnce_andExpandsBackToSupervisorctlsLines() {
        let infos = keys.map { ProcessSnapshot(name: $0.name, group: $0.group, state: 20, statename: "RUNNING") }
        let args = Array(repeating: "worker:*", count: 20_000) + ["web", "nope", "nope", "worker:worker_00"]
        let unique = NameResolution.statusItems(args, all: infos, unique: true)
        func specs(_ items: [ControlItem]) -> [String] {
            items.map { if case .process(let p) = $0 { return p.namespec } else if case .result(let r) = $0 { return "!" + r.arg! } else { return "?" } }
        }
        XCTAssertEqual(specs(unique), ["!nope", "worker:worker_00", "worker:worker_01", "web"])
        let received = unique.compactMap { if case .process(let p) = $0 { return p } else { return nil } }
        let expanded = NameResolution.statusItems(args, all: received)
        XCTAssertEqual(expanded, NameResolution.statusItems(args, all: infos))
        XCTAssertEqual(expanded.count, 20_000 * 2 + 1 + 2 + 1)
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
