// The libFuzzer entry point shared by every fuzz target. scripts/fuzz.sh
// compiles this file, the other files of Fuzz/ and all of
// Sources/SwiftvisorCore into one binary with `swiftc -sanitize=fuzzer`, and
// picks the target with SWIFTVISOR_FUZZ_TARGET. A target is one file
// defining a `FuzzTarget`; list it in `fuzzTargets` below
// (docs/reliability.md, "Fuzzing").
import Glibc

/// One parser under fuzzing: `run` feeds it the input and returns normally
/// whatever the input is. A trap, an out-of-range index, an overflow or a
/// hang inside it is what the fuzzer looks for.
protocol FuzzTarget {
    /// The name given to scripts/fuzz.sh; the seed corpus is Fuzz/corpus/<name>/.
    static var name: String { get }
    static func run(_ input: [UInt8])
}

/// Every target; add a new one here. (Read-only after start; libFuzzer runs
/// inputs on one thread.)
nonisolated(unsafe) let fuzzTargets: [any FuzzTarget.Type] = [
    ConfigReaderFuzzTarget.self,
    ControlSessionFuzzTarget.self,
    CtlReplyFuzzTarget.self,
    CtlHTTPFuzzTarget.self,
    HTTPRequestFuzzTarget.self,
    ListenerProtocolFuzzTarget.self,
    LineRegexFuzzTarget.self,
    ProcStatFuzzTarget.self,
    StatusReplyFuzzTarget.self,
    WorkerChannelFuzzTarget.self,
    XMLRPCDecoderFuzzTarget.self,
]

nonisolated(unsafe) let selectedTarget: any FuzzTarget.Type = {
    let wanted = getenv("SWIFTVISOR_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == wanted }) else {
        let names = fuzzTargets.map { $0.name }.joined(separator: ", ")
        fuzzLog("SWIFTVISOR_FUZZ_TARGET must name one of: \(names) (got \"\(wanted)\")")
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(input)
    return 0
}

/// Fails the run (a "crash" for libFuzzer) when a property of a parser does not hold.
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        fuzzLog("fuzz property violated: \(message())")
        abort()
    }
}

/// The input split at `\n`, without the newlines.
func fuzzLines(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
    input.split(separator: 0x0A, omittingEmptySubsequences: false)
}

/// A line on stderr.
func fuzzLog(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
