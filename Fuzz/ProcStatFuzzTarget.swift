// Fuzz target "procstat": the /proc parsers behind /metrics and the web page
// (ProcStatFields). A child names itself (its `comm` may hold spaces, `)`
// and any byte), so /proc/PID/stat is input the daemon must not trust: the
// parsers must return a value or nil for any bytes, never trap or read out
// of bounds.
//
// Input: the bytes of a stat (and, the same bytes, of a statm) file.

enum ProcStatFuzzTarget: FuzzTarget {
    static let name = "procstat"

    static func run(_ input: [UInt8]) {
        input.withUnsafeBufferPointer { b in
            _ = ProcStatFields.cpuTicks(stat: b)
            _ = ProcStatFields.residentPages(statm: b)
        }
    }
}
