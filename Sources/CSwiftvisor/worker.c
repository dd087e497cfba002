// The HTTP worker's plumbing (docs/architecture.md, "The HTTP worker"): the
// SEQPACKET channel between the core and the worker, descriptor passing with
// SCM_RIGHTS (CMSG_* are macros Swift cannot see), the worker's spawn with the
// channel on fd 3, and the worker's own privilege drop.
#ifndef _GNU_SOURCE
#error "CSwiftvisor must be built with _GNU_SOURCE (set in Package.swift cSettings)"
#endif
#include "CSwiftvisor.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

int swv_socketpair(int seqpacket, int fds[2]) {
    int type = (seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK;
    return socketpair(AF_UNIX, type, 0, fds);
}

int swv_socket_type(int fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return -1;
    return type == SOCK_SEQPACKET ? 1 : 0;
}

ssize_t swv_send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds) {
    struct iovec iov = { (void *)data, len };
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    union { char buf[CMSG_SPACE(sizeof(int) * SWV_MAX_PASSED_FDS)]; struct cmsghdr align; } control;
    if (nfds < 0 || nfds > SWV_MAX_PASSED_FDS) { errno = EINVAL; return -1; }
    if (nfds > 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

ssize_t swv_recv_with_fds(int sock, void *data, size_t len, int *fds, int *nfds, int *truncated) {
    struct iovec iov = { data, len };
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    union { char buf[CMSG_SPACE(sizeof(int) * SWV_MAX_PASSED_FDS)]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    *nfds = 0;
    *truncated = 0;
    // MSG_CMSG_CLOEXEC: a received descriptor never leaks into anything we exec.
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *passed = (int *)(void *)CMSG_DATA(c);
        for (size_t i = 0; i < count; i++) {
            // Every descriptor is handed back, even past the caller's room, so
            // the caller can close what it does not want: nothing leaks.
            if (*nfds < SWV_MAX_PASSED_FDS) fds[(*nfds)++] = passed[i];
            else close(passed[i]);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) *truncated = 1;
    return n;
}

int swv_spawn_worker(const char *path, char *const *argv, char *const *envp, int channel_fd, pid_t *pid_out) {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    int err;
    if (channel_fd <= 3) return EINVAL;  // the caller lifts it: dup2 onto itself would keep CLOEXEC
    if ((err = posix_spawnattr_init(&attr)) != 0) return err;
    if ((err = posix_spawn_file_actions_init(&fa)) != 0) { posix_spawnattr_destroy(&attr); return err; }
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if ((err = posix_spawnattr_setflags(&attr, flags)) != 0) goto out;
    // Its own process group: a Ctrl-C on the daemon's terminal is the
    // daemon's to handle (an orderly shutdown stops the worker last).
    if ((err = posix_spawnattr_setpgroup(&attr, 0)) != 0) goto out;
    if ((err = posix_spawnattr_setsigmask(&attr, &empty)) != 0) goto out;
    if ((err = posix_spawnattr_setsigdefault(&attr, &all)) != 0) goto out;
    if ((err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0) goto out;
    if ((err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)) != 0) goto out;
    if ((err = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)) != 0) goto out;
    if ((err = posix_spawn_file_actions_adddup2(&fa, channel_fd, 3)) != 0) goto out;
    if ((err = posix_spawn_file_actions_addclosefrom_np(&fa, 4)) != 0) goto out;
    err = posix_spawn(pid_out, path, &fa, &attr, argv, envp);
out:
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return err;
}

int swv_drop_privileges(uid_t uid, gid_t gid) {
    // setgroups, then setgid, then setuid: setuid gives up the right to the others.
    if (setgroups(0, NULL) != 0) return -1;
    if (setgid(gid) != 0) return -1;
    if (setuid(uid) != 0) return -1;
    // A process that dropped from root must not be able to get it back.
    if (uid != 0 && setuid(0) == 0) { errno = EPERM; return -1; }
    return 0;
}

int swv_set_no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL);
}

int swv_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL, 0UL);
}
