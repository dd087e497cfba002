// CSwiftvisor: the few things Swift cannot call directly on Linux.
// Every symbol is prefixed swv_. Built with _GNU_SOURCE (see Package.swift).
#ifndef CSWIFTVISOR_H
#define CSWIFTVISOR_H

#include <sys/types.h>

/// W* status macros, which are macros and so invisible to Swift.
int swv_wifexited(int status);
int swv_wexitstatus(int status);
int swv_wifsignaled(int status);
int swv_wtermsig(int status);
int swv_wcoredump(int status);

// ---- Spawning, reaping, epoll/signalfd (spawn.c, os.c) ----
// Included so Swift sees epoll_event, signalfd_siginfo, splice and friends,
// which the Glibc module does not export.
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>

/// Which step of starting a child failed (reported back with the errno).
enum swv_spawn_step {
    SWV_STEP_NONE = 0,
    SWV_STEP_FORK = 1,       /// fork()/posix_spawn() itself could not create a process
    SWV_STEP_SETPGID = 2,
    SWV_STEP_DUP2 = 3,
    SWV_STEP_CLOSEFDS = 4,
    SWV_STEP_SETGROUPS = 5,
    SWV_STEP_SETGID = 6,
    SWV_STEP_SETUID = 7,
    SWV_STEP_CHDIR = 8,
    SWV_STEP_EXEC = 9,
    SWV_STEP_PREPARE = 10,   /// parent-side setup (attributes, group list, error pipe)
    SWV_STEP_CGROUP = 11,    /// writing the child into its cgroup.procs
};

/// Everything swv_spawn needs; all fds are the child ends, each >= 3.
struct swv_spawn_request {
    const char *path;            /// resolved executable
    char *const *argv;           /// NULL-terminated
    char *const *envp;           /// NULL-terminated
    const char *directory;       /// NULL: inherit the daemon's cwd
    int stdin_fd, stdout_fd, stderr_fd;  /// dup2'ed onto 0, 1, 2
    int use_umask;
    mode_t umask;
    int use_user;
    uid_t uid;
    gid_t gid;
    const char *user_name;       /// for the supplementary group list
    int cgroup_procs_fd;         /// -1, or an open cgroup.procs the child joins before exec
    int ready_fd_src;            /// -1, or (readiness=fd) the write end of a pipe, != ready_fd_dst,
    int ready_fd_dst;            ///   dup2'ed onto ready_fd_dst (3..1023) and kept open across exec
    int *failed_step;            /// out: an swv_spawn_step when the result is not 0
};

/// Start a child in its own process group with an empty signal mask, default
/// dispositions, stdio on 0/1/2 and no other fd. Returns 0 and the pid, or an
/// errno with *req->failed_step saying which step failed.
int swv_spawn(const struct swv_spawn_request *req, pid_t *pid_out);
/// Set up the spawner's private descriptors (the lowest free ones from 3) and
/// child stack now, while the daemon holds few descriptors; swv_spawn does it
/// on first use otherwise. 0, or -1 when spawns will take the copying path.
int swv_spawn_prepare(void);
/// Tests: 0 makes swv_spawn take the copying path (posix_spawn, or fork for
/// readiness=fd) as on a kernel before 5.9; 1 restores the clone path.
void swv_spawn_use_clone(int enabled);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to us.
int swv_set_child_subreaper(void);
/// prctl(PR_SET_CHILD_SUBREAPER, 0): undo swv_set_child_subreaper (tests).
int swv_unset_child_subreaper(void);
/// pidfd_open(2); -1 with errno on failure.
int swv_pidfd_open(pid_t pid, unsigned int flags);
/// pidfd_send_signal(2); -1 with errno on failure.
int swv_pidfd_send_signal(int pidfd, int sig);
/// "ENOENT" for ENOENT (strerrorname_np); NULL when unknown.
const char *swv_errno_name(int err);
/// pipe2(2) (a _GNU_SOURCE name).
int swv_pipe2(int fds[2], int flags);
/// O_PATH (a _GNU_SOURCE name): a descriptor naming a directory for *at calls.
int swv_o_path(void);
/// fcntl(F_SETPIPE_SZ) (a _GNU_SOURCE name): the pipe's new capacity, or -1 with errno.
int swv_set_pipe_size(int fd, int size);
int swv_get_pipe_size(int fd);
/// splice(2) without offsets (each fd's own position), SPLICE_F_MOVE|SPLICE_F_NONBLOCK.
ssize_t swv_splice(int fd_in, int fd_out, size_t len);
/// malloc_trim(0) (<malloc.h> is not in the Glibc module): freed heap pages back to the kernel.
int swv_malloc_trim(void);


/// Control socket (ctl branch): accept4 and SO_PEERCRED need _GNU_SOURCE.
/// accept4(fd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC); -1 with errno on failure.
int swv_accept_nonblock_cloexec(int fd);
/// SO_PEERCRED of a connected Unix socket; 0 on success, -1 with errno.
int swv_peercred(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/// sd_notify readiness: a SOCK_DGRAM socket (NONBLOCK, CLOEXEC, SO_PASSCRED)
/// bound to the abstract name `name` (`len` bytes, no NUL); -1 with errno.
int swv_notify_socket(const char *name, size_t len);
/// One datagram into buf; *pid is the sender's pid (SCM_CREDENTIALS, 0 when
/// absent). Returns the datagram's full length (larger than len when it was
/// cut), or -1 with errno (EAGAIN: none left). Passed descriptors are closed.
ssize_t swv_notify_recv(int fd, void *buf, size_t len, pid_t *pid);

// ---- The HTTP worker (worker.c) ----
/// Most descriptors one channel message carries (the hand-off passes two).
#define SWV_MAX_PASSED_FDS 4
/// socketpair(AF_UNIX, SOCK_SEQPACKET or SOCK_STREAM | CLOEXEC | NONBLOCK).
int swv_socketpair(int seqpacket, int fds[2]);
/// 1 when fd is a SOCK_SEQPACKET socket, 0 for another socket type, -1 with errno.
int swv_socket_type(int fd);
/// sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL) of one message with nfds descriptors (SCM_RIGHTS).
ssize_t swv_send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds);
/// recvmsg(MSG_DONTWAIT | MSG_CMSG_CLOEXEC) of one message; received
/// descriptors in fds (room for SWV_MAX_PASSED_FDS), *truncated when the
/// data or the descriptors did not fit.
ssize_t swv_recv_with_fds(int sock, void *data, size_t len, int *fds, int *nfds, int *truncated);
/// posix_spawn the worker: /dev/null on 0-2, channel_fd (> 3) on 3, nothing
/// else, its own process group, empty mask, default dispositions. 0 or an errno.
int swv_spawn_worker(const char *path, char *const *argv, char *const *envp, int channel_fd, pid_t *pid_out);
/// setgroups([]), setgid, setuid, and a check that root cannot be regained.
int swv_drop_privileges(uid_t uid, gid_t gid);
/// prctl(PR_SET_NO_NEW_PRIVS, 1).
int swv_set_no_new_privs(void);
/// prctl(PR_SET_PDEATHSIG, sig).
int swv_set_parent_death_signal(int sig);

#endif
