// `swiftvisorctl logs [-f] [-n LINES] [--since TIME] [--timestamps]
// [--stdout|--stderr] NAME...`: a swiftvisor verb (supervisorctl has none of
// this name, so no supervisorctl invocation changes meaning), line-exact
// where `tail` counts bytes. docs/swiftvisorctl.md describes it; the line
// logic is LogLines.swift.

/// The parsed arguments of `logs`.
public struct LogsOptions: Equatable, Sendable {
    public var follow = false
    /// nil: every line (`-n all`).
    public var lines: Int? = 10
    public var since: String? = nil
    public var timestamps = false
    public var channels: [LogChannel] = [.stdout, .stderr]
    public var names: [String] = []

    /// Parse the words after `logs`; the error is the message to print.
    public static func parse(_ words: [String]) -> Result<LogsOptions, LogsUsageError> {
        var o = LogsOptions()
        var i = 0
        var linesSeen = false
        func value(_ word: String, _ option: String) -> String?? {
            // `-n 5`, `-n5`, `--lines 5`, `--lines=5`
            if word == option {
                i += 1
                return i < words.count ? .some(words[i]) : .some(nil)
            }
            if option.hasPrefix("--"), word.hasPrefix(option + "=") { return .some(String(word.dropFirst(option.count + 1))) }
            if !option.hasPrefix("--"), word.hasPrefix(option), word.count > option.count { return .some(String(word.dropFirst(option.count))) }
            return nil
        }
        var channelSeen = false
        while i < words.count {
            let w = words[i]
            if w == "--" { o.names += words[(i + 1)...]; break }
            if !w.hasPrefix("-") || w == "-" { o.names.append(w); i += 1; continue }
            if w == "-f" || w == "--follow" { o.follow = true }
            else if w == "-t" || w == "--timestamps" { o.timestamps = true }
            else if w == "--stdout" || w == "--stderr" {
                let ch: LogChannel = w == "--stdout" ? .stdout : .stderr
                if channelSeen && o.channels != [ch] { return .failure(.init("--stdout and --stderr cannot be used together")) }
                channelSeen = true
                o.channels = [ch]
            } else if let v = value(w, "-n") ?? value(w, "--lines") {
                guard let v else { return .failure(.init("\(w) requires a number of lines or 'all'")) }
                linesSeen = true
                if v == "all" { o.lines = nil }
                else if let n = Int(v), n >= 0 { o.lines = n }
                else { return .failure(.init("bad number of lines \(pythonRepr(v)) (a number, 0 or more, or 'all')")) }
            } else if let v = value(w, "--since") {
                guard let v else { return .failure(.init("--since requires a time")) }
                o.since = v
            } else {
                return .failure(.init("unknown option \(w)"))
            }
            i += 1
        }
        // `--since` alone means every line since then, as `docker logs --since`.
        if o.since != nil && !linesSeen { o.lines = nil }
        if o.names.isEmpty { return .failure(.init("logs requires a process name")) }
        return .success(o)
    }
}

public struct LogsUsageError: Error, Equatable, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
}

/// The clock and time zone `logs --since` needs (Core has no clock).
public struct CtlClock: Sendable {
    /// Microseconds since the epoch.
    public var now: @Sendable () -> Int64
    /// The local zone's offset from UTC in seconds at an epoch second.
    public var utcOffset: @Sendable (Int64) -> Int
    public init(now: @escaping @Sendable () -> Int64, utcOffset: @escaping @Sendable (Int64) -> Int) {
        self.now = now; self.utcOffset = utcOffset
    }
    public static let utc = CtlClock(now: { 0 }, utcOffset: { _ in 0 })
}

enum CtlLogs {
    /// Colours of the `name | ` prefixes on a terminal, in turn (cyan, yellow,
    /// green, magenta, blue, red, as docker compose does).
    static let colours = ["36", "33", "32", "35", "34", "31"]

