// Starting a child: a clone that does not copy the daemon's descriptor table
// (spawn_clone.c) when it can; otherwise posix_spawn when it can do everything
// (kernels before 5.9), fork→exec in C when it cannot (user=, umask=:
// posix_spawn has no attribute for either; cgroup=: glibc before 2.41 has no
// posix_spawnattr_setcgroup_np).
// Modelled on skalibs cspawn and swift-subprocess _subprocess_fork_exec.
#ifndef _GNU_SOURCE
#error "CSwiftvisor must be built with _GNU_SOURCE (set in Package.swift cSettings)"
#endif
#include "CSwiftvisor.h"
#include "spawn_internal.h"
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void swv_spawn_set_step(const struct swv_spawn_request *req, int step) {
    if (req->failed_step) *req->failed_step = step;
}

// posix_spawn reports a failed chdir and a failed exec the same way: one errno.
// Tell them apart after the fact: if the directory cannot be entered now, the
// chdir is what failed. (A directory that changes in between is misreported
// as an exec failure, which is still an honest errno.)
static int directory_is_enterable(const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) return 0;
    return access(dir, X_OK) == 0;
}

/// Set `sig`'s bit in `set` without glibc's check that refuses its internal
/// signals: the kernel's sigset layout, bit sig-1 of an array of longs.
static void add_raw_signal(sigset_t *set, int sig) {
    unsigned long *words = (unsigned long *)(void *)set;
    const unsigned bits = 8 * sizeof(unsigned long);
    words[(unsigned)(sig - 1) / bits] |= 1UL << ((unsigned)(sig - 1) % bits);
}

static int spawn_fast(const struct swv_spawn_request *req, pid_t *pid_out) {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    int err;
    swv_spawn_set_step(req, SWV_STEP_PREPARE);
    if ((err = posix_spawnattr_init(&attr)) != 0) return err;
    if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
        posix_spawnattr_destroy(&attr);
        return err;
    }
    sigset_t empty, all;
    sigemptyset(&empty);
    // Every catchable signal back to SIG_DFL: our children must not inherit
    // our SIG_IGN for SIGPIPE (ignored dispositions survive exec).
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    // sigfillset/sigaddset leave out glibc's internal signals 32 and 33, and
    // posix_spawn's child sets a signal missing from the set to SIG_IGN
    // (glibc 2.36 sysdeps/unix/sysv/linux/spawni.c), so the child would start
    // with 32/33 ignored. Their bits set directly make it reset them too.
    add_raw_signal(&all, 32);
    add_raw_signal(&all, 33);
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if ((err = posix_spawnattr_setflags(&attr, flags)) != 0) goto out;
    // pgid 0: the child leads a new group (supervisord's setpgrp()), so a
    // Ctrl-C on the daemon's terminal does not reach it.
    if ((err = posix_spawnattr_setpgroup(&attr, 0)) != 0) goto out;
    if ((err = posix_spawnattr_setsigmask(&attr, &empty)) != 0) goto out;
    if ((err = posix_spawnattr_setsigdefault(&attr, &all)) != 0) goto out;
    // Sources are >= 3 (the Swift side guarantees it), so the dup2s cannot
    // clobber one another, and dup2 clears FD_CLOEXEC on 0/1/2.
    if ((err = posix_spawn_file_actions_adddup2(&fa, req->stdin_fd, 0)) != 0) goto out;
    if ((err = posix_spawn_file_actions_adddup2(&fa, req->stdout_fd, 1)) != 0) goto out;
    if ((err = posix_spawn_file_actions_adddup2(&fa, req->stderr_fd, 2)) != 0) goto out;
    // Belt and braces over O_CLOEXEC: an fd opened without it by a library
    // must not leak into children (supervisord closes 3..minfds).
    if ((err = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0) goto out;
    if (req->directory && (err = posix_spawn_file_actions_addchdir_np(&fa, req->directory)) != 0) goto out;

    swv_spawn_set_step(req, SWV_STEP_EXEC);
    err = posix_spawn(pid_out, req->path, &fa, &attr, req->argv, req->envp);
    if (err != 0) {
        if (err == EAGAIN || err == ENOMEM) swv_spawn_set_step(req, SWV_STEP_FORK);
        else if (req->directory && !directory_is_enterable(req->directory)) swv_spawn_set_step(req, SWV_STEP_CHDIR);
    }
out:
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return err;
}

