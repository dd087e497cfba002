// Spawner and CommandResolver against real processes and real descriptors.
import Glibc
import XCTest
import SwiftvisorCore
@testable import SwiftvisorOS

final class SpawnerTests: XCTestCase {
    func test_spawn_echo_stdoutArrivesThroughThePipe() throws {
        let child = try Spawner.spawn(OSTest.request(["/bin/echo", "hello", "world"]), programName: "echo")
        defer { OSTest.closeFDs(child) }
        XCTAssertEqual(OSTest.readString(child.stdout!), "hello world\n")
        XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0))
    }

    func test_spawn_parentEndsAreNonBlockingAndCloexec() throws {
        let child = try Spawner.spawn(OSTest.request(["/bin/sleep", "30"]), programName: "sleep")
        defer { OSTest.killAndReap(child.pid); OSTest.closeFDs(child) }
        for fd in [child.stdin, child.stdout!, child.stderr!] {
            XCTAssertNotEqual(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "fd \(fd) should be O_NONBLOCK")
            XCTAssertNotEqual(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0, "fd \(fd) should be FD_CLOEXEC")
        }
    }

    func test_spawn_environmentIsExactlyTheRequested() throws {
        let req = OSTest.request(["/usr/bin/env"], env: ["A=1", "SUPERVISOR_ENABLED=1", "B=x y"])
        let child = try Spawner.spawn(req, programName: "env")
        defer { OSTest.closeFDs(child) }
        XCTAssertEqual(OSTest.readString(child.stdout!), "A=1\nSUPERVISOR_ENABLED=1\nB=x y\n")
        OSTest.waitExit(child.pid)
    }

    func test_spawn_directory_childRunsThere() throws {
        var req = OSTest.request(["/bin/pwd"])
        req.directory = "/usr/share"
        let child = try Spawner.spawn(req, programName: "pwd")
        defer { OSTest.closeFDs(child) }
        XCTAssertEqual(OSTest.readString(child.stdout!), "/usr/share\n")
        OSTest.waitExit(child.pid)
    }

    func test_spawn_missingDirectory_throwsCouldntChdir() throws {
        try forEachSpawnPath(["/bin/pwd"]) { path, request in
            var req = request
            req.directory = "/nonexistent-swiftvisor"
            XCTAssertThrowsError(try Spawner.spawn(req, programName: "pwd"), path) { error in
                let e = error as! SpawnError
                XCTAssertEqual(e.step, "chdir", path)
                XCTAssertEqual(e.errno, ENOENT)
                XCTAssertEqual(e.description, "couldn't chdir to /nonexistent-swiftvisor: ENOENT")
                XCTAssertTrue(e.isChildSideFailure)
            }
        }
    }

    func test_spawn_nonExecutableFile_throwsCouldntExecEACCES() throws {
        let dir = OSTest.tempDir()
        defer { OSTest.removeTree(dir) }
        OSTest.writeFile("\(dir)/script", "#!/bin/sh\necho hi\n", mode: 0o644)
        try forEachSpawnPath(["\(dir)/script"]) { path, req in
            XCTAssertThrowsError(try Spawner.spawn(req, programName: "script"), path) { error in
                let e = error as! SpawnError
                XCTAssertEqual(e.step, "exec", path)
                XCTAssertEqual(e.errno, EACCES)
                XCTAssertEqual(e.description, "couldn't exec \(dir)/script: EACCES")
            }
        }
    }

    func test_spawn_umask_appliesThroughTheForkPath() throws {
        var req = OSTest.request(["/bin/sh", "-c", "umask"])
        req.umask = 0o027
        let child = try Spawner.spawn(req, programName: "umask")
        defer { OSTest.closeFDs(child) }
        XCTAssertEqual(OSTest.readString(child.stdout!), "0027\n")
        XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0))
    }

    func test_spawn_user_switchesUidGidAndGroupsWhenRoot() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root") }
        guard let pw = getpwnam("nobody") else { throw XCTSkip("no user nobody") }
        var req = OSTest.request(["/usr/bin/id"])
        req.user = ResolvedUser(name: "nobody", uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
        let child = try Spawner.spawn(req, programName: "id")
        defer { OSTest.closeFDs(child) }
        let out = OSTest.readString(child.stdout!)
        XCTAssertTrue(out.hasPrefix("uid=\(pw.pointee.pw_uid)(nobody) gid=\(pw.pointee.pw_gid)"), out)
        XCTAssertFalse(out.contains("(root)"), "root group must be dropped: \(out)")
        OSTest.waitExit(child.pid)
    }

    func test_spawn_redirectStderr_stderrGoesToStdoutPipe() throws {
        var req = OSTest.request(["/bin/sh", "-c", "echo out; echo err >&2"])
        req.redirectStderr = true
        let child = try Spawner.spawn(req, programName: "sh")
        defer { OSTest.closeFDs(child) }
        XCTAssertNil(child.stderr)
        XCTAssertEqual(OSTest.readString(child.stdout!), "out\nerr\n")
        OSTest.waitExit(child.pid)
    }

    func test_spawn_separateStderr_hasItsOwnPipe() throws {
        let child = try Spawner.spawn(OSTest.request(["/bin/sh", "-c", "echo out; echo err >&2"]), programName: "sh")
        defer { OSTest.closeFDs(child) }
        XCTAssertEqual(OSTest.readString(child.stdout!), "out\n")
        XCTAssertEqual(OSTest.readString(child.stderr!), "err\n")
        OSTest.waitExit(child.pid)
    }

    func test_spawn_discardedStdout_isDevNull_withNoParentEnd() throws {
        // The child reports where its fds 1 and 2 point, on stderr (a pipe).
        // Command substitution: dash applies `>&2` in the shell itself.
        var req = OSTest.request(["/bin/sh", "-c", "echo lost; a=$(readlink /proc/$$/fd/1); b=$(readlink /proc/$$/fd/2); echo \"$a\" >&2; echo \"$b\" >&2"])
        req.discardStdout = true
        let child = try Spawner.spawn(req, programName: "sh")
        defer { OSTest.closeFDs(child) }
        XCTAssertNil(child.stdout, "no pipe for output nobody reads")
        let lines = OSTest.readString(child.stderr!).split(separator: "\n")
        XCTAssertEqual(lines.first, "/dev/null")
        XCTAssertTrue(lines.last?.hasPrefix("pipe:") == true, "\(lines)")
        XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0))
    }

    func test_spawn_discardedStdout_withRedirectedStderr_sendsBothToDevNull() throws {
        var req = OSTest.request(["/bin/sh", "-c", "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ] && [ \"$(readlink /proc/$$/fd/2)\" = /dev/null ]"])
        req.redirectStderr = true
        req.discardStdout = true
        req.discardStderr = false  // ignored: fd 2 follows fd 1
        let child = try Spawner.spawn(req, programName: "sh")
        defer { OSTest.closeFDs(child) }
        XCTAssertNil(child.stdout)
        XCTAssertNil(child.stderr)
        XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0), "fds 1 and 2 are /dev/null")
    }

    func test_spawn_stdinPipe_reachesTheChild() throws {
        let child = try Spawner.spawn(OSTest.request(["/bin/cat"]), programName: "cat")
        defer { close(child.stdout!); close(child.stderr!) }
        _ = "ping\n".withCString { Glibc.write(child.stdin, $0, 5) }
        close(child.stdin)
        XCTAssertEqual(OSTest.readString(child.stdout!), "ping\n")
        OSTest.waitExit(child.pid)
    }

    func test_spawn_childLeadsItsOwnProcessGroup() throws {
        for umask: UInt32? in [nil, 0o022] {
            var req = OSTest.request(["/bin/sleep", "30"])
            req.umask = umask
            let child = try Spawner.spawn(req, programName: "sleep")
            defer { OSTest.killAndReap(child.pid); OSTest.closeFDs(child) }
            XCTAssertEqual(getpgid(child.pid), child.pid)
        }
    }

    func test_spawn_signalMaskEmptyAndNoIgnoredSignals_evenWhenTheParentBlocksAndIgnores() throws {
        // Make the parent's state dirty so that inheritance would show.
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGUSR1)
        var oldMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &oldMask)
        let oldPipe = signal(SIGPIPE, SIG_IGN)
        defer {
            pthread_sigmask(SIG_SETMASK, &oldMask, nil)
            signal(SIGPIPE, oldPipe)
        }
        try forEachSpawnPath(["/bin/sleep", "30"]) { path, req in
            let child = try Spawner.spawn(req, programName: "sleep")
            defer { OSTest.killAndReap(child.pid); OSTest.closeFDs(child) }
            // /proc/<pid>/status shows the parent's copy until exec; wait for sleep's.
            var status = ""
            let deadline = EventLoop.now() + 5
            repeat {
                status = OSTest.readFile("/proc/\(child.pid)/status") ?? ""
            } while !status.hasPrefix("Name:\tsleep") && EventLoop.now() < deadline
            XCTAssertTrue(status.hasPrefix("Name:\tsleep"), status)
            XCTAssertEqual(field(status, "SigBlk"), 0, path)
            // Every path, glibc's internal signals 32/33 included (posix_spawn
            // would leave them ignored unless named in the default set).
            XCTAssertEqual(field(status, "SigIgn"), 0, path)
        }
    }

    private func field(_ status: String, _ name: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":\t") {
            return UInt64(line.dropFirst(name.count + 2), radix: 16)
        }
        return nil
    }

    func test_spawn_noDescriptorLeaksIntoTheChild_evenOneWithoutCloexec() throws {
        let stray = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        XCTAssertGreaterThan(stray, 2)
        defer { close(stray) }
        try forEachSpawnPath(["/bin/ls", "/proc/self/fd"]) { _, req in
            let child = try Spawner.spawn(req, programName: "ls")
            defer { OSTest.closeFDs(child) }
            // ls itself opens the directory as fd 3.
            XCTAssertEqual(OSTest.readString(child.stdout!), "0\n1\n2\n3\n")
            OSTest.waitExit(child.pid)
        }
    }

    func test_spawn_with2000DescriptorsHeld_childInheritsNone_andTheParentTableIsIntact() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let old = limit
        if limit.rlim_cur < 2600 { limit.rlim_cur = min(limit.rlim_max, 2600) }
        guard limit.rlim_cur >= 2600 else {
            throw XCTSkip("RLIMIT_NOFILE hard limit \(limit.rlim_max) < 2600")
        }
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        defer { var o = old; setrlimit(Int32(RLIMIT_NOFILE.rawValue), &o) }
        Spawner.prepare()
        // Half without O_CLOEXEC: only the spawner's closing keeps them out.
        var held: [Int32] = []
        for i in 0..<2200 {
            let fd = open("/dev/null", i % 2 == 0 ? O_RDONLY : O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { break }
            held.append(fd)
        }
        defer { for fd in held { close(fd) } }
        XCTAssertEqual(held.count, 2200)
        func identities() -> [Int32: String] {
            var ids: [Int32: String] = [:]
            for fd in OSTest.openFDs() {
                var st = stat()
                guard fstat(fd, &st) == 0 else { continue }
                ids[fd] = "\(st.st_dev):\(st.st_ino):\(fcntl(fd, F_GETFD)):\(fcntl(fd, F_GETFL))"
            }
            return ids
        }
        let before = identities()
        try forEachSpawnPath(["/bin/ls", "/proc/self/fd"]) { path, req in
            let child = try Spawner.spawn(req, programName: "ls")
            // ls itself opens the directory as fd 3.
            XCTAssertEqual(OSTest.readString(child.stdout!), "0\n1\n2\n3\n", path)
            OSTest.closeFDs(child)
            XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0), path)
            XCTAssertEqual(identities(), before, "\(path): the parent's descriptors changed")
        }
    }

    func test_spawn_stdoutReachesEOF_whenTheChildAndItsBackgroundGrandchildExit() throws {
        // The daemonizing shape of EventLoopTests' subreaper test, on every
        // path: sh exits at once, its background sleep holds stdout for
        // 0.2 s more, and then nothing may hold the pipe's write end, the
        // parent included (a stdio source left on one of the spawner's
        // private descriptors would keep the reader from EOF forever).
        try forEachSpawnPath(["/bin/sh", "-c", "sleep 0.2 & echo $!"]) { path, req in
            let child = try Spawner.spawn(req, programName: "daemonizer")
            defer { OSTest.closeFDs(child) }
            let pipe = OSTest.readLink("/proc/self/fd/\(child.stdout!)")
            let holders = OSTest.openFDs().filter { OSTest.readLink("/proc/self/fd/\($0)") == pipe }
            XCTAssertEqual(holders, [child.stdout!], "\(path): the parent holds another end of \(pipe)")
            let start = EventLoop.now()
            let out = OSTest.readString(child.stdout!, timeout: 5)
            XCTAssertNotNil(Int32(out.trimmingCharacters(in: .whitespacesAndNewlines)), "\(path): \(out)")
            XCTAssertGreaterThanOrEqual(EventLoop.now() - start, 0.1, "\(path): EOF before the grandchild exited")
            XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0), path)
        }
    }

    func test_spawn_300Cycles_leakNoDescriptorAndLeaveNoZombie() throws {
        let dir = OSTest.tempDir()
        defer { OSTest.removeTree(dir) }
        OSTest.writeFile("\(dir)/noexec", "#!/bin/sh\n", mode: 0o644)
        Spawner.prepare()  // its descriptors are the spawner's for good, not a leak
        let before = OSTest.openFDs()
        for i in 0..<300 {
            switch i % 3 {
            case 0:  // spawn and exit
                var req = OSTest.request(["/bin/true"])
                if i % 2 == 0 { req.umask = 0o022 }
                let child = try Spawner.spawn(req, programName: "true")
                OSTest.closeFDs(child)
                XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0))
            case 1:  // chdir failure, both paths
                var req = OSTest.request(["/bin/true"])
                req.directory = "/nonexistent-swiftvisor"
                if i % 2 == 0 { req.umask = 0o022 }
                XCTAssertThrowsError(try Spawner.spawn(req, programName: "true"))
            default:  // exec failure, both paths
                var req = OSTest.request(["\(dir)/noexec"])
                if i % 2 == 0 { req.umask = 0o022 }
                XCTAssertThrowsError(try Spawner.spawn(req, programName: "noexec"))
            }
        }
        XCTAssertEqual(OSTest.openFDs(), before)
        XCTAssertEqual(OSTest.children(), [])
    }

    func test_spawn_tooManyOpenFiles_reportsSupervisordMessageAndLeaksNothing() throws {
        var old = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &old)
        Spawner.prepare()
        let before = OSTest.openFDs()
        var tight = old
        tight.rlim_cur = rlim_t(before.max()! + 8)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &tight)
        defer { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &old) }
        // Fill every free slot, then free one: the stdin pipe succeeds or not,
        // but some pipe2 must hit EMFILE.
        var fillers: [Int32] = []
        while case let fd = open("/dev/null", O_RDONLY | O_CLOEXEC), fd >= 0 { fillers.append(fd) }
        close(fillers.removeLast())
        defer { for fd in fillers { close(fd) } }
        XCTAssertThrowsError(try Spawner.spawn(OSTest.request(["/bin/true"]), programName: "web")) { error in
            let e = error as! SpawnError
            XCTAssertEqual(e.description, "too many open files to spawn 'web'")
            XCTAssertEqual(e.step, "pipe")
            XCTAssertFalse(e.isChildSideFailure)
        }
        XCTAssertEqual(OSTest.openFDs(), before.union(fillers))
    }

    func test_spawn_readyFD_isTheOnlyDescriptorAbove2_whateverItsNumber() throws {
        // In a process of its own, whose lowest free descriptors (taken by
        // the spawner's private ones) are known to be among the targets.
        guard try runningIsolated() else { return }
        let before = OSTest.openFDs()
        Spawner.prepare()
        let spawnerOwn = OSTest.openFDs().subtracting(before)
        XCTAssertEqual(spawnerOwn.count, 5, "four slots and /dev/null")
        XCTAssertTrue(spawnerOwn.allSatisfy { $0 <= 24 }, "\(spawnerOwn.sorted()) not all among the targets")
        // A target equal to one of the spawner's descriptors must work too.
        for target in Int32(3)...Int32(24) {
            var p = try Sys.pipe()
            try Sys.setNonBlocking(p.read)
            defer { close(p.read) }
            // The source is never the target (Swift callers guarantee it).
            let lifted = fcntl(p.write, F_DUPFD_CLOEXEC, 100)
            close(p.write)
            p.write = lifted
            try forEachSpawnPath(["/bin/sh", "-c", "echo ready >/proc/self/fd/\(target); exec /bin/ls /proc/self/fd"]) { path, request in
                var req = request
                req.readyFD = (source: p.write, target: target)
                let child = try Spawner.spawn(req, programName: "ready")
                defer { OSTest.closeFDs(child) }
                // ls opens the directory on the lowest free descriptor.
                let expected: Set<Int32> = target == 3 ? [0, 1, 2, 3, 4] : [0, 1, 2, 3, target]
                let listed = Set(OSTest.readString(child.stdout!).split(separator: "\n").compactMap { Int32($0) })
                XCTAssertEqual(listed, expected, "\(path), target \(target)")
                XCTAssertEqual(OSTest.waitExit(child.pid), .exited(code: 0), "\(path), target \(target)")
            }
            close(p.write)
            XCTAssertEqual(OSTest.readString(p.read), "ready\nready\nready\n", "target \(target)")
        }
    }
}

