// Fuzz target "regex": LineRegex's parser and matcher and LogLineScanner,
// what the daemon runs on a `readiness_log=` pattern from a config and on
// every line a STARTING readiness=log child writes (docs/dependencies.md).
// Properties: any pattern is compiled or refused with a position inside it;
// a compiled program stays within a small multiple of the pattern; matching
// any line terminates (the libFuzzer timeout catches a blow-up); a pattern
// of plain letters and digits matches exactly the lines containing it.
//
// Input: byte 0 is the pattern's length, the pattern follows; the rest is
// the child's output, fed to a scanner in chunks of byte 1's size (1-256).

enum LineRegexFuzzTarget: FuzzTarget {
    static let name = "regex"

    static func run(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let length = min(Int(input[0]), input.count - 2)
        let chunk = Int(input[1]) + 1
        let patternBytes = Array(input[2..<(2 + length)])
        let output = input[(2 + length)...]
        let pattern = String(decoding: patternBytes, as: UTF8.self)
        let regex: LineRegex
        do {
            regex = try LineRegex(pattern)
        } catch {
            fuzzCheck(error.offset >= 0 && error.offset <= pattern.utf8.count, "offset \(error.offset) outside the pattern")
            return
        }
        fuzzCheck(regex.program.count <= 4 * pattern.utf8.count + 2, "program of \(regex.program.count) for \(pattern.utf8.count) bytes")
        let plain = patternBytes.allSatisfy { LineRegex.Parser.isAlnum($0) }
        for line in output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let matched = regex.matches(line)
            if plain {
                fuzzCheck(matched == contains(Array(line), patternBytes), "plain pattern \(pattern) disagrees with a substring search")
            }
        }
        var scanner = LogLineScanner(regex: regex)
        var rest = output[...]
        while !rest.isEmpty {
            _ = scanner.feed(rest.prefix(chunk))
            rest = rest.dropFirst(chunk)
        }
    }

    private static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= hay.count else { return needle.isEmpty }
        for start in 0...(hay.count - needle.count) where hay[start..<(start + needle.count)].elementsEqual(needle) { return true }
        return false
    }
}