struct child_failure { int step; int err; };

// Only async-signal-safe calls after fork: the daemon may have other threads
// (Dispatch), and their locks are frozen in the child.
static void child_fail(int fd, int step, int err) {
    struct child_failure f = { step, err };
    ssize_t n;
    do { n = write(fd, &f, sizeof f); } while (n < 0 && errno == EINTR);
    _exit(127);
}

// readiness=fd: every descriptor from 3 but `ready` and `keep` is closed.
static void close_from_except2(int ready, int keep) {
    int lo = ready < keep ? ready : keep, hi = ready < keep ? keep : ready;
    for (int fd = 3; fd < lo; fd++) close(fd);
    for (int fd = lo + 1; fd < hi; fd++) close(fd);
    if (syscall(SYS_close_range, (unsigned)(hi + 1), ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536) max = 65536;
        for (int fd = hi + 1; fd < max; fd++) close(fd);
    }
}

static void close_from_except(int first, int keep) {
    // close_range(2) needs Linux 5.9; the loop is the fallback.
    if (keep > first) {
        if (syscall(SYS_close_range, (unsigned)first, (unsigned)(keep - 1), 0) != 0)
            for (int fd = first; fd < keep; fd++) close(fd);
    }
    if (syscall(SYS_close_range, (unsigned)(keep + 1), ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536) max = 65536;
        for (int fd = keep + 1; fd < max; fd++) close(fd);
    }
}

static void child_path(const struct swv_spawn_request *req, int errfd,
                       const gid_t *groups, int ngroups) {
    // Default dispositions before unblocking, so no daemon handler ever runs here.
    // The raw syscall, because glibc's sigaction() refuses its internal signals
    // (32, 33), and an ignored disposition would survive execve.
    struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } dfl;
    memset(&dfl, 0, sizeof dfl);  // SIG_DFL is 0; all-zero is valid on every layout
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(unsigned long));
    }
    sigset_t empty;
    sigemptyset(&empty);
    (void)sigprocmask(SIG_SETMASK, &empty, NULL);

    // cgroup=true: join the program's cgroup before anything of the program
    // runs. Done here, in the child before exec, it is atomic for the
    // program: it cannot have forked yet, so no descendant starts outside.
    // (Moving the pid from the parent after posix_spawn races with the
    // program's first fork; clone3 with CLONE_INTO_CGROUP needs Linux 5.7 and
    // bypasses glibc's fork bookkeeping.) Before setuid, while we may still
    // write the daemon's cgroup files. "0" means the writing process.
    if (req->cgroup_procs_fd >= 0) {
        ssize_t n;
        do { n = write(req->cgroup_procs_fd, "0", 1); } while (n < 0 && errno == EINTR);
        if (n != 1) child_fail(errfd, SWV_STEP_CGROUP, n < 0 ? errno : EIO);
    }
    if (setpgid(0, 0) != 0) child_fail(errfd, SWV_STEP_SETPGID, errno);
    if (dup2(req->stdin_fd, 0) < 0) child_fail(errfd, SWV_STEP_DUP2, errno);
    if (dup2(req->stdout_fd, 1) < 0) child_fail(errfd, SWV_STEP_DUP2, errno);
    if (dup2(req->stderr_fd, 2) < 0) child_fail(errfd, SWV_STEP_DUP2, errno);
    if (req->ready_fd_src >= 0) {
        // The error pipe must not sit on the descriptor the program expects.
        if (errfd == req->ready_fd_dst) {
            int moved = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
            if (moved < 0) _exit(127);
            errfd = moved;
        }
        // src != dst (the Swift side guarantees it), so dup2 clears FD_CLOEXEC.
        if (dup2(req->ready_fd_src, req->ready_fd_dst) < 0) child_fail(errfd, SWV_STEP_DUP2, errno);
        close_from_except2(req->ready_fd_dst, errfd);
    } else {
        close_from_except(3, errfd);
    }
    if (req->use_user) {
        // Order matters: setgroups and setgid need CAP_SETGID, which setuid drops.
        if (setgroups((size_t)ngroups, groups) != 0) child_fail(errfd, SWV_STEP_SETGROUPS, errno);
        if (setgid(req->gid) != 0) child_fail(errfd, SWV_STEP_SETGID, errno);
        if (setuid(req->uid) != 0) child_fail(errfd, SWV_STEP_SETUID, errno);
    }
    if (req->use_umask) umask(req->umask);
    // After setuid, as supervisord does: the directory is entered as the user.
    if (req->directory && chdir(req->directory) != 0) child_fail(errfd, SWV_STEP_CHDIR, errno);
    execve(req->path, req->argv, req->envp);
    child_fail(errfd, SWV_STEP_EXEC, errno);
}

