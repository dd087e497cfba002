// The line logic of `swiftvisorctl logs` (docs/swiftvisorctl.md), pure so it
// is unit-tested without a daemon: the last lines of a log read from its end
// backwards (through `readlog --file=N`, across the rotation into `path.1`
// and older), lines told apart from their optional timestamp, the merge of
// several streams in write order, `--since` parsing.

/// What one `readlog --file=N` returned: the file as it was when the daemon
/// opened it, and the bytes read.
public struct LogChunk: Equatable, Sendable {
    public var size: Int
    public var id: Int
    public var bytes: [UInt8]
    public init(size: Int, id: Int, bytes: [UInt8]) { self.size = size; self.id = id; self.bytes = bytes }
}

/// One line of a log, newline removed.
public struct LogLine: Equatable, Sendable {
    /// The line as written, its timestamp prefix (if any) included.
    public var raw: [UInt8]
    /// The time of its timestamp prefix (microseconds since the epoch), nil without one.
    public var time: Int64?
    public init(_ raw: [UInt8]) {
        self.raw = raw
        self.time = LogTimestamp.parse(raw)
    }
    /// The line without its timestamp prefix.
    public var text: ArraySlice<UInt8> { time == nil ? raw[...] : raw[LogTimestamp.width...] }
}

/// The end of one log as whole lines.
public struct LogTail: Equatable, Sendable {
    /// Complete lines, oldest first.
    public var lines: [LogLine]
    /// Bytes after the last newline (a line still being written), if any;
    /// counted as the last of `count` lines.
    public var partial: [UInt8]
    /// Where a follow continues so that nothing is missed or repeated: the
    /// current file's size when it was read, minus the partial line.
    public var followOffset: Int
}

public enum LogTailReader {
    /// First read from the end, doubled on each further read up to the
    /// daemon's bound (`ControlProtocol.maxLogRead`): `-n 50` of a 1 GB log
    /// costs one 64 KiB read.
    public static let firstRead = 64 * 1024
    /// A rotation between two reads of the current file starts the reading over, at most this often.
    static let attempts = 3

    /// The last `count` lines of a log (nil: every line), or, with `since`,
    /// at least every line written at or after that time (lines with a
    /// timestamp prefix only). `read(file, offset, length)` is `readlog
    /// --file=file NAME CHANNEL offset length`: nil when that file does not
    /// exist. Reads only as much of the end of the files as needed. Returns
    /// nil when the current file does not exist.
    public static func tail<E: Error>(count: Int?, since: Int64? = nil,
                                      read: (Int, Int, Int) throws(E) -> LogChunk?) throws(E) -> LogTail? {
        var attempt = 0
        while true {
            attempt += 1
            switch try readOnce(count: count, since: since, read: read) {
            case .missing: return nil
            case .done(let tail): return tail
            case .rotated where attempt < attempts: continue
            case .rotated(let tail): return tail
            }
        }
    }

    private enum Outcome { case missing, done(LogTail), rotated(LogTail) }

