// The client side of HTTP/1.x, pure: bytes from the server → the status
// line, the headers and the body, for swiftvisorctl talking to supervisord
// (its medusa server answers XML-RPC with Content-Length, streams
// /logtail with chunked encoding, and closes after HTTP/1.0 replies).
// Incremental, so a stream that never ends is read as it arrives, and
// bounded: a header block over `maxHeaderBytes`, a chunk-size line over 1 KiB
// or a body over `maxBodyBytes` (for a stream: per chunk) is an error, never a
// buffer that grows without end.

/// A response's status line and headers.
public struct HTTPResponseHead: Sendable, Equatable {
    /// `HTTP/1.1`, or what the server wrote (`HTTP/None` from medusa).
    public var version: String
    public var status: Int
    public var reason: String
    /// In order, names as sent.
    public var headers: [(name: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.version == b.version && a.status == b.status && a.reason == b.reason
            && a.headers.elementsEqual(b.headers) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Whether the server keeps the connection for another request: HTTP/1.1
    /// without `Connection: close`, or HTTP/1.0 with `Connection: Keep-Alive`.
    public var keepsAlive: Bool {
        let connection = header("Connection")?.lowercased()
        if version == "HTTP/1.1" { return connection != "close" }
        return connection == "keep-alive"
    }
}

/// Why a response could not be read.
public struct HTTPResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { "malformed HTTP response: \(detail)" }
}

/// What the reader has found so far.
public enum HTTPResponseEvent: Sendable, Equatable {
    case head(HTTPResponseHead)
    /// Body bytes, as they arrive (a chunk, or part of a Content-Length body).
    case body([UInt8])
    /// The response is complete; the connection may carry the next one if
    /// `head.keepsAlive`.
    case end
}

/// Reads the responses of one connection, one after another.
public struct HTTPResponseReader: Sendable {
    private enum State: Sendable, Equatable {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    public let maxHeaderBytes: Int
    public let maxBodyBytes: Int
    private var state = State.head
    private var buffer: [UInt8] = []
    private var bodySoFar = 0
    /// The request was HEAD: a response without a body whatever its headers.
    private var headRequest = false

    public init(maxHeaderBytes: Int = 65536, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether a response is partly read (EOF now would cut it).
    public var inResponse: Bool { state != .head || !buffer.isEmpty }

    /// Feed bytes from the connection; the events they complete.
    public mutating func feed<C: Collection>(_ bytes: C) throws(HTTPResponseError) -> [HTTPResponseEvent] where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var events: [HTTPResponseEvent] = []
        while try step(&events) {}
        return events
    }

