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

    func test_spawn_missingDirectory_throwsCouldntChdir() {
        for umask: UInt32? in [nil, 0o022] {  // posix_spawn path and fork path
            var req = OSTest.request(["/bin/pwd"])
            req.directory = "/nonexistent-swiftvisor"
            req.umask = umask
            XCTAssertThrowsError(try Spawner.spawn(req, programName: "pwd")) { error in
                let e = error as! SpawnError
                XCTAssertEqual(e.step, "chdir")
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
        for umask: UInt32? in [nil, 0o022] {
            var req = OSTest.request(["\(dir)/script"])
            req.umask = umask
            XCTAssertThrowsError(try Spawner.spawn(req, programName: "script")) { error in
                let e = error as! SpawnError
                XCTAssertEqual(e.step, "exec")
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
        for umask: UInt32? in [nil, 0o022] {
            var req = OSTest.request(["/bin/sleep", "30"])
            req.umask = umask
            let child = try Spawner.spawn(req, programName: "sleep")
            defer { OSTest.killAndReap(child.pid); OSTest.closeFDs(child) }
            // /proc/<pid>/status shows the parent's copy until exec; wait for sleep's.
            var status = ""
            let deadline = EventLoop.now() + 5
            repeat {
                status = OSTest.readFile("/proc/\(child.pid)/status") ?? ""
            } while !status.hasPrefix("Name:\tsleep") && EventLoop.now() < deadline
            XCTAssertTrue(status.hasPrefix("Name:\tsleep"), status)
            XCTAssertEqual(field(status, "SigBlk"), 0, "umask \(String(describing: umask))")
            // Both paths, glibc's internal signals 32/33 included (posix_spawn
            // would leave them ignored unless named in the default set).
            XCTAssertEqual(field(status, "SigIgn"), 0, "umask \(String(describing: umask))")
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
        for umask: UInt32? in [nil, 0o022] {
            var req = OSTest.request(["/bin/ls", "/proc/self/fd"])
            req.umask = umask
            let child = try Spawner.spawn(req, programName: "ls")
            defer { OSTest.closeFDs(child) }
            // ls itself opens the directory as fd 3.
            XCTAssertEqual(OSTest.readString(child.stdout!), "0\n1\n2\n3\n")
            OSTest.waitExit(child.pid)
        }
    }

    func test_spawn_300Cycles_leakNoDescriptorAndLeaveNoZombie() throws {
        let dir = OSTest.tempDir()
        defer { OSTest.removeTree(dir) }
        OSTest.writeFile("\(dir)/noexec", "#!/bin/sh\n", mode: 0o644)
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
