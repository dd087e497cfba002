import XCTest
@testable import SwiftvisorCore

/// The control verbs' rules as pure values: batch result order, what each
/// state answers to start/stop/signal/stdin.
final class VerbRulesTests: XCTestCase {
    private let keys = [ProcessKey(group: "web", name: "a"), ProcessKey(group: "web", name: "b"),
                        ProcessKey(group: "web", name: "c"), ProcessKey(group: "db", name: "db")]

    private func ok(_ k: ProcessKey) -> NameResult { ProcessVerbRules.result(k, .success) }

    func test_batch_groupSelection_listsImmediateResultsFirstInProcessOrder_thenCompletionsInCompletionOrder() {
        var batch = BatchResults(NameResolution.select(["web:*"], from: keys))
        XCTAssertEqual(batch.work.map(\.key.name), ["a", "b", "c"])
        XCTAssertEqual(batch.work.map(\.explicit), [false, false, false])
        // c finishes at once (e.g. NO_FILE); a in the 3rd poll round; b in the 1st.
        batch.complete(slot: 2, with: ProcessVerbRules.result(keys[2], .noFile, "/x"), round: 0)
        batch.complete(slot: 0, with: ok(keys[0]), round: 3)
        XCTAssertFalse(batch.isComplete)
        XCTAssertTrue(batch.complete(slot: 1, with: ok(keys[1]), round: 1))
        XCTAssertEqual(batch.ordered.map(\.name), ["c", "b", "a"])
    }

    func test_batch_explicitNamesKeepArgumentOrder_faultsInPlace_andSkippedProcessesVanish() {
        var batch = BatchResults(NameResolution.select(["db", "nope", "web:b"], from: keys))
        XCTAssertEqual(batch.work.map(\.slot), [0, 2])
        XCTAssertEqual(batch.work.map(\.explicit), [true, true])
        batch.complete(slot: 2, with: ok(keys[1]), round: 0)
        batch.complete(slot: 0, with: ok(keys[3]), round: 5)
        XCTAssertEqual(batch.ordered.map(\.namespec), ["db", "nope", "web:b"])
        XCTAssertEqual(batch.ordered[1].code, .badName)

        var skipping = BatchResults(NameResolution.select(["all"], from: keys))
        for w in skipping.work { skipping.complete(slot: w.slot, with: w.key.name == "b" ? ok(w.key) : nil, round: 0) }
        XCTAssertEqual(skipping.ordered.map(\.name), ["b"])
    }

    func test_batch_aSlotIsFilledOnce_andOutOfRangeSlotsAreIgnored() {
        var batch = BatchResults(NameResolution.select(["db"], from: keys))
        XCTAssertTrue(batch.complete(slot: 0, with: ok(keys[3]), round: 0))
        XCTAssertFalse(batch.complete(slot: 0, with: nil, round: 1))
        XCTAssertFalse(batch.complete(slot: 7, with: nil, round: 1))
        XCTAssertEqual(batch.ordered.count, 1)
    }

    func test_batch_pollRound() {
        XCTAssertEqual(BatchResults.round(elapsed: 0.3, immediate: true), 0)
        XCTAssertEqual(BatchResults.round(elapsed: 0.01, immediate: false), 1)
        XCTAssertEqual(BatchResults.round(elapsed: 0.12, immediate: false), 3)
        XCTAssertEqual(BatchResults.round(elapsed: -1, immediate: false), 1)
        XCTAssertEqual(BatchResults.round(elapsed: .infinity, immediate: false), 1)
    }

    func test_start_rules() {
        XCTAssertEqual(ProcessVerbRules.start(.running, namespec: "w", explicit: true), .result(.alreadyStarted, detail: nil))
        XCTAssertEqual(ProcessVerbRules.start(.backoff, namespec: "w", explicit: false), .skip)
        XCTAssertEqual(ProcessVerbRules.start(.unknown, namespec: "w", explicit: false), .result(.failed, detail: "w is in an unknown process state"))
        XCTAssertEqual(ProcessVerbRules.start(.exited, namespec: "w", explicit: true), .proceed)
        XCTAssertEqual(ProcessVerbRules.startOutcome(.starting, spawnFailed: false), nil)
        XCTAssertEqual(ProcessVerbRules.startOutcome(.running, spawnFailed: false), .success)
        XCTAssertEqual(ProcessVerbRules.startOutcome(.backoff, spawnFailed: true), .spawnError)
        XCTAssertEqual(ProcessVerbRules.startOutcome(.backoff, spawnFailed: false), .abnormalTermination)
        XCTAssertEqual(ProcessVerbRules.startNoWaitOutcome(spawnFailed: true), .spawnError)
    }

    func test_stop_rules() {
        XCTAssertEqual(ProcessVerbRules.stop(.stopped, explicit: true), .result(.notRunning, detail: nil))
        XCTAssertEqual(ProcessVerbRules.stop(.fatal, explicit: false), .skip)
        XCTAssertEqual(ProcessVerbRules.stop(.backoff, explicit: true), .proceed)
        XCTAssertEqual(ProcessVerbRules.stopOutcome(.unknown, waited: false), .failed)
        XCTAssertEqual(ProcessVerbRules.stopOutcome(.unknown, waited: true), .success)
        XCTAssertEqual(ProcessVerbRules.stopOutcome(.stopping, waited: true), nil)
        XCTAssertEqual(ProcessVerbRules.stopOutcome(.stopped, waited: false), .success)
    }

    func test_signal_and_stdin_rules() {
        XCTAssertEqual(ProcessVerbRules.signal(.stopping, hasPid: true, explicit: true), .proceed)
        XCTAssertEqual(ProcessVerbRules.signal(.backoff, hasPid: false, explicit: true), .result(.notRunning, detail: nil))
        XCTAssertEqual(ProcessVerbRules.signal(.starting, hasPid: false, explicit: false), .skip)
        XCTAssertEqual(ProcessVerbRules.writeStdin(.running, hasPid: true, hasStdin: false), .noFile)
        XCTAssertEqual(ProcessVerbRules.writeStdin(.stopping, hasPid: true, hasStdin: true), .notRunning)
        XCTAssertNil(ProcessVerbRules.writeStdin(.running, hasPid: true, hasStdin: true))
        let bad = ProcessVerbRules.badSignal("FOO", NameResolution.select(["web:*", "x"], from: keys)) { _ in true }
        XCTAssertEqual(bad.map(\.code), [.badSignal, .badSignal, .badSignal, .badName])
        XCTAssertEqual(bad[0].description, "BAD_SIGNAL: FOO")
        // A group lists only its signallable processes; a process named explicitly is BAD_SIGNAL in any state.
        let first = keys[0]
        let some = ProcessVerbRules.badSignal("FOO", NameResolution.select(["\(first.group):*", first.namespec], from: keys)) { $0 != first }
        XCTAssertFalse(some.dropLast().contains { $0.name == first.name && $0.group == first.group })
        XCTAssertEqual(some.last.map { ProcessKey(group: $0.group, name: $0.name ?? "") }, first)
    }
}
