// Starting one child process: pipes for its stdio, then swv_spawn (a clone
// that does not copy the descriptor table, posix_spawn on kernels before 5.9,
// or fork→exec in C for user=/umask=/cgroup=). supervisord's spawn() (process.py:191-355).
import Glibc
import CSwiftvisor
import SwiftvisorCore

/// What to start. The command is already resolved (see `CommandResolver`).
public struct SpawnRequest: Sendable {
    /// Passed to execve unchanged (argv[0] is what the user wrote).
    public var argv: [String]
    /// The resolved path to execute.
    public var executable: String
    /// The complete child environment, `KEY=VALUE` each.
    public var environment: [String]
    /// `directory=`; nil keeps the daemon's working directory.
    public var directory: String?
    /// `umask=`; nil inherits the daemon's.
    public var umask: UInt32?
    /// `user=`; nil (or the daemon's own uid) runs as the daemon.
    public var user: ResolvedUser?
    /// `redirect_stderr=true`: fd 2 is the stdout pipe and there is no stderr pipe.
    public var redirectStderr: Bool
    /// Output nobody keeps (`stdout_logfile=NONE` without debug echo) goes
    /// straight to /dev/null: no pipe to create, watch, drain and close.
    /// `discardStderr` is ignored with `redirectStderr` (fd 2 follows fd 1).
    public var discardStdout: Bool
    public var discardStderr: Bool
    /// `cgroup=true`: an open `cgroup.procs` (O_WRONLY | O_CLOEXEC) the child
    /// writes itself into before exec; nil runs it in the daemon's cgroup.
    /// The caller keeps ownership of the descriptor.
    public var cgroupProcsFD: Int32? = nil
    /// `readiness=fd`: `source` (a pipe's write end, CLOEXEC, not equal to
    /// `target`) becomes the child's descriptor `target` (3...1023), the only
    /// one above 2 it inherits. The caller keeps ownership of `source`.
    public var readyFD: (source: Int32, target: Int32)? = nil
    /// `[fcgi-program:x]`: the group's listening socket becomes the child's
    /// fd 0 instead of a stdin pipe (process.py `FastCGISubprocess._prepare_child_fds`).
    /// The caller keeps ownership; the child gets no stdin pipe (`stdin` is -1).
    public var stdinSocket: Int32? = nil

    public init(argv: [String], executable: String, environment: [String], directory: String? = nil,
                umask: UInt32? = nil, user: ResolvedUser? = nil, redirectStderr: Bool = false,
                discardStdout: Bool = false, discardStderr: Bool = false) {
        self.argv = argv
        self.executable = executable
        self.environment = environment
        self.directory = directory
        self.umask = umask
        self.user = user
        self.redirectStderr = redirectStderr
        self.discardStdout = discardStdout
        self.discardStderr = discardStderr
    }
}

/// A started child and the parent ends of its pipes (O_NONBLOCK | O_CLOEXEC).
/// The caller owns the fds and closes them.
public struct SpawnedChild: Sendable {
    /// The child's pid, which is also its process group id.
    public var pid: Int32
    /// Write end of the child's stdin; -1 when its stdin is an fcgi socket.
    public var stdin: Int32
    /// Read end of the child's stdout (and stderr when redirected); nil when
    /// discarded.
    public var stdout: Int32?
    /// Read end of the child's stderr; nil when `redirectStderr` or discarded.
    public var stderr: Int32?

    public init(pid: Int32, stdin: Int32, stdout: Int32?, stderr: Int32?) {
        self.pid = pid; self.stdin = stdin; self.stdout = stdout; self.stderr = stderr
    }
}

/// A child that could not be started. Nothing is left behind: no fd, no zombie.
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    /// The process name (supervisord's `'x'` in the messages).
    public var program: String
    /// Which step failed: "pipe", "fork", "setpgid", "dup2", "closefds",
    /// "setgroups", "setgid", "setuid", "chdir", "exec", "prepare".
    public var step: String
    /// The errno of that step (0 when the refusal is ours, e.g. non-root setuid).
    public var errno: Int32
    /// supervisord's text for this failure: its spawnerr when it has one
    /// ("too many open files to spawn 'x'"), else the line its child writes
    /// to the stderr log without the `supervisor: ` prefix
    /// ("couldn't chdir to /x: ENOENT", "couldn't exec /bin/x: EACCES").
    public var description: String

    /// True when supervisord would have forked and the child would have failed
    /// (it then writes `supervisor: <description>` and `supervisor: child process
    /// was not spawned` to the stderr log and exits 127). False for failures
    /// supervisord reports as a spawnerr in the parent (pipes, fork).
    public var isChildSideFailure: Bool { step != "pipe" && step != "fork" }

    public init(program: String, step: String, errno: Int32, description: String) {
        self.program = program
        self.step = step
        self.errno = errno
        self.description = description
    }
}

