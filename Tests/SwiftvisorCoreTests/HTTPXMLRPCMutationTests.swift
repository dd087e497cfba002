import XCTest
@testable import SwiftvisorCore

/// Mutated copies of real requests through the parser and the decoder: no
/// trap, every answer consistent, memory bounded. (The libFuzzer targets run
/// the same entry points with coverage guidance.)
final class HTTPXMLRPCMutationTests: XCTestCase {
    private static let seeds: [[UInt8]] = [
        Captured430.ctlUnix_getVersion, Captured430.ctlUnix_multicall, Captured430.ctlUnix_sendProcessStdin,
        Captured430.ctlUnixAuth_getVersion, Captured430.serverProxy_getAllProcessInfo, Captured430.ctlUnix_float_struct_nested,
        Array("GET /logtail/foo/stdout HTTP/1.1\r\nHost: \r\nAccept: */*\r\n\r\n\r\n".utf8),
    ]

    private static func mutate(_ input: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + rng.next() % 4) {
            guard !b.isEmpty else { break }
            let i = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 6 {
            case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
            case 1: b.insert(contentsOf: [UInt8](repeating: b[i], count: Int(rng.next() % 64)), at: i)
            case 2: b.removeSubrange(i..<min(b.count, i + Int(rng.next() % 16)))
            case 3: b.insert(contentsOf: Array(["<", ">", "&#", "\r\n", ":", " ", "<![CDATA[", "</", "=\"", "0"][Int(rng.next() % 10)].utf8), at: i)
            case 4: b = Array(b[..<i])
            default: b += b[i...]
            }
        }
        return b
    }

    func test_mutatedRequests_parserNeverTraps_andStaysBounded() {
        var rng = SplitMix(seed: 7)
        let limits = HTTPLimits(maxRequestLine: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 2048)
        var requests = 0, refusals = 0
        for n in 0..<4000 {
            let seed = Self.seeds[n % Self.seeds.count]
            let input = Self.mutate(seed + Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))], &rng)
            var parser = HTTPRequestParser(limits: limits)
            var offset = 0
            loop: while offset < input.count {
                let end = min(input.count, offset + 1 + Int(rng.next() % 200))
                parser.received(input[offset..<end])
                offset = end
                while true {
                    switch parser.next() {
                    case .needMore:
                        // Never more than a head and a body are held.
                        XCTAssertLessThanOrEqual(parser.bufferedCount, limits.maxHeaderBytes + limits.maxBodyBytes + 400)
                        continue loop
                    case .request(let r):
                        requests += 1
                        XCTAssertEqual(r.body.count, Int(r.header("Content-Length") ?? "0"))
                        XCTAssertLessThanOrEqual(r.body.count, limits.maxBodyBytes)
                    case .failure(let e):
                        refusals += 1
                        XCTAssertTrue([400, 411, 413, 414, 505].contains(e.status.code))
                        XCTAssertTrue(parser.isFinished)
                        break loop
                    }
                }
            }
        }
        XCTAssertGreaterThan(requests, 1000)
        XCTAssertGreaterThan(refusals, 100)
    }

    func test_mutatedBodies_decoderNeverTraps_andWhatItAcceptsRoundTrips() {
        var rng = SplitMix(seed: 11)
        var bodies: [[UInt8]] = []
        for seed in Self.seeds {
            var parser = HTTPRequestParser()
            parser.received(seed)
            if case .request(let r) = parser.next(), !r.body.isEmpty { bodies.append(r.body) }
        }
        var accepted = 0
        for n in 0..<6000 {
            let body = Self.mutate(bodies[n % bodies.count], &rng)
            guard case .success(let call) = XMLRPCRequestDecoder.decode(body) else { continue }
            accepted += 1
            // What was accepted survives our own encoding unchanged, except
            // doubles (NaN is not equal to itself) and text with a CR or a
            // character XML forbids (sent as U+FFFD; a raw CR reads back as LF).
            if Self.survivesEncoding(call.params + [.string(call.methodName)]) {
                XCTAssertEqual(try? XMLRPCRequestDecoder.decode(XMLRPCEncoder.call(call.methodName, call.params)).get(), call)
            }
        }
        XCTAssertGreaterThan(accepted, 200)
    }

    static func survivesEncoding(_ values: [XMLRPCValue]) -> Bool {
        values.allSatisfy {
            switch $0 {
            case .double: return false
            case .string(let s): return s.unicodeScalars.allSatisfy { $0 != "\r" && XMLTokenizer.isXMLChar($0.value) }
            case .array(let items): return survivesEncoding(items)
            case .struct(let members): return survivesEncoding(members.map(\.value)) && survivesEncoding(members.map { .string($0.name) })
            default: return true
            }
        }
    }
}
