// Helpers for the Ops* tests: finding optional tools (dash, busybox,
// systemd-analyze, logrotate, unshare), collecting a child's output while it
// runs, and reading the shipped ops files from the package.
import Foundation
import XCTest

enum OpsTools {
    /// The absolute path of `name` on PATH (or in the usual system directories), if installed.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        for dir in dirs {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A file shipped in the package (config/..., scripts/..., docs/...).
    static func packageFile(_ relative: String) -> String { Binaries.packageRoot + "/" + relative }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

/// Reads a pipe on a background thread so the writer never blocks, and lets a
/// test wait for some text to appear.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock(); data.append(chunk); lock.unlock()
            }
            done.signal()
        }
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Wait for EOF (every writer closed the pipe).
    func waitForEOF(timeout: TimeInterval) -> Bool { done.wait(timeout: .now() + timeout) == .success }
}

extension Sandbox {
    /// Pids named in the main log's `spawned: 'name' with pid N` lines, for every program.
    func spawnedPids(in log: String? = nil) -> [Int32] {
        (log ?? mainLog).split(separator: "\n").filter { $0.contains("spawned: '") }.compactMap { line in
            line.split(separator: " ").last.flatMap { Int32($0) }
        }
    }

    /// Kill `pid` (and its process group) if it is still there: for daemons a
    /// test started outside `Process` (init script, installed binaries).
    func killIfAlive(_ pid: Int32) {
        guard processState(pid) != nil else { return }
        kill(pid, SIGKILL)
    }
}

/// Send SIGTERM to `pid` and wait (with a deadline) until it is gone or a zombie.
@discardableResult
func terminateAndWait(_ pid: Int32, timeout: TimeInterval = 20) -> Bool {
    guard processState(pid) != nil else { return true }
    kill(pid, SIGTERM)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        // poll interval inside the deadline loop
        if let s = processState(pid), s != "Z" { Thread.sleep(forTimeInterval: 0.02) } else { return true }  // until deadline
    }
    kill(pid, SIGKILL)
    return false
}

/// A child process spawned with posix_spawn and reaped with waitpid.
///
/// Foundation's `Process` is not used here: it learns of the exit through a
/// descriptor the child inherits, so a command that leaves a process behind
/// holding it (a daemon, before Daemonizer closed inherited descriptors)
/// made `waitUntilExit` hang with the child already a zombie. waitpid on our
/// own pid cannot miss the exit, and the Ops tests can pass extra
/// descriptors (`passing:`) and spawn into a fresh process group.
final class OpsProcess: @unchecked Sendable {
    let pid: pid_t
    let stdout: OutputFD
    let stderr: OutputFD
    private(set) var exitStatus: Int32?

    /// Start `argv` (argv[0] an absolute path) in its own process group, stdin
    /// from /dev/null, with `environment` added to ours, in `directory`.
    /// `passing` maps extra descriptors into the child: (our fd, its number in the child).
    init(_ argv: [String], environment: [String: String] = [:], directory: String? = nil,
         passing: [(source: Int32, target: Int32)] = []) throws {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        var full = argv
        if let directory { full = ["/usr/bin/env", "-C", directory] + argv }
        var outFDs: [Int32] = [0, 0], errFDs: [Int32] = [0, 0]
        // pipe2 is not exported to Swift; set close-on-exec right after (the
        // spawned child gets the write ends through dup2, which clears it).
        guard pipe(&outFDs) == 0, pipe(&errFDs) == 0 else {
            throw NSError(domain: "OpsProcess", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "pipe2 failed"])
        }
        for fd in outFDs + errFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errFDs[1], 2)
        for (source, target) in passing { posix_spawn_file_actions_adddup2(&actions, source, target) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Dispatch threads block every signal; the child must start with none
        // blocked and default dispositions, as from a shell.
        var empty = sigset_t(); sigemptyset(&empty)
        var all = sigset_t(); sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let cArgs = full.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, full[0], &actions, &attr, cArgs, cEnv)
        close(outFDs[1]); close(errFDs[1])
        guard rc == 0 else {
            close(outFDs[0]); close(errFDs[0])
            throw NSError(domain: "OpsProcess", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "posix_spawn \(full[0]) failed: \(String(cString: strerror(rc)))"])
        }
        pid = child
        stdout = OutputFD(outFDs[0])
        stderr = OutputFD(errFDs[0])
    }

    /// Reap the child if it exited; true once it has.
    @discardableResult
    func poll() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return false }
        // Same encoding as a shell: exit code, or 128 + signal.
        exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return true
    }

    var isRunning: Bool { !poll() }

    /// Wait for exit until `timeout`; on timeout kill the process group and return nil.
    func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if poll() { return exitStatus }
            Thread.sleep(forTimeInterval: 0.01)  // poll interval until the deadline
        }
        killGroup()
        return nil
    }

    /// End of a test: SIGTERM, so a daemon stops its programs as it would in
    /// production; past `timeout`, `wait` kills the process group.
    func terminate(timeout: TimeInterval = 10) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        _ = wait(timeout: timeout)
    }

    /// SIGKILL the child's whole process group and reap it.
    func killGroup() {
        guard exitStatus == nil else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        exitStatus = 128 + SIGKILL
    }

    /// Run to completion: status, stdout, stderr. Fails the test on timeout.
    static func run(_ argv: [String], environment: [String: String] = [:], directory: String? = nil,
                    timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let p = try OpsProcess(argv, environment: environment, directory: directory)
        let status = p.wait(timeout: timeout)
        if status == nil { XCTFail("\(argv) did not finish within \(timeout)s", file: file, line: line) }
        // A daemon started by the command does not hold our pipes (it
        // reopens 0-2 on /dev/null), so EOF follows the exit; give it a moment.
        _ = p.stdout.waitForEOF(timeout: 2)
        _ = p.stderr.waitForEOF(timeout: 2)
        return CommandResult(status: status ?? -1, stdout: p.stdout.text, stderr: p.stderr.text)
    }
}

/// The read end of a child's output pipe, drained on a background thread.
final class OutputFD: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    init(_ fd: Int32) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock(); data.append(contentsOf: buffer[0..<n]); lock.unlock()
            }
            close(fd)
            lock.lock(); finished = true; lock.unlock()
            done.signal()
        }
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    func waitForEOF(timeout: TimeInterval) -> Bool {
        lock.lock(); let f = finished; lock.unlock()
        if f { return true }
        if done.wait(timeout: .now() + timeout) == .success { done.signal(); return true }
        return false
    }
}
