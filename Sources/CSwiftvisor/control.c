// Control socket helpers that need _GNU_SOURCE names (accept4, struct ucred).
#ifndef _GNU_SOURCE
#error "CSwiftvisor must be built with _GNU_SOURCE (see Package.swift cSettings)"
#endif
#include <sys/socket.h>
#include "CSwiftvisor.h"

int swv_accept_nonblock_cloexec(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int swv_peercred(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}
