import XCTest
@testable import SwiftvisorCore

/// Payloads and envelopes as supervisord 4.3.0 writes them (events.py,
/// process.py `_eventEnvelope`); samples from a recording listener.
final class EventPayloadTests: XCTestCase {
    func t(_ from: ProcessState, _ to: ProcessState, tries: Int = 0, expected: Bool = true, pid: Int32 = 0) -> StateTransition {
        StateTransition(from: from, to: to, tries: tries, expected: expected, pid: pid)
    }

    func test_processState_keysAndOrder_perTargetState() {
        func p(_ tr: StateTransition) -> String { SupervisorEvent.processState(tr, processName: "ga", groupName: "grp").payload }
        XCTAssertEqual(p(t(.stopped, .starting, tries: 0)), "processname:ga groupname:grp from_state:STOPPED tries:0")
        XCTAssertEqual(p(t(.starting, .running, pid: 523)), "processname:ga groupname:grp from_state:STARTING pid:523")
        XCTAssertEqual(p(t(.starting, .backoff, tries: 3)), "processname:ga groupname:grp from_state:STARTING tries:3")
        XCTAssertEqual(p(t(.running, .stopping, pid: 524)), "processname:ga groupname:grp from_state:RUNNING pid:524")
        XCTAssertEqual(p(t(.running, .exited, expected: false, pid: 823)), "processname:ga groupname:grp from_state:RUNNING expected:0 pid:823")
        XCTAssertEqual(p(t(.running, .exited, expected: true, pid: 823)), "processname:ga groupname:grp from_state:RUNNING expected:1 pid:823")
        XCTAssertEqual(p(t(.stopping, .stopped, pid: 524)), "processname:ga groupname:grp from_state:STOPPING pid:524")
        XCTAssertEqual(p(t(.backoff, .fatal, tries: 3)), "processname:ga groupname:grp from_state:BACKOFF")
        XCTAssertEqual(p(t(.running, .unknown, pid: 5)), "processname:ga groupname:grp from_state:RUNNING")
        XCTAssertEqual(SupervisorEvent.processState(t(.running, .exited), processName: "a", groupName: "b").type, .processStateExited)
    }

    func test_otherPayloads_exactText() {
        XCTAssertEqual(SupervisorEvent.processLog(channel: "stdout", processName: "talker", groupName: "talker", pid: 526, data: Array("hi\n".utf8)).payload,
                       "processname:talker groupname:talker pid:526 channel:stdout\nhi\n")
        XCTAssertEqual(SupervisorEvent.processLog(channel: "stderr", processName: "t", groupName: "g", pid: 1, data: []).type, .processLogStderr)
        XCTAssertEqual(SupervisorEvent.processCommunication(channel: "stdout", processName: "talker", groupName: "talker", pid: 526, data: Array("captured".utf8)).payload,
                       "processname:talker groupname:talker pid:526\ncaptured")
        XCTAssertEqual(SupervisorEvent.remoteCommunication(type: "mytype", data: "my data é").payload, "type:mytype\nmy data é")
        XCTAssertEqual(SupervisorEvent.supervisorState(running: true).payload, "")
        XCTAssertEqual(SupervisorEvent.supervisorState(running: false).type, .supervisorStateChangeStopping)
        XCTAssertEqual(SupervisorEvent.processGroup("grp", added: true).payload, "groupname:grp\n")
        XCTAssertEqual(SupervisorEvent.processGroup("quick", added: false).type, .processGroupRemoved)
        XCTAssertEqual(SupervisorEvent.tick(.tick60, when: 1796178600).payload, "when:1796178600")
    }

    func test_undecodableOutput_isPythonBytesRepr() {
        XCTAssertEqual(SupervisorEvent.text(of: [0x61, 0xC3]), "Undecodable: b'a\\xc3'")
        XCTAssertEqual(SupervisorEvent.text(of: Array("é".utf8)), "é")
    }

    func test_length_countsScalars_atEveryAlignment() {
        let pieces = ["a", "é", "€", "👍🏽", "\u{10FFFF}", "xyz", "\n", "ß"]
        var rng = SystemRandomNumberGenerator()
        for n in 0..<300 {
            let s = (0..<n % 41).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            XCTAssertEqual(SupervisorEvent(type: .remoteCommunication, payload: s).length, s.unicodeScalars.count, s)
        }
    }

    func test_envelope_lenCountsCodePoints_notBytes() {
        let e = SupervisorEvent.remoteCommunication(type: "x", data: "é👍🏽")
        let header = EventEnvelope.header(identifier: "supervisor", serial: 7, pool: "rec", poolSerial: 2, event: e)
        // "type:x\n" is 7 scalars, é 1, 👍🏽 2 (two scalars, one grapheme).
        XCTAssertEqual(header, "ver:3.0 server:supervisor serial:7 pool:rec poolserial:2 eventname:REMOTE_COMMUNICATION len:10\n")
        XCTAssertEqual(EventEnvelope.encode(identifier: "supervisor", serial: 7, pool: "rec", poolSerial: 2, event: e),
                       Array(header.utf8) + Array("type:x\né👍🏽".utf8))
    }

