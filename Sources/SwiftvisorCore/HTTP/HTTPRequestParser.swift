// HTTP/1.0 and 1.1 request framing as a pure incremental machine: bytes in,
// requests or one refusal out. Several requests in one read (pipelining) come
// out one per `next()`, in order; a request split over many reads comes out
// when its last byte arrives. Every length is checked before it is used, and
// every part of a request is bounded by HTTPLimits.
//
// What it accepts is what supervisord's medusa accepts from real clients
// (supervisor/http.py deferring_http_channel.found_terminator and
// medusa/http_server.py crack_request, join_headers, at 4.3.0):
//   - the header block ends at the first CRLF CRLF; lines end with CRLF;
//   - empty lines before a request line are skipped (supervisorctl's tail
//     client sends one extra CRLF after its header block);
//   - a header line starting with a space or tab continues the previous one,
//     joined as medusa joins it (the first blank dropped, nothing inserted);
//   - a body is read by Content-Length; there is no chunked request body.
// Where medusa fails open or crashes, this refuses with a status and the
// caller closes the connection: no version (HTTP/0.9), a version other than
// 1.0/1.1, a bad or duplicated-and-different Content-Length, Transfer-Encoding
// on a request, control bytes in the head, anything over a limit.

/// The request framing of one connection.
public struct HTTPRequestParser: Sendable {
    /// What `next()` found.
    public enum Outcome: Sendable, Equatable {
        /// No complete request yet: read more.
        case needMore
        /// A complete request.
        case request(HTTPRequest)
        /// A refused request. The parser is finished: answer and close.
        case failure(HTTPParseError)
    }

    private struct Head: Sendable {
        var method: String
        var target: String
        var version: HTTPVersion
        var headers: [HTTPHeaderField]
    }

    private enum State: Sendable {
        case head
        case body(Head, length: Int)
        case failed
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already consumed.
    private var start = 0
    /// Bytes after `start` already scanned for the end of the head.
    private var scanned = 0
    /// Offset after `start` of the request line's CR, once seen.
    private var requestLineEnd: Int?
    private var state: State = .head

    public init(limits: HTTPLimits = .default) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed by a request.
    public var bufferedCount: Int { buffer.count - start }

    /// A refusal was returned: nothing more will be parsed.
    public var isFinished: Bool {
        if case .failed = state { return true }
        return false
    }

    /// Whether the bytes buffered stop at a request boundary (nothing of a
    /// next request has arrived yet): a connection closed now loses nothing.
    public var isAtBoundary: Bool {
        if case .head = state { return bufferedCount == 0 }
        return false
    }

