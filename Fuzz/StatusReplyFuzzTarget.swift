// Fuzz target "status": swiftvisorctl's fast `status` path
// (StatusReplyFormatter), which scans a daemon's reply bytes through unsafe
// buffer pointers. Whatever the bytes, it must not trap or read out of
// bounds (AddressSanitizer), and whenever it answers, its lines must be the
// ordinary path's: each line decoded as CtlConnection decodes it, the
// snapshots printed by StatusFormatter.
//
// Input: the reply's item lines (the part between the status line and `.`).

enum StatusReplyFuzzTarget: FuzzTarget {
    static let name = "status"

    static func run(_ input: [UInt8]) {
        guard let fast = StatusReplyFormatter.lines(input) else { return }
        var snapshots: [ProcessSnapshot] = []
        for line in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            guard case .item(.process(let p))? = try? ReplyLine.decodeBody(line) else {
                fuzzCheck(false, "the fast path printed a reply whose line \(String(decoding: line, as: UTF8.self)) is not a process item")
                return
            }
            snapshots.append(p)
        }
        let ordinary = Array(StatusFormatter.statusLines(snapshots).map { $0 + "\n" }.joined().utf8)
        fuzzCheck(fast.output == ordinary, "fast path printed \(String(decoding: fast.output, as: UTF8.self)), the ordinary path \(String(decoding: ordinary, as: UTF8.self))")
    }
}