    /// The envelope built straight from the child's bytes is the one built
    /// from the payload's text: ASCII, other UTF-8 (len in scalars), bytes
    /// that are not UTF-8 (Python's repr), at every length around a word.
    func test_envelope_ofChildOutput_equalsTheTextPath_forAnyBytes() {
        let samples: [[UInt8]] = [[], Array("hello\n".utf8), Array("é€👍🏽 ok\n".utf8), [0x61, 0xC3], [0xFF, 0x00, 0x7F, 0x80],
                                  Array(repeating: 0x61, count: 65536) + [0xE2, 0x82, 0xAC]]
        var rng = SystemRandomNumberGenerator()
        let random = (0..<200).map { n in (0..<(n % 19)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        for data in samples + random {
            for e in [SupervisorEvent.processLog(channel: "stdout", processName: "p", groupName: "g", pid: 12, data: data),
                      SupervisorEvent.processCommunication(channel: "stderr", processName: "p", groupName: "g", pid: 12, data: data)] {
                let text = e.payload
                XCTAssertEqual(e.length, text.unicodeScalars.count)
                let viaText = SupervisorEvent(type: e.type, payload: text)
                XCTAssertEqual(e, viaText)
                XCTAssertEqual(EventEnvelope.encode(identifier: "sup", serial: 1_000_000, pool: "pl", poolSerial: 0, event: e),
                               Array(EventEnvelope.header(identifier: "sup", serial: 1_000_000, pool: "pl", poolSerial: 0, event: viaText).utf8) + Array(text.utf8))
            }
        }
    }

    func test_appendDecimal_isPythonStr() {
        for n in [0, 1, 9, 10, 99, 100, 12345, Int.max, -1, Int.min] {
            var out: [UInt8] = []
            EventEnvelope.appendDecimal(n, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), String(n))
        }
    }

    func test_subscription_followsSupervisordHierarchy_andCountsOverlapOnce() {
        let s = EventSubscription(names: ["PROCESS_STATE", "PROCESS_STATE_RUNNING", "TICK_60"])
        XCTAssertTrue(s.accepts(.processStateRunning))
        XCTAssertTrue(s.accepts(.processStateFatal))
        XCTAssertTrue(s.accepts(.tick60))
        XCTAssertFalse(s.accepts(.tick5))
        XCTAssertFalse(s.accepts(.processLogStdout))
        XCTAssertEqual(EventSubscription(names: ["EVENT"]).types, Set(EventType.allCases))
        XCTAssertEqual(EventSubscription(names: ["PROCESS_LOG"]).types, [.processLogStdout, .processLogStderr])
        XCTAssertEqual(EventSubscription(names: ["SUPERVISOR_STATE_CHANGE"]).types, [.supervisorStateChangeRunning, .supervisorStateChangeStopping])
        XCTAssertEqual(EventSubscription(names: ["PROCESS_GROUP"]).types, [.processGroupAdded, .processGroupRemoved])
        XCTAssertEqual(EventSubscription(names: ["PROCESS_COMMUNICATION"]).types, [.processCommunicationStdout, .processCommunicationStderr])
        XCTAssertEqual(EventType.allNames.count, 27)
    }

    func test_ticks_firstLookSilent_alignedWhen_orderedBySize() {
        var ticks = TickSchedule(types: [.tick3600, .tick5, .tick60])
        ticks.start(now: 3599.5)
        XCTAssertEqual(ticks.nextDeadline(after: 3599.5), 3600)
        XCTAssertEqual(ticks.due(now: 3599.9), [])
        XCTAssertEqual(ticks.due(now: 3601.2).map(\.payload), ["when:3600", "when:3600", "when:3600"])
        XCTAssertEqual(ticks.due(now: 3601.2).map(\.type), [])
        XCTAssertEqual(ticks.due(now: 3605).map(\.type), [.tick5])
        // A stall over many boundaries: one tick per type.
        XCTAssertEqual(ticks.due(now: 3725.3).map(\.payload), ["when:3725", "when:3720"])
        XCTAssertNil(TickSchedule(types: [.processStateRunning]).nextDeadline(after: 0))
        XCTAssertEqual(TickSchedule(types: [.tick3600]).nextDeadline(after: 7199), 7200)
    }
}

/// Capture mode (dispatchers.py `record_output` at 4.3.0).
final class CaptureModeTests: XCTestCase {
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    func test_tokens_splitAcrossReads_captureBetween_logAround() {
        var c = CaptureMode(maxBytes: 100)
        var out = c.received(b("before <!--XSUPERVISOR:BEG"))
        out += c.received(b("IN-->secret<!--XSUPERVISOR:END-->after the end marker\n"))
        out += c.finish()
        XCTAssertEqual(out, [.data(b("before "), captured: false), .data(b("secret"), captured: true),
                             .communication(b("secret")), .data(b("after the end marker\n"), captured: false)])
    }

    func test_shortTrailingOutput_isHeldThenFlushedAtEOF() {
        var c = CaptureMode(maxBytes: 100)
        XCTAssertEqual(c.received(b("after\n")), [], "supervisord holds output no longer than the token")
        XCTAssertEqual(c.finish(), [.data(b("after\n"), captured: false)], "and loses it at exit; we log it")
    }

    func test_boundIO_dropsFromTheFront() {
        var c = CaptureMode(maxBytes: 8)
        var out = c.received(b("<!--XSUPERVISOR:BEGIN-->abcdef"))
        out += c.received(b("ghijklmnopqrstuvwxyz0"))
        XCTAssertEqual(c.received(b("<!--XSUPERVISOR:END-->")), [], "no more than the token: held")
        out += c.received(b("<!--XSUPERVISOR:BEGIN-->123456789<!--XSUPERVISOR:END-->\n"))
        XCTAssertEqual(out.compactMap { if case .communication(let d) = $0 { return String(decoding: d, as: UTF8.self) } else { return nil } },
                       ["abcdefghijklmnopqrstuvwxyz0", "123456789"],
                       "a write larger than maxbytes is kept whole (BoundIO drops only what was there before)")
    }
}