    /// Bytes from the client; then call `next()` until it answers `.needMore`.
    public mutating func received<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if case .failed = state { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, if the buffered bytes hold one.
    public mutating func next() -> Outcome {
        switch state {
        case .failed:
            return .needMore
        case .body(let head, let length):
            guard bufferedCount >= length else { return .needMore }
            let body = Array(buffer[start..<(start + length)])
            start += length
            state = .head
            compact()
            return .request(HTTPRequest(method: head.method, target: head.target, version: head.version,
                                        headers: head.headers, body: body))
        case .head:
            return nextHead()
        }
    }

    // MARK: the head

    private mutating func nextHead() -> Outcome {
        skipEmptyLines()
        guard let headLength = scanForHeadEnd() else {
            if let end = requestLineEnd, end > limits.maxRequestLine {
                return fail(HTTPParseError(.requestLineTooLong, "request line of \(end) bytes"))
            }
            if requestLineEnd == nil, bufferedCount > limits.maxRequestLine + 1 {
                return fail(HTTPParseError(.requestLineTooLong, "no end of the request line in \(bufferedCount) bytes"))
            }
            if bufferedCount > limits.maxHeaderBytes {
                return fail(HTTPParseError(.headersTooLarge, "no end of the header block in \(bufferedCount) bytes"))
            }
            compact()
            return .needMore
        }
        if let end = requestLineEnd, end > limits.maxRequestLine {
            return fail(HTTPParseError(.requestLineTooLong, "request line of \(end) bytes"))
        }
        if headLength > limits.maxHeaderBytes {
            return fail(HTTPParseError(.headersTooLarge, "header block of \(headLength) bytes"))
        }
        let headBytes = buffer[start..<(start + headLength - 4)]
        start += headLength
        scanned = 0
        requestLineEnd = nil
        let head: Head
        switch parseHead(headBytes) {
        case .failure(let error): return fail(error)
        case .success(let h): head = h
        }
        let length: Int
        switch bodyLength(head) {
        case .failure(let error): return fail(error)
        case .success(let n): length = n
        }
        state = .body(head, length: length)
        return next()
    }

    /// RFC 7230 §3.5: empty lines before a request line are ignored.
    private mutating func skipEmptyLines() {
        while bufferedCount >= 2, buffer[start] == CR, buffer[start + 1] == LF {
            start += 2
            scanned = 0
            requestLineEnd = nil
        }
    }

    /// The length of the head, CRLF CRLF included, once it has all arrived.
    /// Scans each byte once however the head is split over reads.
    private mutating func scanForHeadEnd() -> Int? {
        var i = scanned
        let count = bufferedCount
        while i < count {
            if buffer[start + i] == LF, i >= 1, buffer[start + i - 1] == CR {
                if requestLineEnd == nil { requestLineEnd = i - 1 }
                if i >= 3, buffer[start + i - 2] == LF, buffer[start + i - 3] == CR {
                    scanned = i + 1
                    return i + 1
                }
            }
            i += 1
            // Stop scanning what is already over the limits; nextHead refuses it.
            if i > limits.maxHeaderBytes + 1 { break }
        }
        scanned = i
        return nil
    }

    private func parseHead(_ bytes: ArraySlice<UInt8>) -> Result<Head, HTTPParseError> {
        let lines = Self.splitCRLF(bytes)
        guard let requestLine = lines.first else {
            return .failure(HTTPParseError(.malformedRequestLine, "empty request"))
        }
        let method: String, target: String, version: HTTPVersion
        switch Self.parseRequestLine(requestLine) {
        case .failure(let e): return .failure(e)
        case .success(let r): (method, target, version) = r
        }
        // Field values are gathered as bytes and trimmed once, so a flood of
        // continuation lines costs linear time.
        var fields: [(name: String, value: [UInt8])] = []
        for line in lines.dropFirst() {
            if let first = line.first, first == SP || first == HT {
                // medusa join_headers: r[-1] + headers[i][1:]
                guard !fields.isEmpty else {
                    return .failure(HTTPParseError(.malformedHeader, "continuation line before any header", version: version))
                }
                guard Self.isFieldValue(line) else {
                    return .failure(HTTPParseError(.malformedHeader, "control byte in a header", version: version))
                }
                fields[fields.count - 1].value += line.dropFirst()
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[..<colon].allSatisfy(Self.isTokenByte) else {
                return .failure(HTTPParseError(.malformedHeader, "header line without a field name", version: version))
            }
            let value = line[(colon + 1)...]
            guard Self.isFieldValue(value) else {
                return .failure(HTTPParseError(.malformedHeader, "control byte in a header", version: version))
            }
            guard fields.count < limits.maxHeaderCount else {
                return .failure(HTTPParseError(.headersTooLarge, "more than \(limits.maxHeaderCount) header fields", version: version))
            }
            fields.append((String(decoding: line[..<colon], as: UTF8.self), Array(value)))
        }
        let headers = fields.map { HTTPHeaderField($0.name, Self.trimmedString($0.value[...])) }
        return .success(Head(method: method, target: target, version: version, headers: headers))
    }

    /// `METHOD SP TARGET SP HTTP/1.x`, single spaces (medusa's REQUEST regex).
    private static func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<(String, String, HTTPVersion), HTTPParseError> {
        let parts = line.split(separator: SP, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(HTTPParseError(.malformedRequestLine, "request line is not METHOD TARGET HTTP/VERSION"))
        }
        guard parts[0].allSatisfy(isTokenByte) else {
            return .failure(HTTPParseError(.malformedRequestLine, "invalid method"))
        }
        guard parts[1].allSatisfy({ $0 > SP && $0 < 0x7F }) else {
            return .failure(HTTPParseError(.malformedRequestLine, "invalid request target"))
        }
        let versionText = parts[2]
        let prefix = Array("HTTP/".utf8)
        guard versionText.starts(with: prefix), versionText.count > prefix.count,
              versionText.dropFirst(prefix.count).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) else {
            return .failure(HTTPParseError(.malformedRequestLine, "invalid HTTP version"))
        }
        guard let version = HTTPVersion(rawValue: String(decoding: versionText.dropFirst(prefix.count), as: UTF8.self)) else {
            return .failure(HTTPParseError(.unsupportedVersion, "only HTTP/1.0 and HTTP/1.1 are served"))
        }
        return .success((String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), version))
    }

