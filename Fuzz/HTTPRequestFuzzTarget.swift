// Fuzz target "http": HTTPRequestParser, the HTTP framing the XML-RPC side
// will run on every connection (docs/protocol.md §9.2). The client's bytes
// arrive in chunks; every request handed out must respect the limits and
// its own Content-Length, a refusal must finish the parser, and the memory
// held between reads must stay within a head and a body. Each request then
// goes through what the server does with one: the URI, basic auth and an
// answer serialised under the keep-alive rules.
//
// Input: byte 0 is the chunk size the client's bytes arrive in (1-256); the
// rest is what the client sends.

enum HTTPRequestFuzzTarget: FuzzTarget {
    static let name = "http"
    static let limits = HTTPLimits(maxRequestLine: 256, maxHeaderBytes: 2048, maxHeaderCount: 16, maxBodyBytes: 4096)
    static let credentials = ControlCredentials(username: "user", password: "{SHA}" + SHA1.hexDigest("secret"))

    static func run(_ input: [UInt8]) {
        guard let setup = input.first else { return }
        let chunk = Int(setup) + 1
        var parser = HTTPRequestParser(limits: limits)
        var rest = input.dropFirst()
        while !rest.isEmpty, !parser.isFinished {
            parser.received(rest.prefix(chunk))
            rest = rest.dropFirst(chunk)
            loop: while true {
                switch parser.next() {
                case .needMore:
                    fuzzCheck(parser.bufferedCount <= limits.maxHeaderBytes + limits.maxBodyBytes + chunk + 2,
                              "\(parser.bufferedCount) bytes held between reads")
                    break loop
                case .request(let r):
                    fuzzCheck(r.body.count <= limits.maxBodyBytes, "body of \(r.body.count) bytes")
                    fuzzCheck(r.body.count == Int(r.header("Content-Length") ?? "0"), "body length differs from Content-Length")
                    fuzzCheck(r.headers.count <= limits.maxHeaderCount, "\(r.headers.count) header fields")
                    _ = r.uri
                    let outcome = HTTPBasicAuth.check(r, credentials: credentials)
                    let response = HTTPBasicAuth.response(for: outcome) ?? HTTPResponse.error(.notFound)
                    let (bytes, _) = response.serialized(version: r.version, connection: r.connectionToken, epochSeconds: 0)
                    fuzzCheck(bytes.count > response.body.count, "a response without a head")
                case .failure(let e):
                    fuzzCheck(parser.isFinished && parser.bufferedCount == 0, "a refusal left the parser running")
                    fuzzCheck([400, 411, 413, 414, 505].contains(e.status.code), "refused with \(e.status.code)")
                    break loop
                }
            }
        }
    }
}