    static func run(_ ctl: CtlController, arg: String) throws(CtlAbort) {
        let options: LogsOptions
        switch LogsOptions.parse(arg.pythonSplit()) {
        case .failure(let e):
            ctl.output("Error: \(e.message)")
            ctl.setExitStatus(CtlExitStatus.generic)
            ctl.help("logs")
            return
        case .success(let o): options = o
        }
        guard try ctl.upcheck() else { return }
        var since: Int64? = nil
        if let text = options.since {
            guard let t = SinceParser.parse(text, now: ctl.clock.now(), utcOffset: ctl.clock.utcOffset) else {
                ctl.output("Error: bad --since \(pythonRepr(text)) (a duration such as 10m, 2h, 1d, or a time such as 2026-12-06T21:00:00Z)")
                ctl.setExitStatus(CtlExitStatus.generic)
                return
            }
            since = t
        }
        let all = try ctl.allProcesses()
        let chosen = CtlFollow.resolve(ctl, options.names, in: all)
        let prefixed = chosen.count > 1

        // Each stream with a log file: its lines, its follow offset.
        struct Stream { let process: Int; let name: String; let channel: LogChannel; var tail: LogTail }
        var streams: [Stream] = []
        var warnedSince = false
        for (p, key) in chosen.enumerated() {
            guard let info = all.first(where: { $0.group == key.group && $0.name == key.name }) else { continue }
            for ch in options.channels {
                let path = ch == .stdout ? info.stdoutLogfile : info.stderrLogfile
                if path.isEmpty { continue }
                let name = key.namespec
                var failed: ControlFault? = nil
                let tail = try LogTailReader.tail(count: options.lines, since: since) { (file, offset, length) throws(CtlAbort) -> LogChunk? in
                    switch try ctl.send(.readLogFile(name: name, channel: ch, file: file, offset: offset, length: length)) {
                    case .ok(let items):
                        var chunk: LogChunk? = nil
                        var data: [UInt8] = []
                        for item in items {
                            switch item {
                            case .logFile(_, let size, let id): chunk = LogChunk(size: size, id: id, bytes: [])
                            case .log(let bytes): data += bytes
                            default: break
                            }
                        }
                        chunk?.bytes = data
                        return chunk
                    case .fault(let f) where f.code == .noFile:
                        return nil
                    case .fault(let f):
                        failed = f
                        return nil
                    }
                }
                if let failed {
                    ctl.output("\(name): ERROR (\(failed.message))")
                    ctl.setExitStatus(CtlExitStatus.generic)
                    continue
                }
                if since != nil, !warnedSince, let tail, tail.lines.contains(where: { $0.time == nil }) {
                    warnedSince = true
                    ctl.terminal.writeError("\(name) \(ch.rawValue): lines without timestamps are not filtered by --since (set \(ch.rawValue)_logfile_timestamps = true)")
                }
                // A log file not created yet (nothing written): an empty stream to follow.
                streams.append(Stream(process: p, name: name, channel: ch,
                                      tail: tail ?? LogTail(lines: [], partial: [], followOffset: 0)))
            }
        }

        let colour = ctl.colour
        func prefix(_ process: Int, _ name: String) -> [UInt8] {
            guard prefixed else { return [] }
            if colour { return Array("\u{1B}[\(colours[process % colours.count])m\(name) |\u{1B}[0m ".utf8) }
            return Array("\(name) | ".utf8)
        }
        func render(_ stream: Int, _ line: LogLine) -> [UInt8] {
            let s = streams[stream]
            var out = prefix(s.process, s.name)
            out += options.timestamps ? line.raw[...] : line.text
            out.append(0x0A)
            return out
        }

        // History: each process's streams merged and cut to the last LINES,
        // then every process merged by time.
        // Without -f a line still being written is shown as it is now; with
        // -f it is shown whole once it ends.
        func history(_ i: Int) -> [LogLine] {
            let t = streams[i].tail
            return options.follow || t.partial.isEmpty ? t.lines : t.lines + [LogLine(t.partial)]
        }
        var perProcess: [(Int, [LogLine])] = []  // (stream index, lines) after cutting
        var byProcess: [Int: [Int]] = [:]
        for (i, s) in streams.enumerated() { byProcess[s.process, default: []].append(i) }
        for p in byProcess.keys.sorted() {
            let indices = byProcess[p] ?? []
            var merged = LogMerge.merge(indices.map { ($0, history($0)) })
            if let n = options.lines, merged.count > n { merged.removeFirst(merged.count - n) }
            for i in indices { perProcess.append((i, merged.filter { $0.0 == i }.map { $0.1 })) }
        }
        var out: [UInt8] = []
        for (stream, line) in LogMerge.merge(perProcess) {
            out += render(stream, line)
            if out.count >= 64 * 1024 { ctl.terminal.write(out); out = [] }
        }
        ctl.terminal.write(out)
        guard options.follow else { return }
        ctl.terminal.flush()
        guard !streams.isEmpty else { return }

        // Follow: from where each read ended (the partial line included, so it
        // is printed whole once it ends), lines in the order they arrive.
        ctl.terminal.prepareForStreaming()
        var renderers = streams.map { FollowRenderer(prefix: prefix($0.process, $0.name), keepTimestamps: options.timestamps) }
        let targets = streams.map { FollowTarget.process(name: $0.name, channel: $0.channel) }
        let fault: ControlFault?
        let terminal = ctl.terminal
        do {
            // Each chunk rendered where the transport received it, and each
            // rendered piece written from where it was rendered (FollowRenderer).
            fault = try ctl.transport.follow(targets, from: streams.map { $0.tail.followOffset }, onBytes: { index, bytes in
                guard renderers.indices.contains(index) else { return }
                var wrote = false
                renderers[index].feed(bytes) { terminal.write($0); wrote = true }
                if wrote { terminal.flush() }
            })
        } catch {
            throw .transport(error)
        }
        var rest: [UInt8] = []
        for i in renderers.indices { renderers[i].flush(into: &rest) }
        ctl.terminal.write(rest)
        if let fault {
            ctl.terminal.writeError("\(ctl.serverURL) follow refused: \(fault.message)")
            ctl.setExitStatus(CtlExitStatus.generic)
        }
    }
}