extension SpawnerTests {
    /// Run `body` once per way a child can be started: the shared-table clone
    /// (the default), posix_spawn (a kernel without close_range's
    /// CLOSE_RANGE_UNSHARE; fork for readiness=fd) and fork (umask=).
    func forEachSpawnPath(_ argv: [String], _ body: (String, SpawnRequest) throws -> Void) rethrows {
        for path in ["clone", "posix_spawn", "fork"] {
            var req = OSTest.request(argv)
            if path == "fork" { req.umask = 0o022 }
            Spawner.useSharedTableClone(path != "posix_spawn")
            defer { Spawner.useSharedTableClone(true) }
            try body(path, req)
        }
    }
}

final class CommandResolverTests: XCTestCase {
    func test_resolve_searchesPathAndKeepsArgv0() throws {
        let r = try CommandResolver.resolve(command: "sh -c 'echo \"a b\"'", path: "/nonexistent:/bin")
        XCTAssertEqual(r.executable, "/bin/sh")
        XCTAssertEqual(r.argv, ["sh", "-c", "echo \"a b\""])
    }

    func test_resolve_nilPath_usesDefault() throws {
        XCTAssertEqual(try CommandResolver.resolve(command: "true", path: nil).executable, "/bin/true")
    }

    func test_resolve_messagesMatchSupervisord() throws {
        let dir = OSTest.tempDir()
        defer { OSTest.removeTree(dir) }
        OSTest.writeFile("\(dir)/plain", "x", mode: 0o644)
        func message(_ command: String, path: String? = nil) -> String {
            do { _ = try CommandResolver.resolve(command: command, path: path); return "no error" }
            catch { return error.description }
        }
        XCTAssertEqual(message(""), "command is empty")
        XCTAssertEqual(message("   "), "command is empty")
        XCTAssertEqual(message("echo 'unbalanced"), "can't parse command \"echo 'unbalanced\": No closing quotation")
        XCTAssertEqual(message("nosuchprog-x", path: "/bin"), "can't find command 'nosuchprog-x'")
        XCTAssertEqual(message("/no/such/prog"), "can't find command '/no/such/prog'")
        XCTAssertEqual(message(dir), "command at '\(dir)' is a directory")
        XCTAssertEqual(message("plain", path: dir), "command at '\(dir)/plain' is not executable")
    }
}
