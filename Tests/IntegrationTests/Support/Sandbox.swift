// Test harness for end-to-end tests: a scratch directory, the real binaries,
// real child processes. Every process a test starts is tracked by pid and
// killed in `tearDown`; conditions are awaited with deadlines, never with bare
// sleeps.
import Foundation
import XCTest

/// Where the built executables live: next to the test bundle.
enum Binaries {
    static let directory: String = {
        if let dir = ProcessInfo.processInfo.environment["SWIFTVISOR_BIN_DIR"] { return dir }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }()
    static var swiftvisord: String { directory + "/swiftvisord" }
    static var swiftvisorctl: String { directory + "/swiftvisorctl" }
    /// The package root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
}

/// The result of running a command to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Wait until `condition` holds, checking every `interval`, failing after `timeout`.
@discardableResult
func waitUntil(_ what: @autoclosure () -> String, timeout: TimeInterval = 10, interval: TimeInterval = 0.01,
               file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)  // polling interval inside a deadline loop
    }
    if try condition() { return true }
    XCTFail("timed out after \(timeout)s waiting for \(what())", file: file, line: line)
    return false
}

/// Check that `condition` keeps holding for the whole of `period` (proving a
/// negative: nothing re-forks, nothing wakes), failing at the first sample
/// where it does not.
@discardableResult
func assertStays(_ what: @autoclosure () -> String, for period: TimeInterval, interval: TimeInterval = 0.02,
                 file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(period)
    repeat {
        if try !condition() {
            XCTFail("stopped holding: \(what())", file: file, line: line)
            return false
        }
        Thread.sleep(forTimeInterval: interval)  // sampling interval inside an observation window
    } while Date() < end
    if try !condition() {
        XCTFail("stopped holding: \(what())", file: file, line: line)
        return false
    }
    return true
}

/// Wait until `sample` has not changed for `quiet` seconds (a daemon's last
/// timers after a burst of work have fired), failing after `timeout`.
func waitUntilSteady(_ what: @autoclosure () -> String, quiet: TimeInterval, timeout: TimeInterval = 10,
                     file: StaticString = #filePath, line: UInt = #line, _ sample: () -> Int) {
    var last = sample()
    var since = Date()
    waitUntil(what(), timeout: timeout, interval: 0.05, file: file, line: line) {
        let now = sample()
        if now != last { last = now; since = Date() }
        return Date().timeIntervalSince(since) >= quiet
    }
}

/// A scratch directory with a config, a daemon started from it, and cleanup by pid.
final class Sandbox {
    let dir: String
    private(set) var daemon: Process?
    private var started: [Process] = []
    private var extraPids: [Int32] = []

