// A child log that cannot be written (disk full, I/O error) drops output
// rather than stall the child; RotatingLogFile counts the dropped bytes. This
// tells the operator: one WARN when a log starts losing output, one INFO with
// the exact count when writing works again. Nothing in between, so a full
// disk cannot flood the main log (which may sit on the same disk).
import SwiftvisorOS

final class LogLossReporter {
    private struct Seen {
        var dropped: UInt64 = 0
        var written: UInt64 = 0
        /// `dropped` when the current loss began; nil while writing works.
        var lossStart: UInt64?
    }
    private var seen: [ObjectIdentifier: Seen] = [:]

    /// Look at `file` after bytes were relayed into it.
    func check(_ file: RotatingLogFile, program: String, channel: String, log: MainLog) {
        let key = ObjectIdentifier(file)
        var s = seen[key] ?? Seen()
        let newlyDropped = file.droppedBytes &- s.dropped
        let newlyWritten = file.bytesWritten &- s.written
        if s.lossStart == nil, newlyDropped > 0 {
            let why = file.lastError.map { "\($0)" } ?? "unknown error"
            log.warn("losing \(channel) output of \(program): cannot write \(file.path) (\(why)); counting what is dropped until it can be written again")
            s.lossStart = s.dropped
        } else if let start = s.lossStart, newlyWritten > 0, newlyDropped == 0 {
            log.info("writing \(channel) output of \(program) to \(file.path) again; \(file.droppedBytes - start) bytes were lost")
            s.lossStart = nil
        }
        s.dropped = file.droppedBytes
        s.written = file.bytesWritten
        seen[key] = s
    }
}
