// A reply on its way to one client, produced a piece at a time while the
// client reads: the status line, then items (or pieces of a log file read as
// they are sent), then the end line. However large the reply, the daemon
// holds at most `ControlProtocol.replyLowWater` encoded bytes plus one item
// for a client that does not read, and a slow client never delays another
// (docs/protocol.md §7).
import SwiftvisorCore
import SwiftvisorOS

final class ReplyStream {
    private enum Body {
        case items([ControlItem], next: Int)
        case log(LogReader)
    }
    private var head: [UInt8]?
    private var body: Body
    private var ended = false
    private var sentLog = false

    /// A handler's reply.
    init(_ response: ControlResponse) {
        switch response {
        case .fault(let f):
            head = ReplyStatus.fault(f).encoded()
            body = .items([], next: 0)
        case .ok(let items):
            head = ReplyStatus.ok.encoded()
            body = .items(items, next: 0)
        }
    }

    /// `SWV1 OK`, `first` if any (`readlog --file`'s `logfile` item), the
    /// reader's bytes as `log` items, the end line.
    init(log reader: LogReader, first: ControlItem? = nil) {
        head = ReplyStatus.ok.encoded() + (first?.encoded() ?? [])
        body = .log(reader)
    }

    /// Append to `out` until `budget` bytes were added or the reply is
    /// complete. Returns true once the end line is appended.
    func produce(into out: inout [UInt8], budget: Int) -> Bool {
        if ended { return true }
        var added = 0
        func append(_ bytes: [UInt8]) { out += bytes; added += bytes.count }
        if let h = head { append(h); head = nil }
        while added < budget {
            switch body {
            case .items(let items, let next):
                guard next < items.count else { return finish(&out) }
                let before = out.count
                items[next].encode(into: &out)
                added += out.count - before
                body = .items(items, next: next + 1)
            case .log(let reader):
                // A read error after `SWV1 OK` ends the data early: the client
                // gets what could be read (supervisord would have failed whole).
                let chunk = (try? reader.read(max: ControlProtocol.logItemBytes)) ?? []
                guard !chunk.isEmpty else {
                    reader.close()
                    // At least one `log` item, as before replies were split.
                    if !sentLog { append(ControlItem.log([]).encoded()) }
                    return finish(&out)
                }
                sentLog = true
                append(ControlItem.log(chunk).encoded())
            }
        }
        return false
    }

    private func finish(_ out: inout [UInt8]) -> Bool {
        out += ReplyLine.endLine
        ended = true
        body = .items([], next: 0)
        return true
    }
}