    /// The body's length from Content-Length; refusals for what cannot be framed.
    private func bodyLength(_ head: Head) -> Result<Int, HTTPParseError> {
        let lengths = head.headers.filter { HTTPRequest.asciiLowercased($0.name) == "content-length" }.map(\.value)
        let chunked = head.headers.contains { HTTPRequest.asciiLowercased($0.name) == "transfer-encoding" }
        if chunked {
            return .failure(lengths.isEmpty
                ? HTTPParseError(.lengthRequired, "Transfer-Encoding without Content-Length", version: head.version)
                : HTTPParseError(.conflictingFraming, "both Transfer-Encoding and Content-Length", version: head.version))
        }
        guard let first = lengths.first else { return .success(0) }
        guard lengths.allSatisfy({ $0 == first }) else {
            return .failure(HTTPParseError(.badContentLength, "Content-Length fields differ", version: head.version))
        }
        guard let n = Self.decimal(first) else {
            return .failure(HTTPParseError(.badContentLength, "Content-Length is not a decimal number", version: head.version))
        }
        guard n <= limits.maxBodyBytes else {
            return .failure(HTTPParseError(.bodyTooLarge, "Content-Length \(first) over the limit of \(limits.maxBodyBytes)", version: head.version))
        }
        return .success(n)
    }

    /// 1DIGIT+ as a checked Int: nil on anything else or on overflow.
    static func decimal(_ s: String) -> Int? {
        guard !s.isEmpty else { return nil }
        var n = 0
        for b in s.utf8 {
            guard b >= 0x30, b <= 0x39 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
            guard !o1, !o2 else { return nil }
            n = a
        }
        return n
    }

    private mutating func fail(_ error: HTTPParseError) -> Outcome {
        state = .failed
        buffer = []
        start = 0
        scanned = 0
        requestLineEnd = nil
        return .failure(error)
    }

    /// Drop consumed bytes once they are most of the buffer (amortised O(1)).
    private mutating func compact() {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
    }

    // MARK: bytes

    static func splitCRLF(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == CR, i + 1 < bytes.endIndex, bytes[i + 1] == LF {
                lines.append(bytes[lineStart..<i])
                i += 2
                lineStart = i
            } else {
                i += 1
            }
        }
        lines.append(bytes[lineStart..<bytes.endIndex])
        return lines
    }

    /// RFC 7230 tchar.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }

    /// field-value bytes: HTAB, visible ASCII, space, obs-text; no other control
    /// (a bare CR or LF included).
    static func isFieldValue(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == HT || ($0 >= SP && $0 != 0x7F) }
    }

    static func trimmedString(_ bytes: ArraySlice<UInt8>) -> String {
        var lo = bytes.startIndex, hi = bytes.endIndex
        while lo < hi, bytes[lo] == SP || bytes[lo] == HT { lo += 1 }
        while hi > lo, bytes[hi - 1] == SP || bytes[hi - 1] == HT { hi -= 1 }
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}

private let CR: UInt8 = 0x0D
private let LF: UInt8 = 0x0A
private let SP: UInt8 = 0x20
private let HT: UInt8 = 0x09
