// Fuzz target "procstat": the /proc parser behind /metrics and the web page
// (ProcStatFields). /proc/PID/statm is another process's entry, read into a
// fixed buffer that may cut it anywhere, so the daemon does not trust its
// bytes: the parser must return a value or nil for any input, never trap or
// read out of bounds.
//
// Input: the bytes of a statm file.

enum ProcStatFuzzTarget: FuzzTarget {
    static let name = "procstat"

    static func run(_ input: [UInt8]) {
        input.withUnsafeBufferPointer { b in
            _ = ProcStatFields.residentPages(statm: b)
        }
    }
}
