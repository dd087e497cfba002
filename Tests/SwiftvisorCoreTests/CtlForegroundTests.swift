import XCTest
@testable import SwiftvisorCore

/// `fg`'s protocol over a scripted daemon: what is streamed, what each stdin
/// line sends, and the closing lines (supervisorctl.py do_fg).
final class CtlForegroundTests: XCTestCase {
    private func controller(_ t: ScriptedTransport, _ term: BufferTerminal) -> CtlController {
        CtlController(serverURL: "unix:///tmp/sv.sock", username: nil, password: nil, interactive: false,
                      prompt: "swiftvisor", transport: t, terminal: term)
    }

    private let running = ControlResponse.ok([.process(snap("web", "web", 20, "RUNNING"))])

    func test_forwardInput_sendsEachLineWithANewline_andEndsAtEOF() {
        let t = ScriptedTransport { r in
            if case .status = r { return .success(self.running) }
            return .success(.done)
        }
        let term = BufferTerminal(input: ["hello", "x y"])
        CtlForeground.forwardInput(controller(t, term), "web")
        XCTAssertEqual(t.requests, [.sendStdin(name: "web", data: Array("hello\n".utf8)), .status(names: ["web"]),
                                    .sendStdin(name: "web", data: Array("x y\n".utf8)), .status(names: ["web"])])
        XCTAssertEqual(term.text, "Exiting foreground\n")
    }

    func test_forwardInput_aProcessThatDied_endsTheSession() {
        let t = ScriptedTransport { r in
            if case .status = r { return .success(.ok([.process(snap("web", "web", 100, "EXITED"))])) }
            return .success(.done)
        }
        let term = BufferTerminal(input: ["a", "never sent"])
        CtlForeground.forwardInput(controller(t, term), "web")
        XCTAssertEqual(t.requests.count, 2)
        XCTAssertEqual(term.text, "Process got killed\nExiting foreground\n")
    }

    func test_forwardInput_refusedWrite_printsTheFault() {
        let notRunning = ScriptedTransport { _ in .success(.fault(ControlFault(.notRunning, "web"))) }
        let term = BufferTerminal(input: ["a"])
        CtlForeground.forwardInput(controller(notRunning, term), "web")
        XCTAssertEqual(term.text, "Process got killed\nExiting foreground\n")

        let noFile = ScriptedTransport { _ in .success(.fault(ControlFault(.noFile, "web"))) }
        let term2 = BufferTerminal(input: ["a"])
        CtlForeground.forwardInput(controller(noFile, term2), "web")
        XCTAssertEqual(term2.text, "ERROR: <Fault 20: 'NO_FILE: web'>\nExiting foreground\n")
    }

    func test_stream_followsBothChannels_andFallsBackToStdoutWhenStderrHasNoLog() {
        let t = ScriptedTransport { _ in .success(.done) }
        t.followData = [(0, Array("out\n".utf8)), (1, Array("err\n".utf8))]
        let term = BufferTerminal()
        CtlForeground.stream("web", over: t, to: term)
        XCTAssertEqual(t.followed, [[.process(name: "web", channel: .stdout), .process(name: "web", channel: .stderr)]])
        XCTAssertEqual(term.text, "out\nerr\n")

        let refused = ScriptedTransport { _ in .success(.done) }
        refused.followFault = ControlFault(.noFile, "web")
        CtlForeground.stream("web", over: refused, to: BufferTerminal())
        XCTAssertEqual(refused.followed.count, 2)
        XCTAssertEqual(refused.followed.last, [.process(name: "web", channel: .stdout)])
    }
}