static int spawn_fork(const struct swv_spawn_request *req, pid_t *pid_out) {
    swv_spawn_set_step(req, SWV_STEP_PREPARE);
    // The group list is computed here, in the parent: getgrouplist uses NSS and
    // malloc, which are not safe between fork and exec.
    gid_t stackgroups[256];
    gid_t *groups = stackgroups;
    int ngroups = 256;
    if (req->use_user) {
        // The primary gid first, as supervisord's drop_privileges does.
        if (getgrouplist(req->user_name, req->gid, groups, &ngroups) < 0) {
            groups = malloc(sizeof(gid_t) * (size_t)ngroups);
            if (!groups) return ENOMEM;
            if (getgrouplist(req->user_name, req->gid, groups, &ngroups) < 0) {
                free(groups);
                return EINVAL;
            }
        }
    } else {
        ngroups = 0;
    }

    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        int err = errno;
        if (groups != stackgroups) free(groups);
        return err;
    }
    sigset_t all, old;
    sigfillset(&all);
    // Block everything across fork: a signal arriving in the child before the
    // dispositions are reset would run the daemon's handler in the child.
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        close(errpipe[0]);
        child_path(req, errpipe[1], groups, ngroups);
    }
    int forkerr = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (groups != stackgroups) free(groups);
    close(errpipe[1]);
    if (pid < 0) {
        close(errpipe[0]);
        swv_spawn_set_step(req, SWV_STEP_FORK);
        return forkerr;
    }
    struct child_failure f;
    ssize_t n;
    do { n = read(errpipe[0], &f, sizeof f); } while (n < 0 && errno == EINTR);
    close(errpipe[0]);
    if (n == 0) {  // EOF: CLOEXEC closed the pipe, so execve succeeded.
        *pid_out = pid;
        swv_spawn_set_step(req, SWV_STEP_NONE);
        return 0;
    }
    // The child failed before exec and is exiting with 127: reap it here, so
    // the daemon's reaper never sees a pid it was not told about.
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof f) {  // cannot happen with a 8-byte pipe write
        swv_spawn_set_step(req, SWV_STEP_EXEC);
        return EIO;
    }
    swv_spawn_set_step(req, f.step);
    return f.err;
}

int swv_spawn(const struct swv_spawn_request *req, pid_t *pid_out) {
    swv_spawn_set_step(req, SWV_STEP_NONE);
    if (req->use_user || req->use_umask || req->cgroup_procs_fd >= 0) return spawn_fork(req, pid_out);
    // The common case: a cost independent of the descriptors the daemon holds.
    int err = swv_spawn_clone(req, pid_out);
    if (err != SWV_SPAWN_CLONE_UNAVAILABLE) return err;
    swv_spawn_set_step(req, SWV_STEP_NONE);
    // posix_spawn cannot keep one descriptor above 2 while closing the rest:
    // readiness=fd takes the fork path too.
    if (req->ready_fd_src >= 0) return spawn_fork(req, pid_out);
    return spawn_fast(req, pid_out);
}

int swv_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
}

int swv_unset_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 0UL, 0UL, 0UL, 0UL);
}

int swv_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

int swv_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

const char *swv_errno_name(int err) {
    return strerrorname_np(err);
}