    init(name: String = #function) throws {
        let base = ProcessInfo.processInfo.environment["SWIFTVISOR_TEST_TMP"] ?? NSTemporaryDirectory()
        let clean = name.filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(40)
        dir = (base as NSString).appendingPathComponent("swv-\(clean)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    var socketPath: String { dir + "/swv.sock" }
    var mainLogPath: String { dir + "/swiftvisord.log" }
    var pidfilePath: String { dir + "/swiftvisord.pid" }
    var configPath: String { dir + "/swiftvisord.conf" }

    /// Write a config: the standard header (socket, logs, pidfile in the sandbox) plus `body`.
    @discardableResult
    func writeConfig(_ body: String, header: Bool = true, loglevel: String = "info") throws -> String {
        var text = ""
        if header {
            text += """
            [supervisord]
            logfile=\(mainLogPath)
            pidfile=\(pidfilePath)
            childlogdir=\(dir)
            loglevel=\(loglevel)
            [unix_http_server]
            file=\(socketPath)
            [supervisorctl]
            serverurl=unix://\(socketPath)
            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

            """
        }
        text += body
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        return configPath
    }

    func write(_ text: String, to name: String, executable: Bool = false) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if executable { chmod(path, 0o755) }
        return path
    }

    /// Start `swiftvisord -n -c <config>` in the background.
    @discardableResult
    func startDaemon(extraArgs: [String] = [], waitForSocket: Bool = true, stdoutFile: String? = nil,
                     environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.swiftvisord)
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        p.arguments = ["-n", "-c", configPath] + extraArgs
        p.standardOutput = try stdoutFile.map { try FileHandle(forWritingTo: URL(fileURLWithPath: createFile($0))) }
            ?? FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: createFile("daemon.stderr")))
        try p.run()
        daemon = p
        started.append(p)
        if waitForSocket {
            waitUntil("daemon ready (pidfile \(pidfilePath))", timeout: 15) { FileManager.default.fileExists(atPath: pidfilePath) || !p.isRunning }
            // A daemon with a listener starts its HTTP worker too: descriptor
            // baselines are taken once it runs (its channel is one socket).
            let config = (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? ""
            if config.contains("_http_server]") {
                waitUntil("the http worker runs", timeout: 15) { httpWorkerPid(of: p.processIdentifier) != nil || !p.isRunning }
            }
        }
        return p
    }

    private func createFile(_ name: String) -> String {
        let path = dir + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    var daemonStderr: String { (try? String(contentsOfFile: dir + "/daemon.stderr", encoding: .utf8)) ?? "" }
    var mainLog: String { (try? String(contentsOfFile: mainLogPath, encoding: .utf8)) ?? "" }

    /// Run a command to completion (with a deadline) and capture its output.
    func run(_ executable: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 30) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = inPipe
        try p.run()
        started.append(p)
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child never blocks.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
            XCTFail("\(executable) \(args) did not finish within \(timeout)s")
        }
        p.waitUntilExit()
        return CommandResult(status: p.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Run swiftvisorctl against this sandbox's config.
    func ctl(_ args: String..., stdin: String? = nil) throws -> CommandResult {
        try run(Binaries.swiftvisorctl, ["-c", configPath] + args, stdin: stdin)
    }

    /// Remember a pid that the test must make sure is gone at the end.
    func track(pid: Int32) { extraPids.append(pid) }

    /// Lines of the main log containing `text`.
    func logLines(containing text: String) -> [String] {
        mainLog.split(separator: "\n").map(String.init).filter { $0.contains(text) }
    }

    /// Stop the daemon with SIGTERM and wait for it to exit; returns its exit status.
    @discardableResult
    func stopDaemon(timeout: TimeInterval = 30) -> Int32? {
        guard let p = daemon else { return nil }
        if p.isRunning { kill(p.processIdentifier, SIGTERM) }
        waitUntil("daemon exit", timeout: timeout) { !p.isRunning }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        daemon = nil
        return p.terminationStatus
    }

    /// Kill everything this sandbox started, by pid, and remove the directory.
    /// A daemon still running is frozen first (no new spawns), its descendants
    /// are killed with their process groups, then the daemon: SIGKILLing the
    /// daemon alone would leave its children running, adopted by init.
    func cleanup() {
        for p in started where p.isRunning {
            let pid = p.processIdentifier
            kill(pid, SIGSTOP)
            for child in descendants(of: pid, includingHTTPWorker: true) {
                kill(-child, SIGKILL)
                kill(child, SIGKILL)
            }
            kill(pid, SIGKILL)
            p.waitUntilExit()
        }
        for pid in extraPids where kill(pid, 0) == 0 {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Every live descendant of `pid` (children, their children, ...), from /proc.
func descendants(of pid: Int32, includingHTTPWorker: Bool = false) -> [Int32] {
    var found: [Int32] = []
    var queue = [pid]
    while let next = queue.popLast() {
        let children = childPids(of: next, includingHTTPWorker: includingHTTPWorker)
        found += children
        queue += children
    }
    return found
}

/// Pids of live processes whose parent is `ppid` (from /proc). The daemon's
/// own HTTP worker (`swiftvisord --http-worker`) is no managed child and is
/// left out unless asked for (`httpWorkerPid(of:)` finds it).
func childPids(of ppid: Int32, includingHTTPWorker: Bool = false) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var result: [Int32] = []
    for e in entries {
        guard let pid = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8) else { continue }
        // Field 4 (ppid) follows the ")" that closes the comm field.
        guard let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 2, Int32(fields[1]) == ppid, includingHTTPWorker || !isHTTPWorker(pid) { result.append(pid) }
    }
    return result
}

/// Whether `pid` runs `swiftvisord --http-worker`.
func isHTTPWorker(_ pid: Int32) -> Bool {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
    let args = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    return args.count >= 2 && args[1] == "--http-worker"
}

/// The daemon's HTTP worker, if one runs now.
func httpWorkerPid(of daemon: Int32) -> Int32? {
    childPids(of: daemon, includingHTTPWorker: true).first(where: isHTTPWorker)
}

/// State letter of a process (R, S, Z, ...) or nil when it is gone.
func processState(_ pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.first?.first
}

/// Number of open descriptors of a process.
func openFDCount(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
}

/// The descriptor count of `pid` once it stops moving (two equal readings
/// 50 ms apart): a baseline taken while the daemon is still closing a probe
/// connection would be one too high.
func settledFDCount(_ pid: Int32, file: StaticString = #filePath, line: UInt = #line) -> Int {
    // Two equal samples 50 ms apart. (Not a longer quiet period: a child
    // whose log rotates hundreds of times a second keeps the count moving by
    // one, as ReliabilityChaosTests' flood does.)
    var last = -1
    waitUntil("the descriptor count of \(pid) settles", interval: 0.05, file: file, line: line) {
        let now = openFDCount(pid)
        defer { last = now }
        return now == last
    }
    return openFDCount(pid)
}