    private static func readOnce<E: Error>(count: Int?, since: Int64?,
                                           read: (Int, Int, Int) throws(E) -> LogChunk?) throws(E) -> Outcome {
        var want = firstRead
        guard let first = try read(0, -want, 0) else { return .missing }
        // Newest first; joined once at the end (no quadratic prepending).
        var chunks: [[UInt8]] = [first.bytes]
        var newlines = first.bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        var file = 0
        var fileID = first.id
        var start = first.size - first.bytes.count
        var rotated = false
        let endsWithNewline = first.bytes.last == 0x0A
        // The last line's time says whether `since` can be used at all.
        let sinceUsable = since != nil && lastLineTime(first.bytes) != nil

        // Enough once `count` whole lines are in (the first bytes read may
        // be the end of a line whose start is further back), or once a line
        // older than `since` is: every line after it is newer (times only grow).
        func enough() -> Bool {
            if let count, newlines - (endsWithNewline ? 1 : 0) >= count { return true }
            if sinceUsable, let since, let t = firstLineTime(chunks[chunks.count - 1], atStreamStart: false), t < since { return true }
            return false
        }

        while !enough() {
            if start > 0 {
                want = min(want * 2, ControlProtocol.maxLogRead)
                let length = min(want, start)
                guard let chunk = try read(file, start - length, length), chunk.id == fileID, !chunk.bytes.isEmpty else {
                    if file == 0 { rotated = true }
                    break
                }
                chunks.append(chunk.bytes)
                newlines += chunk.bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                start -= chunk.bytes.count
            } else {
                // The current file is read whole: the lines before it are in the
                // newest backup (RotatingLogFile renames path to path.1).
                guard file < ControlProtocol.maxLogFileIndex else { break }
                file += 1
                want = firstRead
                guard let chunk = try read(file, -want, 0) else { break }
                fileID = chunk.id
                chunks.append(chunk.bytes)
                newlines += chunk.bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                start = chunk.size - chunk.bytes.count
            }
        }
        let atStreamStart = start == 0 && !rotated && (try? read(file + 1, 0, 1)) == nil
        var data: [UInt8] = []
        data.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for c in chunks.reversed() { data += c }
        var tail = split(data, dropFirst: !atStreamStart, end: first.size)
        if sinceUsable, let since {
            if let keep = tail.lines.firstIndex(where: { ($0.time ?? Int64.min) >= since }) {
                tail.lines.removeFirst(keep)
            } else {
                tail.lines = []
            }
        }
        // A line still being written is the last of the `count` (as tail -n counts it).
        if let count {
            let whole = max(0, count - (tail.partial.isEmpty ? 0 : 1))
            if tail.lines.count > whole { tail.lines.removeFirst(tail.lines.count - whole) }
        }
        return rotated ? .rotated(tail) : .done(tail)
    }

    /// Lines of `data`; without `dropFirst` the bytes before the first newline
    /// are a line, with it they are the end of a line whose start was not read.
    static func split(_ data: [UInt8], dropFirst: Bool, end: Int) -> LogTail {
        var lines: [LogLine] = []
        var lineStart = 0
        var skipping = dropFirst
        for i in data.indices where data[i] == 0x0A {
            if !skipping { lines.append(LogLine(Array(data[lineStart..<i]))) }
            skipping = false
            lineStart = i + 1
        }
        let partial = skipping ? [] : Array(data[lineStart...])
        return LogTail(lines: lines, partial: partial, followOffset: end - partial.count)
    }

    /// The time of the first whole line in `bytes` (after its first newline
    /// unless `atStreamStart`).
    private static func firstLineTime(_ bytes: [UInt8], atStreamStart: Bool) -> Int64? {
        var from = 0
        if !atStreamStart {
            guard let nl = bytes.firstIndex(of: 0x0A) else { return nil }
            from = nl + 1
        }
        return LogTimestamp.parse(bytes[from...])
    }