    /// The server closed the connection: the end of a body read until close,
    /// or an error if a response was cut short.
    public mutating func finish() throws(HTTPResponseError) -> [HTTPResponseEvent] {
        switch state {
        case .untilClose:
            state = .head
            let rest = buffer
            buffer = []
            return (rest.isEmpty ? [] : [.body(rest)]) + [.end]
        case .head where buffer.isEmpty:
            return []
        default:
            throw HTTPResponseError("connection closed in the middle of a response")
        }
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    private func findCRLF(from start: Int = 0) -> Int? {
        var i = start
        while i + 1 < buffer.count {
            if buffer[i] == 0x0D && buffer[i + 1] == 0x0A { return i }
            i += 1
        }
        return nil
    }

    /// One state transition; false when more bytes are needed.
    private mutating func step(_ events: inout [HTTPResponseEvent]) throws(HTTPResponseError) -> Bool {
        switch state {
        case .head:
            guard let end = headEnd() else {
                if buffer.count > maxHeaderBytes { throw HTTPResponseError("header block over \(maxHeaderBytes) bytes") }
                return false
            }
            guard end <= maxHeaderBytes else { throw HTTPResponseError("header block over \(maxHeaderBytes) bytes") }
            let head = try Self.parseHead(Array(buffer[..<end]))
            buffer.removeSubrange(..<(end + 4))
            events.append(.head(head))
            bodySoFar = 0
            if head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
                events.append(.end)
                return true
            }
            if let te = head.header("Transfer-Encoding"), te.lowercased().contains("chunked") {
                state = .chunkSize
            } else if let cl = head.header("Content-Length") {
                guard let n = Int(Self.trimmed(cl)), n >= 0 else { throw HTTPResponseError("bad Content-Length \(cl)") }
                guard n <= maxBodyBytes else { throw HTTPResponseError("body of \(n) bytes over the limit of \(maxBodyBytes)") }
                state = .length(remaining: n)
                if n == 0 { state = .head; events.append(.end) }
            } else {
                state = .untilClose
            }
            return true
        case .length(let remaining):
            guard !buffer.isEmpty else { return false }
            let n = min(remaining, buffer.count)
            events.append(.body(Array(buffer[..<n])))
            buffer.removeSubrange(..<n)
            if n == remaining {
                state = .head
                events.append(.end)
            } else {
                state = .length(remaining: remaining - n)
            }
            return true
        case .chunkSize:
            guard let end = findCRLF() else {
                if buffer.count > 1024 { throw HTTPResponseError("chunk size line over 1024 bytes") }
                return false
            }
            var line = Array(buffer[..<end])
            buffer.removeSubrange(..<(end + 2))
            if let semi = line.firstIndex(of: UInt8(ascii: ";")) { line = Array(line[..<semi]) }
            let text = Self.trimmed(String(decoding: line, as: UTF8.self))
            guard !text.isEmpty, text.utf8.count <= 15, let size = Int(text, radix: 16), size >= 0 else {
                throw HTTPResponseError("bad chunk size \(text.prefix(20))")
            }
            guard size <= maxBodyBytes else { throw HTTPResponseError("chunk of \(size) bytes over the limit of \(maxBodyBytes)") }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return true
        case .chunkData(let remaining):
            guard !buffer.isEmpty else { return false }
            let n = min(remaining, buffer.count)
            events.append(.body(Array(buffer[..<n])))
            buffer.removeSubrange(..<n)
            state = n == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - n)
            return true
        case .chunkDataEnd:
            guard buffer.count >= 2 else { return false }
            guard buffer[0] == 0x0D && buffer[1] == 0x0A else { throw HTTPResponseError("chunk not followed by CRLF") }
            buffer.removeSubrange(..<2)
            state = .chunkSize
            return true
        case .trailers:
            guard let end = findCRLF() else {
                if buffer.count > maxHeaderBytes { throw HTTPResponseError("trailers over \(maxHeaderBytes) bytes") }
                return false
            }
            buffer.removeSubrange(..<(end + 2))
            if end == 0 {
                state = .head
                events.append(.end)
            }
            return true
        case .untilClose:
            guard !buffer.isEmpty else { return false }
            bodySoFar += buffer.count
            guard bodySoFar <= maxBodyBytes else { throw HTTPResponseError("body over the limit of \(maxBodyBytes) bytes") }
            events.append(.body(buffer))
            buffer = []
            return false
        }
    }

    /// Without surrounding spaces and tabs.
    static func trimmed(_ s: String) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(s.drop(while: blank).reversed().drop(while: blank).reversed())
    }

    /// Where `\r\n\r\n` starts.
    private func headEnd() -> Int? {
        var from = 0
        while let i = findCRLF(from: from) {
            if i + 3 < buffer.count, buffer[i + 2] == 0x0D, buffer[i + 3] == 0x0A { return i }
            from = i + 2
        }
        return nil
    }

    /// `HTTP/1.1 200 OK` and `Name: value` lines (folded lines joined).
    static func parseHead(_ bytes: [UInt8]) throws(HTTPResponseError) -> HTTPResponseHead {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { throw HTTPResponseError("no status line") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].utf8.count == 3, let status = Int(parts[1]) else {
            throw HTTPResponseError("bad status line \(statusLine.prefix(80))")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + trimmed(line)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw HTTPResponseError("bad header line \(line.prefix(80))") }
            headers.append((String(line[..<colon]), trimmed(String(line[line.index(after: colon)...]))))
        }
        return HTTPResponseHead(version: parts[0], status: status, reason: parts.count > 2 ? parts[2] : "", headers: headers)
    }
}
