import XCTest
@testable import SwiftvisorCore

final class HTTPResponseTests: XCTestCase {
    /// Our bytes with supervisord's Server value and the Date the capture
    /// script blanked out: everything else must be byte-identical.
    private func asSupervisord(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\r\n", omittingEmptySubsequences: false).map { line -> String in
            if line == "Server: swiftvisord" { return "Server: Medusa/1.12" }
            if line.hasPrefix("Date: ") { return "Date: <date>" }
            return String(line)
        }.joined(separator: "\r\n")
    }

    private func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
    private let now: Int64 = 1_796_580_926  // Sun, 06 Dec 2026 18:15:26 GMT

    func test_xmlrpcAnswers_matchSupervisord_exceptServerHeader() {
        let body = XMLRPCEncoder.response(.string("3.0"))
        let (b11, keep11) = HTTPResponse.xmlrpc(body).serialized(version: .http11, connection: "", epochSeconds: now)
        XCTAssertEqual(asSupervisord(b11), text(Captured430.supervisord_getVersion11))
        XCTAssertTrue(keep11)
        let (b10, keep10) = HTTPResponse.xmlrpc(body).serialized(version: .http10, connection: "keep-alive", epochSeconds: now)
        XCTAssertEqual(asSupervisord(b10), text(Captured430.supervisord_getVersion10KeepAlive))
        XCTAssertTrue(keep10)
        let fault = XMLRPCEncoder.fault(XMLRPCFault(.unknownMethod))
        XCTAssertEqual(asSupervisord(HTTPResponse.xmlrpc(fault).serialized(version: .http11, connection: "", epochSeconds: now).bytes),
                       text(Captured430.supervisord_unknownMethod))
        let wrongCount = XMLRPCEncoder.fault(XMLRPCFault(.incorrectParameters))
        XCTAssertEqual(asSupervisord(HTTPResponse.xmlrpc(wrongCount).serialized(version: .http11, connection: "", epochSeconds: now).bytes),
                       text(Captured430.supervisord_wrongArgCount))
    }

    func test_errorPages_matchSupervisord() {
        let cases: [(HTTPStatus, [UInt8])] = [
            (.badRequest, Captured430.supervisord_malformedXML), (.badRequest, Captured430.supervisord_noMethodName),
            (.badRequest, Captured430.supervisord_getRPC2), (.lengthRequired, Captured430.supervisord_postNoLength),
            (.notFound, Captured430.supervisord_headRoot),
        ]
        for (status, expected) in cases {
            let (bytes, keep) = HTTPResponse.error(status).serialized(version: .http11, connection: "", epochSeconds: now)
            XCTAssertEqual(asSupervisord(bytes), text(expected))
            XCTAssertTrue(keep, "medusa keeps a 1.1 connection open after a sized error page")
        }
        let (bytes, keep) = HTTPResponse.unauthorized().serialized(version: .http11, connection: "", epochSeconds: now)
        XCTAssertEqual(asSupervisord(bytes), text(Captured430.supervisord_unauthorized))
        XCTAssertFalse(keep)
        XCTAssertFalse(HTTPResponse.unauthorized().serialized(version: .http10, connection: "keep-alive", epochSeconds: now).keepAlive)
    }

    func test_serverHeader_namesSwiftvisord_secondLineAfterStatus() {
        let lines = text(HTTPResponse.error(.notFound).serialized(version: .http10, connection: "", epochSeconds: now).bytes)
            .split(separator: "\r\n").prefix(3)
        XCTAssertEqual(Array(lines), ["HTTP/1.0 404 Not Found", "Server: swiftvisord", "Date: Sun, 06 Dec 2026 18:15:26 GMT"])
    }

    func test_persistence_table() {
        func d(_ v: HTTPVersion, _ c: String, _ cl: Bool) -> HTTPPersistence { .decide(version: v, connection: c, hasContentLength: cl) }
        XCTAssertEqual(d(.http10, "keep-alive", true), HTTPPersistence(keepAlive: true, announceKeepAlive: true, chunked: false))
        XCTAssertEqual(d(.http10, "keep-alive", false), HTTPPersistence(keepAlive: false, announceKeepAlive: false, chunked: false))
        XCTAssertEqual(d(.http10, "", true), HTTPPersistence(keepAlive: false, announceKeepAlive: false, chunked: false))
        XCTAssertEqual(d(.http10, "close", true), HTTPPersistence(keepAlive: false, announceKeepAlive: false, chunked: false))
        XCTAssertEqual(d(.http11, "close", true), HTTPPersistence(keepAlive: false, announceKeepAlive: false, chunked: false))
        XCTAssertEqual(d(.http11, "close", false), HTTPPersistence(keepAlive: false, announceKeepAlive: false, chunked: false))
        XCTAssertEqual(d(.http11, "", true), HTTPPersistence(keepAlive: true, announceKeepAlive: false, chunked: false))
        XCTAssertEqual(d(.http11, "keep-alive", false), HTTPPersistence(keepAlive: true, announceKeepAlive: false, chunked: true))
        // No `Connection: close` header is ever added when closing.
        let (b, keep) = HTTPResponse.error(.notFound).serialized(version: .http10, connection: "", epochSeconds: now)
        XCTAssertFalse(keep)
        XCTAssertFalse(text(b).contains("Connection"))
    }

    func test_streamHead_chunkedOn11_rawOn10() {
        let headers = [HTTPHeaderField("Content-Type", "text/plain;charset=utf-8"), HTTPHeaderField("X-Accel-Buffering", "no")]
        let s11 = HTTPStreamResponse(headers: headers, version: .http11, connection: "", epochSeconds: now)
        XCTAssertTrue(s11.chunked)
        XCTAssertEqual(text(s11.head), "HTTP/1.1 200 OK\r\nServer: swiftvisord\r\nDate: Sun, 06 Dec 2026 18:15:26 GMT\r\nContent-Type: text/plain;charset=utf-8\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n")
        let s10 = HTTPStreamResponse(headers: headers, version: .http10, connection: "keep-alive", epochSeconds: now)
        XCTAssertFalse(s10.chunked)
        XCTAssertFalse(s10.keepAlive)
        XCTAssertFalse(text(s10.head).contains("Transfer-Encoding"))
        XCTAssertFalse(HTTPStreamResponse(headers: [], version: .http11, connection: "close", epochSeconds: now).chunked)
    }

    func test_chunks() {
        XCTAssertEqual(text(HTTPChunk.encode(Array("hello".utf8))), "5\r\nhello\r\n")
        XCTAssertEqual(Array(HTTPChunk.encode([UInt8](repeating: 0x41, count: 255)).prefix(4)), Array("ff\r\n".utf8))
        XCTAssertEqual(HTTPChunk.encode([UInt8]()), [])
        XCTAssertEqual(text(HTTPChunk.last), "0\r\n\r\n")
    }

    func test_httpDate() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: -1), "Wed, 31 Dec 1969 23:59:59 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: now), "Sun, 06 Dec 2026 18:15:26 GMT")
        _ = HTTPDate.format(epochSeconds: .max)
        _ = HTTPDate.format(epochSeconds: .min)
    }
}