    /// The time of the last line (complete or not) in `bytes`.
    private static func lastLineTime(_ bytes: [UInt8]) -> Int64? {
        var end = bytes.count
        if bytes.last == 0x0A { end -= 1 }
        let start = bytes[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return LogTimestamp.parse(bytes[start..<end])
    }
}

/// Several streams' lines in one order.
public enum LogMerge {
    /// Stable k-way merge by timestamp: a line without one takes the time of
    /// the line before it in its stream (so it stays beside it), and lines
    /// with equal times keep stream order. Streams without timestamps thus
    /// come out one after the other, in `streams` order: without timestamps
    /// the write order across streams is not recorded anywhere.
    public static func merge<Tag>(_ streams: [(Tag, [LogLine])]) -> [(Tag, LogLine)] {
        // No timestamps anywhere (the default): every key is the same, so the
        // order is the streams one after the other; no sort of every line.
        if streams.allSatisfy({ $0.1.allSatisfy { $0.time == nil } }) {
            var out: [(Tag, LogLine)] = []
            out.reserveCapacity(streams.reduce(0) { $0 + $1.1.count })
            for (tag, lines) in streams { for line in lines { out.append((tag, line)) } }
            return out
        }
        var keyed: [(key: Int64, stream: Int, index: Int)] = []
        for (s, stream) in streams.enumerated() {
            var last = Int64.min
            for (i, line) in stream.1.enumerated() {
                if let t = line.time { last = t }
                keyed.append((last, s, i))
            }
        }
        keyed.sort { ($0.key, $0.stream, $0.index) < ($1.key, $1.stream, $1.index) }
        return keyed.map { (streams[$0.stream].0, streams[$0.stream].1[$0.index]) }
    }
}

/// `--since` values: a duration back from now (`90s`, `10m`, `2h`, `1d`,
/// `1h30m`) or a time (`2026-12-06T21:00:00Z`, `2026-12-06T21:00:00+01:00`,
/// `2026-12-06 21:00`, `2026-12-06`; without a zone, local time).
public enum SinceParser {
    /// Microseconds since the epoch, nil when `text` is neither form.
    /// `now` is microseconds since the epoch; `utcOffset(t)` the local
    /// zone's offset in seconds at epoch second `t`.
    public static func parse(_ text: String, now: Int64, utcOffset: (Int64) -> Int) -> Int64? {
        if let d = duration(text) { return now - d }
        return time(text, utcOffset: utcOffset)
    }

    static func duration(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64? = nil
        var any = false
        for c in text.utf8 {
            if c >= 0x30 && c <= 0x39 {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(Int64(c - 0x30))
                guard !o1, !o2, v < 1_000_000_000 else { return nil }
                number = v
                continue
            }
            let unit: Int64
            switch c {
            case UInt8(ascii: "s"): unit = 1
            case UInt8(ascii: "m"): unit = 60
            case UInt8(ascii: "h"): unit = 3600
            case UInt8(ascii: "d"): unit = 86_400
            default: return nil
            }
            guard let n = number else { return nil }
            total += n * unit * 1_000_000
            number = nil
            any = true
        }
        guard any, number == nil else { return nil }
        return total
    }

    static func time(_ text: String, utcOffset: (Int64) -> Int) -> Int64? {
        let b = Array(text.utf8)
        func num(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for c in b[at..<(at + n)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), b.count >= 10, b[4] == 0x2D, let mo = num(5, 2), b[7] == 0x2D, let d = num(8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, s = 0, micros = 0
        var i = 10
        if i < b.count && (b[i] == 0x54 || b[i] == 0x20) {
            guard let hh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let mm = num(i + 4, 2), hh < 24, mm < 60 else { return nil }
            h = hh; mi = mm
            i += 6
            if i < b.count && b[i] == 0x3A {
                guard let ss = num(i + 1, 2), ss < 61 else { return nil }
                s = ss
                i += 3
                if i < b.count && (b[i] == 0x2E || b[i] == 0x2C) {
                    i += 1
                    var digits = 0
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                        if digits < 6 { micros = micros * 10 + Int(b[i] - 0x30) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<max(digits, 6) { micros *= 10 }
                }
            }
        }
        let local = (LogTimestamp.daysFromCivil(year: y, month: mo, day: d) * 86_400 + Int64(h * 3600 + mi * 60 + s))
        var offset: Int64
        if i == b.count {
            offset = Int64(utcOffset(local))
        } else if b[i] == 0x5A, i + 1 == b.count {
            offset = 0
        } else if b[i] == 0x2B || b[i] == 0x2D, let oh = num(i + 1, 2), oh < 24 {
            var om = 0
            if i + 3 < b.count {
                let colon = b[i + 3] == 0x3A ? 1 : 0
                guard let m = num(i + 3 + colon, 2), i + 5 + colon == b.count, m < 60 else { return nil }
                om = m
            } else if i + 3 != b.count {
                return nil
            }
            offset = Int64(oh * 3600 + om * 60) * (b[i] == 0x2D ? -1 : 1)
        } else {
            return nil
        }
        return (local - offset) * 1_000_000 + Int64(micros)
    }
}
