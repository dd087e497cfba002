import XCTest
@testable import SwiftvisorCore

final class HTTPBasicAuthTests: XCTestCase {
    private func request(_ headers: [(String, String)]) -> HTTPRequest {
        HTTPRequest(method: "POST", target: "/RPC2", version: .http11, headers: headers.map { HTTPHeaderField($0.0, $0.1) }, body: [])
    }

    private func basic(_ userPass: String) -> String { "Basic " + Base64.encode(Array(userPass.utf8)) }

    private let plain = ControlCredentials(username: "bob", password: "secret")
    // sha1("secret") = e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4
    private let sha = ControlCredentials(username: "bob", password: "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")

    func test_plainPassword() {
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:secret"))]), credentials: plain), .authorized(user: "bob"))
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:wrong"))]), credentials: plain), .unauthorized)
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("alice:secret"))]), credentials: plain), .unauthorized)
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:secret2"))]), credentials: plain), .unauthorized)
    }

    func test_capturedSupervisorctlCredentials_areAccepted() throws {
        var parser = HTTPRequestParser()
        parser.received(Captured430.ctlUnixAuth_getVersion)
        guard case .request(let r) = parser.next() else { return XCTFail() }
        XCTAssertEqual(HTTPBasicAuth.check(r, credentials: plain), .authorized(user: "bob"))
        XCTAssertEqual(HTTPBasicAuth.check(r, credentials: sha), .authorized(user: "bob"))
    }

    func test_shaPassword_lowercaseHexOnly_andTheLiteralDigestIsNoPassword() {
        XCTAssertEqual(SHA1.hexDigest("secret"), "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:secret"))]), credentials: sha), .authorized(user: "bob"))
        let upper = ControlCredentials(username: "bob", password: "{SHA}E5E9FA1BA31ECD1AE84F75CAAA474F3A663F05F4")
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:secret"))]), credentials: upper), .unauthorized)
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:" + sha.password))]), credentials: sha), .unauthorized)
    }

    func test_headerAndScheme_caseInsensitive_otherSchemesRefused() {
        XCTAssertEqual(HTTPBasicAuth.check(request([("authorization", "basic " + Base64.encode(Array("bob:secret".utf8)))]), credentials: plain),
                       .authorized(user: "bob"))
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", "Digest username=\"bob\"")]), credentials: plain), .unauthorized)
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", "Basic")]), credentials: plain), .unauthorized)
        XCTAssertEqual(HTTPBasicAuth.check(request([]), credentials: plain), .unauthorized)
    }

    func test_splitAtFirstColon_passwordMayHoldColons() {
        let c = ControlCredentials(username: "bob", password: "a:b")
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", basic("bob:a:b"))]), credentials: c), .authorized(user: "bob"))
    }

    func test_undecodable_400_noColon_500() {
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", "Basic YQ")]), credentials: plain), .malformed)
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", "Basic /w==")]), credentials: plain), .malformed)  // not UTF-8
        // `Basic !!!!` decodes to nothing: no colon (supervisord answers 500).
        XCTAssertEqual(HTTPBasicAuth.check(request([("Authorization", "Basic !!!!")]), credentials: plain), .noSeparator)
        XCTAssertEqual(HTTPBasicAuth.response(for: .malformed)?.status.code, 400)
        XCTAssertEqual(HTTPBasicAuth.response(for: .noSeparator)?.status.code, 500)
        XCTAssertEqual(HTTPBasicAuth.response(for: .unauthorized)?.status.code, 401)
        XCTAssertNil(HTTPBasicAuth.response(for: .authorized(user: "bob")))
    }

    func test_base64_asPythonDecodebytes() {
        // Each expectation from Python 3.11 base64.decodebytes.
        let cases: [(String, String?)] = [
            ("YQ==", "a"), ("YQ", nil), ("YQ=", nil), ("Y", nil), ("YWJj", "abc"), ("Y W J j", "abc"),
            ("YQ==YQ==", "a"), ("=YQ==", "a"), ("YWJ=j", "ab"), ("!!!!", ""), ("", ""), ("Ym9i", "bob"), ("YQ=x=", "a\u{0C}"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(Base64.decode(Array(input.utf8)).map { String(decoding: $0, as: UTF8.self) }, expected, input)
        }
        for n in 0..<40 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(Base64.decode(Array(Base64.encode(data).utf8)), data)
        }
        XCTAssertEqual(Base64.encode(Array("bob:secret".utf8)), "Ym9iOnNlY3JldA==")
    }
}