/// Starts children.
public enum Spawner {
    /// Take the spawner's private descriptors (the lowest free ones from 3)
    /// now, while the process holds few: a child copies the descriptors below
    /// them, so the lower they are the cheaper each spawn (see
    /// docs/architecture.md, "Spawning a child"). The first spawn does it
    /// otherwise. Failing is not an error: spawns then copy the whole table.
    public static func prepare() {
        _ = swv_spawn_prepare()
    }

    /// Tests: false makes spawns take the path of a kernel without
    /// close_range(CLOSE_RANGE_UNSHARE) (posix_spawn, or fork for readiness=fd).
    static func useSharedTableClone(_ enabled: Bool) {
        swv_spawn_use_clone(enabled ? 1 : 0)
    }

    /// Start `request` in its own process group, with an empty signal mask,
    /// default signal dispositions, stdio on pipes and no other descriptor.
    /// `programName` is the process name used in error messages.
    public static func spawn(_ request: SpawnRequest, programName: String) throws(SpawnError) -> SpawnedChild {
        var user = request.user
        // supervisord's drop_privileges: asking for our own uid is a no-op, and
        // only root may switch (options.py:1364-1374).
        if let u = user, u.uid == Sys.getuid() { user = nil }
        if let u = user, Sys.getuid() != 0 {
            throw SpawnError(program: programName, step: "setuid", errno: EPERM,
                             description: "couldn't setuid to \(u.uid): Can't drop privilege as nonroot user")
        }

        var owned: [Int32] = []  // every fd we created, closed on failure
        func closeAll() { for fd in owned { Sys.close(fd) } }
        func makePipe() throws(SpawnError) -> (read: Int32, write: Int32) {
            do throws(SystemError) {
                var p = try Sys.pipe()
                owned.append(p.read); owned.append(p.write)
                // Child ends must be >= 3 so that no dup2 onto 0/1/2 clobbers
                // another source, and so dup2 really clears FD_CLOEXEC (dup2(fd, fd)
                // is a no-op). Only happens when the daemon runs with 0/1/2 closed.
                p.read = try lift(p.read)
                p.write = try lift(p.write)
                return p
            } catch {
                throw pipeError(error.errno, programName)
            }
        }
        func lift(_ fd: Int32) throws(SystemError) -> Int32 {
            guard fd < 3 else { return fd }
            let moved = try Sys.dupCloexec(fd, minimum: 3)
            owned.append(moved)
            Sys.close(fd)
            owned.removeAll { $0 == fd }
            return moved
        }

        /// A child output end: a pipe, or /dev/null when nobody reads it.
        func output(discard: Bool) throws(SpawnError) -> (read: Int32?, write: Int32) {
            guard discard else {
                let p = try makePipe()
                return (p.read, p.write)
            }
            do throws(SystemError) {
                let opened = try Sys.open("/dev/null", O_WRONLY | O_CLOEXEC)
                owned.append(opened)
                return (nil, try lift(opened))
            } catch {
                throw pipeError(error.errno, programName)
            }
        }

        var stdinPipe: (read: Int32, write: Int32) = (-1, -1)
        let stdoutEnd: (read: Int32?, write: Int32)
        var stderrEnd: (read: Int32?, write: Int32)? = nil
        do throws(SpawnError) {
            if request.stdinSocket == nil { stdinPipe = try makePipe() }
            stdoutEnd = try output(discard: request.discardStdout)
            if !request.redirectStderr { stderrEnd = try output(discard: request.discardStderr) }
            do throws(SystemError) {
                if stdinPipe.write >= 0 { try Sys.setNonBlocking(stdinPipe.write) }
                if let r = stdoutEnd.read { try Sys.setNonBlocking(r) }
                if let r = stderrEnd?.read { try Sys.setNonBlocking(r) }
            } catch {
                throw pipeError(error.errno, programName)
            }
        } catch {
            closeAll()
            throw error
        }

        var step: Int32 = 0
        var pid: pid_t = 0
        let err: Int32 = withCStrings(request.argv) { argv in
            withCStrings(request.environment) { envp in
                request.executable.withCString { path in
                    withOptionalCString(request.directory) { dir in
                        withOptionalCString(user?.name) { userName in
                            var req = swv_spawn_request()
                            req.path = path
                            req.argv = argv
                            req.envp = envp
                            req.directory = dir
                            req.stdin_fd = request.stdinSocket ?? stdinPipe.read
                            req.stdout_fd = stdoutEnd.write
                            req.stderr_fd = stderrEnd?.write ?? stdoutEnd.write
                            req.use_umask = request.umask == nil ? 0 : 1
                            req.umask = mode_t(request.umask ?? 0)
                            req.use_user = user == nil ? 0 : 1
                            req.uid = user?.uid ?? 0
                            req.gid = user?.gid ?? 0
                            req.user_name = userName
                            req.cgroup_procs_fd = request.cgroupProcsFD ?? -1
                            req.ready_fd_src = request.readyFD?.source ?? -1
                            req.ready_fd_dst = request.readyFD?.target ?? -1
                            return withUnsafeMutablePointer(to: &step) { stepPtr in
                                req.failed_step = stepPtr
                                return swv_spawn(&req, &pid)
                            }
                        }
                    }
                }
            }
        }

        // The child has its copies (or never will): close our child ends either way.
        if stdinPipe.read >= 0 { Sys.close(stdinPipe.read) }
        Sys.close(stdoutEnd.write)
        if let e = stderrEnd { Sys.close(e.write) }
        owned.removeAll { $0 == stdinPipe.read || $0 == stdoutEnd.write || $0 == stderrEnd?.write }

        if err != 0 {
            closeAll()
            throw spawnError(err, step: step, request: request, user: user, programName: programName)
        }
        return SpawnedChild(pid: pid, stdin: stdinPipe.write, stdout: stdoutEnd.read, stderr: stderrEnd?.read)
    }

