import XCTest
@testable import SwiftvisorCore

final class HTTPRequestParserTests: XCTestCase {
    private func requests(_ bytes: [UInt8], limits: HTTPLimits = .default, chunk: Int? = nil) -> ([HTTPRequest], HTTPParseError?) {
        var parser = HTTPRequestParser(limits: limits)
        var out: [HTTPRequest] = []
        var offset = 0
        let step = chunk ?? max(bytes.count, 1)
        repeat {
            let end = min(offset + step, bytes.count)
            parser.received(bytes[offset..<end])
            offset = end
            while true {
                switch parser.next() {
                case .needMore: break
                case .request(let r): out.append(r); continue
                case .failure(let e): return (out, e)
                }
                break
            }
        } while offset < bytes.count
        return (out, nil)
    }

    private func failure(_ text: String, limits: HTTPLimits = .default) -> HTTPParseError? {
        requests(Array(text.utf8), limits: limits).1
    }

    // MARK: what real clients send

    func test_supervisorctlRequests_captured_parseWithBody() throws {
        let captured = [Captured430.ctlUnix_getVersion, Captured430.ctlUnix_getAllProcessInfo, Captured430.ctlUnix_startProcess,
                        Captured430.ctlUnix_readProcessStdoutLog, Captured430.ctlUnix_signalProcess, Captured430.ctlUnix_sendProcessStdin,
                        Captured430.ctlUnix_multicall, Captured430.ctlUnixAuth_getVersion, Captured430.ctlInet_getVersion,
                        Captured430.serverProxy_getAllProcessInfo]
        for bytes in captured {
            let (reqs, error) = requests(bytes)
            XCTAssertNil(error)
            let r = try XCTUnwrap(reqs.first)
            XCTAssertEqual(reqs.count, 1)
            XCTAssertEqual(r.method, "POST")
            XCTAssertEqual(r.target, "/RPC2")
            XCTAssertEqual(r.version, .http11)
            XCTAssertEqual(r.header("content-type"), "text/xml")
            XCTAssertEqual(r.header("CONTENT-LENGTH"), String(r.body.count))
            XCTAssertTrue(r.body.starts(with: Array("<?xml version='1.0'?>\n<methodCall>".utf8)))
            XCTAssertTrue(r.hasContentLength)
        }
        let (reqs, _) = requests(Captured430.ctlUnixAuth_getVersion)
        XCTAssertEqual(reqs.first?.header("Authorization"), "Basic Ym9iOnNlY3JldA==")
        XCTAssertEqual(reqs.first?.header("Host"), "localhost")
    }

    func test_pipelinedRequests_inOneRead_comeOutInOrder_andByteByByteToo() {
        let all = Captured430.ctlUnix_getVersion + Captured430.ctlUnix_multicall + Captured430.ctlUnix_sendProcessStdin
        for chunk in [nil, 1, 7, 100] {
            let (reqs, error) = requests(all, chunk: chunk)
            XCTAssertNil(error)
            XCTAssertEqual(reqs.count, 3, "chunk \(String(describing: chunk))")
            XCTAssertEqual(reqs.map { $0.body.count }, [115, 677, 246])
        }
    }

    func test_tailClient_extraCRLF_andEmptyHost_areTolerated() {
        // supervisorctl tail -f (supervisor/http_client.py): an empty Host and
        // one CRLF more after the header block.
        let tail = "GET /logtail/foo/stdout HTTP/1.1\r\nHost: \r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: Supervisor HTTP Client\r\nAuthorization: Basic Ym9iOnNlY3JldA==\r\n\r\n\r\n"
        var parser = HTTPRequestParser()
        parser.received(Array(tail.utf8))
        guard case .request(let r) = parser.next() else { return XCTFail("no request") }
        XCTAssertEqual(r.method, "GET")
        XCTAssertEqual(r.path, "/logtail/foo/stdout")
        XCTAssertEqual(r.header("Host"), "")
        XCTAssertEqual(r.body, [])
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertFalse(parser.isFinished)
        // The stray CRLF is skipped when the next request comes.
        parser.received(Array("GET /mainlogtail HTTP/1.0\r\n\r\n".utf8))
        guard case .request(let r2) = parser.next() else { return XCTFail("no second request") }
        XCTAssertEqual(r2.target, "/mainlogtail")
        XCTAssertEqual(r2.version, .http10)
        XCTAssertTrue(parser.isAtBoundary)
    }

