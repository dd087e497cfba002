// Fuzz target "ctlhttp": swiftvisorctl's side against supervisord. Bytes from
// the server are read as CtlHTTPSession reads them (HTTPResponseReader, fed
// in two pieces to exercise its incremental states), each complete body is
// decoded as an XML-RPC response (XMLRPCResponseDecoder), and the results are
// handed, in order, to CtlXMLRPCExchange driving CtlController through a
// command, so every answer shape reaches the bridge and the printing code.
//
// Input: the first line is the swiftvisorctl command (`status web`,
// `update`, ...); the rest is the server's byte stream (HTTP responses one
// after another). The second byte of the stream chooses where it is cut.

enum CtlHTTPFuzzTarget: FuzzTarget {
    static let name = "ctlhttp"

    static func run(_ input: [UInt8]) {
        guard let nl = input.firstIndex(of: 0x0A) else { return }
        let command = String(decoding: input[..<nl], as: UTF8.self)
        let stream = Array(input[(nl + 1)...])
        let cut = stream.count > 1 ? Int(stream[1]) % stream.count : 0
        var reader = HTTPResponseReader(maxHeaderBytes: 4096, maxBodyBytes: 1 << 20)
        var results: [XMLRPCResult] = []
        var body: [UInt8] = []
        var status = 0
        for piece in [stream[..<cut], stream[cut...]] {
            guard let events = try? reader.feed(piece) else { break }
            for event in events {
                switch event {
                case .head(let head): status = head.status; body = []
                case .body(let bytes):
                    body += bytes
                    fuzzCheck(body.count <= 1 << 20, "a body of \(body.count) bytes passed the 1 MiB limit")
                case .end:
                    guard status == 200, case .success(let result) = XMLRPCResponseDecoder.decode(body) else { continue }
                    results.append(result)
                }
            }
        }
        let transport = XMLRPCReplayTransport(results: results)
        let controller = CtlController(serverURL: "unix:///tmp/fuzz.sock", username: nil, password: nil,
                                       interactive: false, prompt: "swiftvisor", transport: transport, terminal: DiscardTerminal())
        controller.foreground = { _, _ in }
        _ = controller.onecmd(command)
    }
}

/// supervisord answering each call with the next decoded result.
final class XMLRPCReplayTransport: CtlTransport {
    var results: [XMLRPCResult]
    init(results: [XMLRPCResult]) { self.results = results }
    func send(_ request: ControlRequest) throws(CtlTransportError) -> ControlResponse {
        var exchange = CtlXMLRPCExchange(request)
        var step = exchange.start()
        var calls = 0
        while case .call = step {
            calls += 1
            fuzzCheck(calls <= 1_000, "one request made more than 1000 calls")
            guard !results.isEmpty else { throw .closed }
            step = exchange.receive(results.removeFirst())
        }
        guard case .done(let response) = step else { return .done }
        return response
    }
    func follow(_ targets: [FollowTarget], onData: (Int, [UInt8]) -> Void) throws(CtlTransportError) -> ControlFault? { nil }
    func reset(serverURL: String, username: String?, password: String?) {}
}