    private static func pipeError(_ err: Int32, _ programName: String) -> SpawnError {
        let text = err == EMFILE || err == ENFILE
            ? "too many open files to spawn '\(programName)'"
            : "unknown error making dispatchers for '\(programName)': \(Sys.errnoName(err))"
        return SpawnError(program: programName, step: "pipe", errno: err, description: text)
    }

    private static func spawnError(_ err: Int32, step: Int32, request: SpawnRequest, user: ResolvedUser?,
                                   programName: String) -> SpawnError {
        let name = Sys.errnoName(err)
        let argv0 = request.argv.first ?? request.executable
        let uid = user.map { String($0.uid) } ?? ""
        let (stepName, text): (String, String)
        switch UInt32(step) {
        case SWV_STEP_FORK.rawValue:
            stepName = "fork"
            text = err == EAGAIN
                ? "Too many processes in process table to spawn '\(programName)'"
                : "unknown error during fork for '\(programName)': \(name)"
        case SWV_STEP_CHDIR.rawValue:
            stepName = "chdir"
            text = "couldn't chdir to \(request.directory ?? ""): \(name)"
        case SWV_STEP_SETGROUPS.rawValue:
            stepName = "setgroups"
            text = "couldn't setuid to \(uid): Could not set groups of effective user"
        case SWV_STEP_SETGID.rawValue:
            stepName = "setgid"
            text = "couldn't setuid to \(uid): Could not set group id of effective user"
        case SWV_STEP_SETUID.rawValue:
            stepName = "setuid"
            text = "couldn't setuid to \(uid): \(String(cString: strerror(err)))"
        case SWV_STEP_EXEC.rawValue:
            stepName = "exec"
            text = "couldn't exec \(argv0): \(name)"
        case SWV_STEP_SETPGID.rawValue:
            stepName = "setpgid"
            text = "couldn't set the process group of '\(programName)': \(name)"
        case SWV_STEP_DUP2.rawValue:
            stepName = "dup2"
            text = "couldn't set up stdio of '\(programName)': \(name)"
        case SWV_STEP_CGROUP.rawValue:
            stepName = "cgroup"
            text = "couldn't move '\(programName)' into its cgroup: \(name)"
        case SWV_STEP_CLOSEFDS.rawValue:
            stepName = "closefds"
            text = "couldn't close inherited descriptors of '\(programName)': \(name)"
        default:
            stepName = "prepare"
            text = "couldn't prepare to spawn '\(programName)': \(name)"
        }
        return SpawnError(program: programName, step: stepName, errno: err, description: text)
    }
}

/// A NULL-terminated `char *const *` for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    ptrs.append(nil)
    defer { for p in ptrs { free(p) } }
    return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
