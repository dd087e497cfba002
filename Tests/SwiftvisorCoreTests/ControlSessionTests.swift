import XCTest
@testable import SwiftvisorCore

final class ControlSessionTests: XCTestCase {
    let peer = PeerCredentials(pid: 4242, uid: 1000, gid: 1000)

    func text(_ actions: [ControlSession.Action]) -> [String] {
        actions.map {
            switch $0 {
            case .send(let b): return "send " + String(decoding: b, as: UTF8.self)
            case .reply(let r): return "reply " + String(decoding: r.encoded(), as: UTF8.self)
            case .audit(let l): return "audit " + l
            case .perform(let r): return "perform \(r)"
            case .follow(let t): return "follow \(t.count)"
            case .followFrom(let t, let o): return "follow \(t.count) from \(o)"
            case .followRaw(let t, let o): return "follow raw \(t.count) from \(String(describing: o))"
            case .close: return "close"
            case .handOff(let b): return "handOff " + String(decoding: b, as: UTF8.self)
            }
        }
    }

    func session(_ creds: ControlCredentials? = nil) -> ControlSession { ControlSession(credentials: creds, peer: peer) }

    func test_partialLine_waitsForNewline_thenPerforms() {
        var s = session()
        s.received(Array("stat".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [])
        s.received(Array("us web\r\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.status(names: ["web"]))])
        XCTAssertTrue(s.busy)
    }

    func test_pipelined_oneAtATime_inOrder() {
        var s = session()
        s.received(Array("version\n\npid\nfrob\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.version)])
        XCTAssertEqual(s.next(pendingOutput: 0), [], "busy: the next line waits")
        XCTAssertEqual(text(s.replied(.done)), ["reply SWV1 OK\n.\n"])
        XCTAssertEqual(s.next(pendingOutput: 0), [], "the reply is still being sent: the next line waits")
        s.replySent()
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.pid)])
        _ = s.replied(.ok([.pid(1)]))
        XCTAssertEqual(s.replied(.done), [], "a second reply to one request is dropped")
        s.replySent()
        XCTAssertEqual(text(s.next(pendingOutput: 0)), ["send SWV1 ERR 1 UNKNOWN_METHOD:%20frob\n.\n"])
        XCTAssertEqual(s.replied(.done), [], "a reply nobody waits for is dropped")
    }

    /// A reply the server produces itself (readlog), without `replied`.
    func test_replySent_withoutReplied_freesTheSessionForTheNextLine() {
        var s = session()
        s.received(Array("readlog web stdout 0 0\nversion\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.readLog(name: "web", channel: .stdout, offset: 0, length: 0))])
        XCTAssertEqual(s.next(pendingOutput: 0), [])
        s.replySent()
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.version)])
    }

    func test_stateChangingRequest_isAuditedWithPeer() {
        var s = session()
        s.received(Array("stop web\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [.audit("stop web requested by uid 1000 pid 4242"), .perform(.stop(names: ["web"]))])
    }

    func test_unreadOutput_stopsServing_untilDrained() {
        var s = session()
        s.received(Array("version\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: ControlProtocol.streamHighWater), [])
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.version)])
    }

    func test_lineOverLimit_withoutNewline_repliesAndCloses() {
        var s = session()
        s.received([UInt8](repeating: 0x61, count: ControlProtocol.maxRequestLine))
        XCTAssertFalse(s.wantsInput)
        let a = text(s.next(pendingOutput: 0))
        XCTAssertEqual(a.count, 2)
        XCTAssertTrue(a[0].hasPrefix("send SWV1 ERR 102 LINE_TOO_LONG"))
        XCTAssertEqual(a[1], "close")
        XCTAssertTrue(s.closing)
        s.received(Array("version\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [])
    }

    func test_lineOverLimit_withNewline_isRefusedToo() {
        var s = session()
        s.received([UInt8](repeating: 0x61, count: ControlProtocol.maxRequestLine) + [0x0A])
        XCTAssertEqual(text(s.next(pendingOutput: 0)).last, "close")
    }

    func test_lineAtTheLimit_isAccepted() {
        var s = session()
        let line = "status " + String(repeating: "a", count: ControlProtocol.maxRequestLine - 8) + "\n"
        XCTAssertEqual(line.utf8.count, ControlProtocol.maxRequestLine)
        s.received(Array(line.utf8))
        guard case .perform(.status(let names))? = s.next(pendingOutput: 0).first else { return XCTFail() }
        XCTAssertEqual(names.first?.count, ControlProtocol.maxRequestLine - 8)
    }

    func test_httpFirstLine_isHandedOffWithEveryByteReceived_butOnlyAsFirstLine() {
        var s = session()
        s.received(Array("POST /RPC2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc".utf8))
        XCTAssertEqual(text(s.next(pendingOutput: 0)), ["handOff POST /RPC2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"])
        XCTAssertTrue(s.closing)
        XCTAssertFalse(s.wantsInput)
        s.received(Array("version\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [], "a handed-off session does nothing more")
        var t = session()
        t.received(Array("version\nGET / HTTP/1.0\n".utf8))
        _ = t.next(pendingOutput: 0)
        _ = t.replied(.done)
        t.replySent()
        XCTAssertEqual(text(t.next(pendingOutput: 0)), ["send SWV1 ERR 1 UNKNOWN_METHOD:%20GET\n.\n"])
    }

    func test_auth_gate_wrongPasswordCloses_rightOneOpens() {
        let creds = ControlCredentials(username: "admin", password: "{SHA}" + SHA1.hexDigest("pw"))
        var s = session(creds)
        s.received(Array("status\nquit\n".utf8))
        XCTAssertEqual(text(s.next(pendingOutput: 0)),
                       ["send SWV1 ERR 100 AUTH_REQUIRED:%20send%20auth%20USER%20PASSWORD%20first\n.\n", "send SWV1 OK\n.\n", "close"])
        var bad = session(creds)
        bad.received(Array("auth admin nope\nstatus\n".utf8))
        XCTAssertEqual(text(bad.next(pendingOutput: 0)),
                       ["send SWV1 ERR 101 AUTH_FAILED:%20wrong%20username%20or%20password\n.\n", "close"])
        var good = session(creds)
        good.received(Array("auth admin pw\nstatus\n".utf8))
        XCTAssertEqual(text(good.next(pendingOutput: 0)), ["send SWV1 OK\n.\n", "perform status(names: [])"])
    }

    func test_authHTTP_acceptsOnlyTheLowerCaseDigest_asHTTPDoes_whileAuthAcceptsEither() {
        let upper = ControlCredentials(username: "admin", password: "{SHA}" + SHA1.hexDigest("pw").uppercased())
        var http = session(upper)
        http.received(Array("auth --http admin pw\n".utf8))
        XCTAssertEqual(text(http.next(pendingOutput: 0)),
                       ["send SWV1 ERR 101 AUTH_FAILED:%20wrong%20username%20or%20password\n.\n", "close"])
        var line = session(upper)
        line.received(Array("auth admin pw\n".utf8))
        XCTAssertEqual(text(line.next(pendingOutput: 0)), ["send SWV1 OK\n.\n"])
        let lower = ControlCredentials(username: "admin", password: "{SHA}" + SHA1.hexDigest("pw"))
        var ok = session(lower)
        ok.received(Array("auth --http admin pw\nstatus\n".utf8))
        XCTAssertEqual(text(ok.next(pendingOutput: 0)), ["send SWV1 OK\n.\n", "perform status(names: [])"])
        var plain = session(ControlCredentials(username: "admin", password: "s3cret"))
        plain.received(Array("auth --http admin s3cret\n".utf8))
        XCTAssertEqual(text(plain.next(pendingOutput: 0)), ["send SWV1 OK\n.\n"])
    }

    func test_follow_ignoresLaterInput_refusalReturnsToRequests() {
        var s = session()
        s.received(Array("follow web stdout\nversion\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [.follow([.process(name: "web", channel: .stdout)])])
        XCTAssertTrue(s.streaming)
        XCTAssertTrue(s.wantsInput, "still read, to notice the client leaving")
        XCTAssertEqual(text(s.followRefused(ControlFault(.noFile, "web"))), ["send SWV1 ERR 20 NO_FILE:%20web\n.\n"])
        s.received(Array("pid\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0), [.perform(.pid)])
        var t = session()
        t.received(Array("follow main\n".utf8))
        _ = t.next(pendingOutput: 0)
        XCTAssertEqual(text(t.followStarted()), ["send SWV1 STREAM\n"])
        t.received(Array("version\n".utf8))
        XCTAssertEqual(t.next(pendingOutput: 0), [])
    }

    func test_followRaw_isAStreamLikeFollow_withOrWithoutOffsets_andRawTakesNoValue() {
        var s = session()
        s.received(Array("follow --raw --from=5,0 web stdout web stderr\n".utf8))
        XCTAssertEqual(s.next(pendingOutput: 0),
                       [.followRaw([.process(name: "web", channel: .stdout), .process(name: "web", channel: .stderr)], offsets: [5, 0])])
        XCTAssertTrue(s.streaming)
        var t = session()
        t.received(Array("follow --raw web stdout\n".utf8))
        XCTAssertEqual(t.next(pendingOutput: 0), [.followRaw([.process(name: "web", channel: .stdout)], offsets: nil)])
        for bad in ["follow --raw=1 web stdout", "follow --raw main", "follow --raw --from=1 web stdout web stderr"] {
            var u = session()
            u.received(Array((bad + "\n").utf8))
            XCTAssertTrue(text(u.next(pendingOutput: 0)).first?.hasPrefix("send SWV1 ERR 3 ") == true, bad)
            XCTAssertFalse(u.streaming, bad)
        }
    }
}

/// The server's own reasons to close a connection, on a fake clock.
final class ConnectionDeadlineTests: XCTestCase {
    let auth = ControlProtocol.authTimeout
    let idle = ControlProtocol.idleTimeout

    func test_unauthenticated_isClosedAtTheAuthDeadline_whateverItDoes() {
        XCTAssertEqual(ConnectionDeadline.decide(now: 100, acceptedAt: 100, lastActivity: 100, authenticated: false, active: false),
                       .checkAt(100 + auth))
        XCTAssertEqual(ConnectionDeadline.decide(now: 100 + auth - 0.001, acceptedAt: 100, lastActivity: 100 + auth - 0.01,
                                                 authenticated: false, active: true), .checkAt(100 + auth))
        XCTAssertEqual(ConnectionDeadline.decide(now: 100 + auth, acceptedAt: 100, lastActivity: 100 + auth, authenticated: false, active: true),
                       .close, "sending bytes (requests that get AUTH_REQUIRED) does not extend the deadline")
    }

    func test_authenticated_idleConnection_isClosedAfterTheIdleTimeout_countedFromItsLastActivity() {
        XCTAssertEqual(ConnectionDeadline.decide(now: 50, acceptedAt: 0, lastActivity: 40, authenticated: true, active: false),
                       .checkAt(40 + idle))
        XCTAssertEqual(ConnectionDeadline.decide(now: 40 + idle, acceptedAt: 0, lastActivity: 40, authenticated: true, active: false), .close)
    }

    func test_activeConnection_aWaitingStartOrAQuietFollow_isNeverIdle() {
        XCTAssertEqual(ConnectionDeadline.decide(now: 10_000, acceptedAt: 0, lastActivity: 0, authenticated: true, active: true),
                       .checkAt(10_000 + idle))
    }

    func test_documentedValues() {
        XCTAssertEqual(auth, 10)
        XCTAssertEqual(idle, 300)
        XCTAssertEqual(ControlProtocol.maxUnauthenticated, 64)
        XCTAssertEqual(ControlProtocol.maxLogRead, 1 << 20)
    }
}