    func test_bodySplitOverReads_waitsForContentLength() {
        var parser = HTTPRequestParser()
        parser.received(Array("POST /RPC2 HTTP/1.0\r\nContent-Length: 5\r\n\r\nab".utf8))
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertFalse(parser.isAtBoundary)
        parser.received(Array("cdeGET".utf8))
        guard case .request(let r) = parser.next() else { return XCTFail() }
        XCTAssertEqual(r.body, Array("abcde".utf8))
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.bufferedCount, 3)
    }

    func test_foldedHeader_joinedAsMedusaJoinsIt_andFirstDuplicateWins() {
        let (reqs, error) = requests(Array("GET / HTTP/1.1\r\nX-A: one\r\n two\r\nX-B: 1\r\nx-b: 2\r\n\r\n".utf8))
        XCTAssertNil(error)
        XCTAssertEqual(reqs.first?.header("X-A"), "onetwo")
        XCTAssertEqual(reqs.first?.header("X-B"), "1")
        XCTAssertEqual(reqs.first?.headers.count, 3)
    }

    func test_continuationFlood_joinsInOneValue() {
        var head = "GET / HTTP/1.1\r\nX: a\r\n"
        for _ in 0..<15_000 { head += " b\r\n" }
        let (reqs, error) = requests(Array((head + "\r\n").utf8))
        XCTAssertNil(error)
        XCTAssertEqual(reqs.first?.header("X"), "a" + String(repeating: "b", count: 15_000))
    }

    func test_percentDecoding_ofThePathOnly_asMedusa() {
        let (reqs, _) = requests(Array("GET /logtail/a%3Ab/stderr?x=%41 HTTP/1.1\r\n\r\n".utf8))
        XCTAssertEqual(reqs.first?.path, "/logtail/a:b/stderr")
        XCTAssertEqual(reqs.first?.uri, "/logtail/a:b/stderr?x=%41")
        XCTAssertEqual(HTTPRequest.percentDecoded("%zz%4"), "%zz%4")
        XCTAssertEqual(HTTPRequest.percentDecoded("%C3%A9%ff"), "é\u{FFFD}")
    }

    func test_connectionToken_lowerCased_emptyWhenAbsent() {
        let (reqs, _) = requests(Array("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8))
        XCTAssertEqual(reqs.map(\.connectionToken), ["keep-alive", ""])
    }

    // MARK: refusals

    func test_malformedRequestLines_are400() {
        for line in ["GARBAGE", "GET /", "GET  / HTTP/1.1", "GET / HTTP/1.1 x", "GET / FTP/1.0", "G(T / HTTP/1.1",
                     "GET /\u{7F} HTTP/1.1", "GET / HTTP/", "GET / HTTP/1.a", "\rGET / HTTP/1.1"] {
            let e = failure(line + "\r\n\r\n")
            XCTAssertEqual(e?.kind, .malformedRequestLine, line)
            XCTAssertEqual(e?.status, .badRequest)
        }
    }

    func test_otherVersions_are505() {
        for v in ["2.0", "1.2", "0.9", "1.10"] {
            XCTAssertEqual(failure("GET / HTTP/\(v)\r\n\r\n")?.status.code, 505, v)
        }
    }

    func test_malformedHeaders_are400() {
        for h in ["NoColon", ": empty-name", "Bad Name: x", " leading: continuation-first", "X: a\u{01}b", "X: a\rb"] {
            let e = failure("GET / HTTP/1.1\r\n\(h)\r\n\r\n")
            XCTAssertEqual(e?.kind, .malformedHeader, h)
            XCTAssertEqual(e?.version, .http11)
        }
    }

    func test_contentLength_checked() {
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n")?.kind, .badContentLength)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")?.kind, .badContentLength)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n")?.kind, .badContentLength)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n")?.kind, .badContentLength)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n")?.kind, .badContentLength)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")?.kind, .badContentLength)
        // Equal duplicates are one length.
        let (reqs, error) = requests(Array("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok".utf8))
        XCTAssertNil(error)
        XCTAssertEqual(reqs.first?.body, Array("ok".utf8))
        XCTAssertEqual(HTTPRequestParser.decimal("9223372036854775807"), Int.max)
        XCTAssertNil(HTTPRequestParser.decimal("9223372036854775808"))
    }

    func test_bodyOverTheLimit_is413_beforeAnyBodyIsBuffered() {
        let limits = HTTPLimits(maxRequestLine: 100, maxHeaderBytes: 1000, maxHeaderCount: 10, maxBodyBytes: 10)
        let e = failure("POST /RPC2 HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits)
        XCTAssertEqual(e?.kind, .bodyTooLarge)
        XCTAssertEqual(e?.status.code, 413)
        XCTAssertNil(failure("POST /RPC2 HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits))
    }

    func test_transferEncoding_411WithoutLength_400WithLength() {
        let e = failure("POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        XCTAssertEqual(e?.status, .lengthRequired)
        let both = failure("POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
        XCTAssertEqual(both?.kind, .conflictingFraming)
        XCTAssertEqual(both?.status, .badRequest)
    }

    func test_requestLineLimit_414_evenBeforeItsEndArrives() {
        let limits = HTTPLimits(maxRequestLine: 20, maxHeaderBytes: 1000, maxHeaderCount: 10, maxBodyBytes: 10)
        XCTAssertNil(failure("GET /012345 HTTP/1.1\r\n\r\n", limits: limits))  // exactly 20
        XCTAssertEqual(failure("GET /0123456 HTTP/1.1\r\n\r\n", limits: limits)?.status.code, 414)
        var parser = HTTPRequestParser(limits: limits)
        // 21 bytes may still be 20 and a CR; the 22nd proves the line too long.
        parser.received(Array(repeating: UInt8(ascii: "A"), count: 21))
        XCTAssertEqual(parser.next(), .needMore)
        parser.received([UInt8(ascii: "A")])
        guard case .failure(let e) = parser.next() else { return XCTFail() }
        XCTAssertEqual(e.kind, .requestLineTooLong)
    }

    func test_headerFloods_400() {
        let limits = HTTPLimits(maxRequestLine: 100, maxHeaderBytes: 200, maxHeaderCount: 3, maxBodyBytes: 10)
        XCTAssertNil(failure("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", limits: limits))
        XCTAssertEqual(failure("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n", limits: limits)?.kind, .headersTooLarge)
        let big = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 200) + "\r\n\r\n"
        XCTAssertEqual(failure(big, limits: limits)?.kind, .headersTooLarge)
        // A head that never ends is refused once it passes the limit.
        var parser = HTTPRequestParser(limits: limits)
        parser.received(Array("GET / HTTP/1.1\r\n".utf8))
        for _ in 0..<100 {
            parser.received(Array("X: y\r\n".utf8))
            if case .failure(let e) = parser.next() {
                XCTAssertEqual(e.kind, .headersTooLarge)
                XCTAssertLessThanOrEqual(parser.bufferedCount, 0)
                return
            }
        }
        XCTFail("never refused")
    }

    func test_afterARefusal_nothingMoreIsParsed() {
        var parser = HTTPRequestParser()
        parser.received(Array("BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8))
        guard case .failure = parser.next() else { return XCTFail() }
        XCTAssertTrue(parser.isFinished)
        parser.received(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.bufferedCount, 0)
    }

    func test_manyEmptyLines_costNothing() {
        var parser = HTTPRequestParser()
        for _ in 0..<10_000 { parser.received(Array("\r\n".utf8)); XCTAssertEqual(parser.next(), .needMore) }
        XCTAssertLessThanOrEqual(parser.bufferedCount, 2)
    }
}
