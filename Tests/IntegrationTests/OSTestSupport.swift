// Helpers for the OS-layer integration tests: real fds, real processes, waits
// on conditions with deadlines.
import Glibc
import XCTest
import SwiftvisorCore
@testable import SwiftvisorOS

enum OSTest {
    /// Read `fd` (non-blocking) until EOF; fails the test after `timeout` seconds.
    static func readAll(_ fd: Int32, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
        var out: [UInt8] = []
        let deadline = EventLoop.now() + timeout
        var buf = [UInt8](repeating: 0, count: 65536)
        while EventLoop.now() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 100)
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out += buf[0..<n]; continue }
            if n == 0 { return out }
            if errno != EAGAIN && errno != EINTR { XCTFail("read: \(errno)", file: file, line: line); return out }
        }
        XCTFail("no EOF on fd \(fd) within \(timeout)s", file: file, line: line)
        return out
    }

    static func readString(_ fd: Int32, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> String {
        String(decoding: readAll(fd, timeout: timeout, file: file, line: line), as: UTF8.self)
    }

    /// Whether `signal` is in the process's ignored set: /proc/PID/status
    /// `SigIgn`, a hex mask with signal N at bit N-1. A test whose program
    /// runs `trap '' TERM` waits on this before stopping it: with
    /// `startsecs=0` the program is RUNNING before the shell has run its trap.
    static func ignores(_ signal: Int32, _ pid: Int32) -> Bool {
        guard signal > 0, signal <= 64, let status = readFile("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
              let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// The target of a symbolic link ("pipe:[1234]" for /proc/self/fd/N); "" if unreadable.
    static func readLink(_ path: String) -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return "" }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Wait for `pid` to exit (polling waitpid WNOHANG until a deadline); nil on timeout.
    @discardableResult
    static func waitExit(_ pid: Int32, timeout: Double = 10) -> ExitStatus? {
        let deadline = EventLoop.now() + timeout
        while EventLoop.now() < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return Reaper.decode(status) }
            if r < 0 && errno != EINTR { return nil }
            usleep(2000)  // poll interval inside the deadline loop
        }
        return nil
    }

    /// Kill and reap `pid` (test cleanup, by pid only).
    static func killAndReap(_ pid: Int32) {
        _ = kill(pid, SIGKILL)
        waitExit(pid, timeout: 5)
    }

    /// Close the parent ends of a spawned child.
    static func closeFDs(_ c: SpawnedChild) {
        close(c.stdin)
        if let o = c.stdout { close(o) }
        if let e = c.stderr { close(e) }
    }

    /// The names in /proc/self/fd.
    static func openFDs() -> Set<Int32> {
        var fds = Set<Int32>()
        guard let dir = opendir("/proc/self/fd") else { return fds }
        let own = dirfd(dir)
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if let fd = Int32(name), fd != own { fds.insert(fd) }
        }
        closedir(dir)
        return fds
    }

    /// Pids whose parent is this process (zombies included), from /proc/*/stat.
    static func children() -> [Int32] {
        let me = getpid()
        var kids: [Int32] = []
        guard let dir = opendir("/proc") else { return kids }
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard let pid = Int32(name), let stat = readFile("/proc/\(pid)/stat") else { continue }
            // Fields after the ")" of comm: state ppid ...
            guard let close = stat.lastIndex(of: ")") else { continue }
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            if rest.count > 1, Int32(rest[1]) == me { kids.append(pid) }
        }
        closedir(dir)
        return kids
    }

    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(fd >= 0, "cannot create \(path)")
        _ = text.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    /// A fresh temporary directory.
    static func tempDir() -> String {
        var template = Array("/tmp/swiftvisor-os-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed")
        return String(cString: p!)
    }

    static func removeTree(_ path: String) {
        guard path.hasPrefix("/tmp/swiftvisor-os-") else { return }
        let pid = posixSpawnSimple(["/bin/rm", "-rf", path])
        waitExit(pid)
    }

    /// Start a helper process without the code under test.
    static func posixSpawnSimple(_ argv: [String]) -> Int32 {
        var pid: pid_t = 0
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let r = posix_spawn(&pid, argv[0], nil, nil, &cargs, environ)
        precondition(r == 0, "posix_spawn \(argv[0]) failed: \(r)")
        return pid
    }

    /// A request for `argv` with a minimal environment.
    static func request(_ argv: [String], env: [String] = ["PATH=/usr/bin:/bin"]) -> SpawnRequest {
        SpawnRequest(argv: argv, executable: argv[0], environment: env)
    }
}

extension OSTest {
    /// Everything currently buffered in a non-blocking fd.
    static func readAllAvailable(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return out }
            out += buf[0..<n]
        }
    }
}
