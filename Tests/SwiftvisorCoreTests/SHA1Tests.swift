import XCTest
@testable import SwiftvisorCore

final class SHA1Tests: XCTestCase {
    func test_knownVectors() {
        XCTAssertEqual(SHA1.hexDigest(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hexDigest("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(SHA1.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(SHA1.hexDigest(String(repeating: "a", count: 1_000)), "291e9a6c66994949b57ba5e650361e98fc36b1ba")
        XCTAssertEqual(SHA1.hexDigest("s3cret"), "fef341f85d87439e7d91a2d465b9871ef66b5e98")
    }

    func test_paddingBoundaries_55_56_64_bytes() {
        // Lengths around the 56-byte padding boundary, checked against Python's hashlib.
        XCTAssertEqual(SHA1.hexDigest(String(repeating: "x", count: 55)), "cef734ba81a024479e09eb5a75b6ddae62e6abf1")
        XCTAssertEqual(SHA1.hexDigest(String(repeating: "x", count: 56)), "901305367c259952f4e7af8323f480d59f81335b")
        XCTAssertEqual(SHA1.hexDigest(String(repeating: "x", count: 64)), "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163")
    }

    func test_credentials_cleartextAndSHA() {
        let plain = ControlCredentials(username: "admin", password: "s3cret")
        XCTAssertTrue(plain.accepts(user: "admin", password: "s3cret"))
        XCTAssertFalse(plain.accepts(user: "admin", password: "S3cret"))
        XCTAssertFalse(plain.accepts(user: "root", password: "s3cret"))
        let hashed = ControlCredentials(username: "admin", password: "{SHA}fef341f85d87439e7d91a2d465b9871ef66b5e98")
        XCTAssertTrue(hashed.accepts(user: "admin", password: "s3cret"))
        XCTAssertFalse(hashed.accepts(user: "admin", password: "{SHA}fef341f85d87439e7d91a2d465b9871ef66b5e98"))
    }
}
