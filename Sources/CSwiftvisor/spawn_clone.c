// Starting a child without copying the daemon's descriptor table.
//
// fork() and glibc's posix_spawn give the child a copy of every descriptor the
// daemon holds (at least one stdin pipe per running child), which it then
// closes: each spawn costs O(descriptors held), so starting 10,000 programs
// costs O(n²) (docs/benchmarks.md, "Scale"). Here the child shares the table
// (CLONE_FILES) and, as its first act, leaves it with
// close_range(first, ~0U, CLOSE_RANGE_UNSHARE) (Linux >= 5.9), which gives it
// a private copy of the descriptors below `first` only. The parent has put the
// child's stdio sources on reserved slots below `first` beforehand, so the
// child's cost no longer depends on how many descriptors the daemon holds.
//
// The child also shares the daemon's memory (CLONE_VM) and the parent waits
// until it has exec'd or exited (CLONE_VFORK), as glibc's posix_spawn does
// (sysdeps/unix/sysv/linux/spawni.c). So the child: runs on a stack of its
// own; calls only async-signal-safe functions (no malloc, no locks: other
// daemon threads' locks may be held); writes errno, which is the suspended
// parent thread's (same TLS), and reads it back at once; never calls glibc's
// setuid/setgid family (glibc broadcasts those to every thread of the
// process, which would be the daemon's); and reports a failure through a
// struct in the shared memory, which the parent reads after clone returns.
#ifndef _GNU_SOURCE
#error "CSwiftvisor must be built with _GNU_SOURCE (set in Package.swift cSettings)"
#endif
#include "CSwiftvisor.h"
#include "spawn_internal.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)  // linux/close_range.h, Linux 5.9
#endif

enum { SLOT_STDIN, SLOT_STDOUT, SLOT_STDERR, SLOT_READY, SLOT_COUNT };
enum { CHILD_STACK_SIZE = 64 * 1024 };

// Everything below is guarded by `lock`: one clone spawn at a time, so the
// slots and the stack are never used by two spawns at once.
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
// 0: not prepared yet; 1: ready; -1: this kernel cannot (no CLOSE_RANGE_UNSHARE)
// or the preparation failed; 2: disabled by swv_spawn_use_clone (tests).
static int state;
// Descriptors private to the spawner, all O_CLOEXEC, always open (on
// /dev/null between spawns) so no other thread's open() can take their
// numbers: a dup3 onto a slot then never replaces someone else's descriptor.
static int slots[SLOT_COUNT] = { -1, -1, -1, -1 };
static int devnull = -1;
static int first_unshared;  // every slot is below it
static char *stack_base;    // guard page, then CHILD_STACK_SIZE bytes

struct clone_job {
    const struct swv_spawn_request *req;
    // Written by the child before it exits (never when exec succeeds); read
    // by the parent once clone has returned, when the child can no longer run
    // (CLONE_VFORK).
    int failed_step;
    int failed_errno;
    int unshare_unsupported;
};

static int prepare_locked(void) {
    if (state != 0) return state == 1 ? 0 : -1;
    state = -1;
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul < 0) return -1;
    // Slots are taken as the lowest free descriptors from 3, so the child's
    // private copy (everything below first_unshared) stays small: call
    // swv_spawn_prepare early, while the daemon holds few descriptors.
    int got[SLOT_COUNT];
    for (int i = 0; i < SLOT_COUNT; i++) {
        got[i] = fcntl(nul, F_DUPFD_CLOEXEC, 3);
        if (got[i] < 0) {
            for (int j = 0; j < i; j++) close(got[j]);
            close(nul);
            return -1;
        }
    }
    void *mem = mmap(NULL, CHILD_STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mem == MAP_FAILED) {
        for (int i = 0; i < SLOT_COUNT; i++) close(got[i]);
        close(nul);
        return -1;
    }
    // The lowest page catches a stack overflow in the child (stacks grow down).
    (void)mprotect(mem, 4096, PROT_NONE);
    stack_base = mem;
    int top = nul;
    for (int i = 0; i < SLOT_COUNT; i++) {
        slots[i] = got[i];
        if (got[i] > top) top = got[i];
    }
    devnull = nul;
    // devnull below first_unshared too, though the child closes it: the
    // bound only has to cover the slots.
    first_unshared = top + 1;
    state = 1;
    return 0;
}

int swv_spawn_prepare(void) {
    pthread_mutex_lock(&lock);
    int r = prepare_locked();
    pthread_mutex_unlock(&lock);
    return r;
}

void swv_spawn_use_clone(int enabled) {
    pthread_mutex_lock(&lock);
    (void)prepare_locked();
    if (!enabled && state == 1) state = 2;
    else if (enabled && state == 2) state = 1;
    pthread_mutex_unlock(&lock);
}

static void fail(struct clone_job *job, int step, int err) {
    job->failed_step = step;
    job->failed_errno = err ? err : EIO;
    _exit(127);
}

/// The kernel's sigaction layout for rt_sigaction (not glibc's struct).
struct kernel_sigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };

