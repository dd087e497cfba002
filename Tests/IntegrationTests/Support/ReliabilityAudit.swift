// Shared by the Reliability*Tests: the quick/long switch and the audit every
// check ends with (no zombie, no stray process, descriptors back to baseline,
// programs in their expected states, log bytes accounted for).
import Foundation
import XCTest

/// Quick mode runs inside `swift test`; SWIFTVISOR_RELIABILITY=long is the
/// release check (docs/reliability.md).
enum Reliability {
    static var isLong: Bool { ProcessInfo.processInfo.environment["SWIFTVISOR_RELIABILITY"] == "long" }
    static func scaled(quick: Int, long: Int) -> Int { isLong ? long : quick }
    static func seconds(quick: Double, long: Double) -> Double { isLong ? long : quick }
}

/// True when `pid` no longer runs (gone, or a zombie waiting for a parent that
/// is not the daemon).
func isGone(_ pid: Int32) -> Bool {
    guard let s = processState(pid) else { return true }
    return s == "Z" || s == "X"
}

/// Pids of live (non-zombie) processes whose command line contains `text`.
func processesMentioning(_ text: String) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    let me = getpid()
    var result: [Int32] = []
    for e in entries {
        guard let pid = Int32(e), pid != me,
              let data = FileManager.default.contents(atPath: "/proc/\(e)/cmdline"), !data.isEmpty else { continue }
        let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        if line.contains(text), !isGone(pid) { result.append(pid) }
    }
    return result
}

/// Pids of processes in process group `pgid` (from /proc/<pid>/stat field 5).
func processGroupMembers(_ pgid: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var result: [Int32] = []
    for e in entries {
        guard let pid = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 3, Int32(fields[2]) == pgid, !isGone(pid) { result.append(pid) }
    }
    return result
}

/// Zombie children of `pid`: exited and not reaped.
func zombieChildren(of pid: Int32) -> [Int32] {
    childPids(of: pid).filter { processState($0) == "Z" }
}

extension Sandbox {
    /// The daemon's pid (nil before start).
    var daemonPid: Int32? { daemon.map { $0.processIdentifier } }

    /// The last state a program reached, from the main log's state lines.
    func lastLoggedState(_ name: String) -> String? {
        let markers: [(String, String)] = [
            ("spawned: '\(name)' with pid", "STARTING"),
            ("success: \(name) entered RUNNING", "RUNNING"),
            ("exited: \(name) (", "EXITED"),
            ("stopped: \(name) (", "STOPPED"),
            ("gave up: \(name) entered FATAL", "FATAL"),
            ("spawnerr: ", "BACKOFF"),
        ]
        var last: String?
        for line in mainLog.split(separator: "\n") {
            for (text, state) in markers where line.contains(text) {
                if state == "BACKOFF" && !line.contains(" \(name)") { continue }
                last = state
            }
        }
        return last
    }

    /// The audit every reliability check ends with, after the daemon stopped:
    /// no process of this sandbox left, no zombie left under the test.
    func auditAfterShutdown(file: StaticString = #filePath, line: UInt = #line) {
        waitUntil("every process of the sandbox gone", timeout: 15, file: file, line: line) { processesMentioning(dir).isEmpty }
        let stray = processesMentioning(dir)
        XCTAssertTrue(stray.isEmpty, "stray processes after shutdown: \(stray)", file: file, line: line)
        for pid in stray { track(pid: pid) }
    }
}

extension Sandbox {
    /// True when swiftvisorctl can talk to this sandbox's daemon (the control
    /// server exists). Checks that need the control socket skip otherwise.
    func controlWorks() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: Binaries.swiftvisorctl), let pid = daemonPid,
              let r = try? ctl("pid") else { return false }
        return r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(pid)
    }
}

/// Seconds since an arbitrary point (monotonic).
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
