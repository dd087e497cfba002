/// supervisor-stdlog 0.7.9's `log_handler` (supervisor_stdlog.py), which
/// supervisord imports as a pool's `result_handler`: the listener sends the
/// event's payload back as its result, and the handler writes each line of
/// the data as
/// `ESC[<name colour>m<name padded>| ESC[<channel colour>m<line>ESC[m\n`
/// to the daemon's stderr for the stderr channel, else its stdout.
///
/// Its state is module-global in supervisord, shared by every pool and kept
/// across reloads: the pad width only grows (longest process name + 1), and
/// a colour cycle advances on *every* call (`COLORMAP.setdefault(name,
/// next(COLORSIT))` evaluates `next` first) while a name keeps the colour of
/// its first call. A payload the handler cannot parse raises inside it
/// (traceback on stderr, not reproduced) after whatever state it changed.
public struct StdlogFormatter: Sendable {
    public enum Stream: Sendable, Equatable { case stdout, stderr }

    /// `RAINBOWS = [36, 33, 32, 35, 34] * 2`, cycled.
    static let rainbow = [36, 33, 32, 35, 34]
    private var padWidth = 1
    private var colors: [String: Int] = [:]
    private var calls = 0

    public init() {}

    /// The bytes the handler writes for one result body, and where; nil
    /// when it raises before writing.
    public mutating func format(_ body: [UInt8]) -> (Stream, [UInt8])? {
        // response.decode('utf-8'), then childutils.eventdata and get_headers.
        guard let text = String(validating: body, as: UTF8.self), let newline = text.firstIndex(of: "\n") else { return nil }
        var headers: [Substring: Substring] = [:]
        for token in text[..<newline].split(whereSeparator: \.isWhitespace) {
            let parts = token.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            headers[parts[0]] = parts[1]
        }
        guard let name = headers["processname"].map(String.init) else { return nil }
        padWidth = max(name.unicodeScalars.count + 1, padWidth)
        let next = Self.rainbow[calls % Self.rainbow.count]
        calls = calls == Int.max ? 0 : calls + 1
        let color = colors[name] ?? next
        colors[name] = color
        guard let channel = headers["channel"], !name.contains("%") else { return nil }
        let channelColor = channel == "stderr" ? 31 : channel == "stdout" ? 37 : 34
        let padded = name + String(repeating: " ", count: max(0, padWidth - name.unicodeScalars.count))
        var data = text[text.index(after: newline)...]
        if data.hasSuffix("\n") { data = data.dropLast() }
        var out = ""
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "\u{1B}[\(color)m\(padded)| \u{1B}[\(channelColor)m\(line)\u{1B}[m\n"
        }
        return (channel == "stderr" ? .stderr : .stdout, Array(out.utf8))
    }
}