static int child(void *arg) {
    struct clone_job *job = arg;
    const struct swv_spawn_request *req = job->req;
    // Still on the daemon's descriptor table: touch nothing before leaving it.
    if (syscall(SYS_close_range, (unsigned)first_unshared, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
        int err = errno;
        // EINVAL: a kernel before 5.9 that knows close_range without this
        // flag; ENOSYS: one without close_range. The parent falls back.
        if (err == EINVAL || err == ENOSYS) job->unshare_unsupported = 1;
        fail(job, SWV_STEP_CLOSEFDS, err);
    }
    // Default dispositions before unblocking, so no daemon handler ever runs
    // here. Without CLONE_SIGHAND the child has its own copy of the handler
    // table, so this does not touch the daemon's. The raw syscall, because
    // glibc's sigaction() refuses its internal signals (32, 33), and an
    // ignored disposition would survive execve.
    struct kernel_sigaction dfl;
    memset(&dfl, 0, sizeof dfl);  // SIG_DFL is 0; all-zero is valid on every layout
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(unsigned long));
    }
    unsigned long empty = 0;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof empty);

    // pgid 0: the child leads a new group (supervisord's setpgrp()).
    if (setpgid(0, 0) != 0) fail(job, SWV_STEP_SETPGID, errno);
    // Slots are >= 3, so these cannot clobber one another; dup3 onto a
    // different number clears FD_CLOEXEC on 0/1/2.
    if (dup3(slots[SLOT_STDIN], 0, 0) < 0) fail(job, SWV_STEP_DUP2, errno);
    if (dup3(slots[SLOT_STDOUT], 1, 0) < 0) fail(job, SWV_STEP_DUP2, errno);
    if (dup3(slots[SLOT_STDERR], 2, 0) < 0) fail(job, SWV_STEP_DUP2, errno);
    // Everything from 3 goes (the slots, and whatever the daemon held below
    // first_unshared), but readiness=fd's one descriptor.
    if (req->ready_fd_src >= 0) {
        int dst = req->ready_fd_dst, src = slots[SLOT_READY];
        if (dst == src) {
            // dup3 refuses src == dst; the slot is O_CLOEXEC, so clear it.
            if (fcntl(dst, F_SETFD, 0) != 0) fail(job, SWV_STEP_DUP2, errno);
        } else if (dup3(src, dst, 0) < 0) {
            fail(job, SWV_STEP_DUP2, errno);
        }
        if (dst > 3 && syscall(SYS_close_range, 3U, (unsigned)(dst - 1), 0U) != 0)
            fail(job, SWV_STEP_CLOSEFDS, errno);
        if (syscall(SYS_close_range, (unsigned)(dst + 1), ~0U, 0U) != 0)
            fail(job, SWV_STEP_CLOSEFDS, errno);
    } else if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        fail(job, SWV_STEP_CLOSEFDS, errno);
    }
    if (req->directory && chdir(req->directory) != 0) fail(job, SWV_STEP_CHDIR, errno);
    execve(req->path, req->argv, req->envp);
    fail(job, SWV_STEP_EXEC, errno);
    return 127;
}

/// Put every slot back on /dev/null: no pipe end of the child may stay in the
/// daemon, or its reader would never see EOF.
static void clear_slots(int used) {
    for (int i = 0; i < used; i++) (void)dup3(devnull, slots[i], O_CLOEXEC);
}

int swv_spawn_clone(const struct swv_spawn_request *req, pid_t *pid_out) {
    pthread_mutex_lock(&lock);
    if (prepare_locked() != 0) {
        pthread_mutex_unlock(&lock);
        return SWV_SPAWN_CLONE_UNAVAILABLE;
    }
    swv_spawn_set_step(req, SWV_STEP_PREPARE);
    // O_CLOEXEC on the slots: a program the daemon starts another way (the
    // HTTP worker) must not inherit them either.
    int srcs[SLOT_COUNT] = { req->stdin_fd, req->stdout_fd, req->stderr_fd, req->ready_fd_src };
    // Without readiness=fd the last slot stays on /dev/null.
    int used = req->ready_fd_src >= 0 ? SLOT_COUNT : SLOT_READY;
    for (int i = 0; i < used; i++) {
        if (dup3(srcs[i], slots[i], O_CLOEXEC) < 0) {
            int err = errno;
            clear_slots(used);
            pthread_mutex_unlock(&lock);
            return err;
        }
    }
    struct clone_job job = { .req = req };
    // Block every signal, glibc's internal ones too (the raw syscall:
    // pthread_sigmask leaves 32 and 33 out), across the clone: until the
    // child has reset its dispositions, a signal delivered to it would run a
    // daemon handler on the child's stack. glibc's posix_spawn does the same.
    unsigned long all = ~0UL, old = 0;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
    swv_spawn_set_step(req, SWV_STEP_EXEC);
    pid_t pid = clone(child, stack_base + 4096 + CHILD_STACK_SIZE,
                      CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &job);
    int clone_err = errno;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
    clear_slots(used);
    if (pid < 0) {
        pthread_mutex_unlock(&lock);
        swv_spawn_set_step(req, SWV_STEP_FORK);
        return clone_err;
    }
    if (job.failed_step == 0) {
        pthread_mutex_unlock(&lock);
        swv_spawn_set_step(req, SWV_STEP_NONE);
        *pid_out = pid;
        return 0;
    }
    // The child failed before exec and has exited with 127: reap it here, so
    // the daemon's reaper never sees a pid it was not told about.
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (job.unshare_unsupported) {
        state = -1;  // for good: every later spawn takes the copying path
        pthread_mutex_unlock(&lock);
        return SWV_SPAWN_CLONE_UNAVAILABLE;
    }
    pthread_mutex_unlock(&lock);
    swv_spawn_set_step(req, job.failed_step);
    return job.failed_errno;
}
