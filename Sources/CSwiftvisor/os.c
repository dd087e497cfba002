// _GNU_SOURCE-only calls that Swift's Glibc module does not export.
#ifndef _GNU_SOURCE
#error "CSwiftvisor must be built with _GNU_SOURCE (set in Package.swift cSettings)"
#endif
#include "CSwiftvisor.h"
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

int swv_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int swv_o_path(void) { return O_PATH; }

int swv_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }

int swv_get_pipe_size(int fd) { return fcntl(fd, F_GETPIPE_SZ); }

int swv_malloc_trim(void) { return malloc_trim(0); }

// The flags are fixed here because SPLICE_F_* are _GNU_SOURCE macros, which
// Swift's importer does not see: move pages when possible, never block on the pipe.
ssize_t swv_splice(int fd_in, int fd_out, size_t len) {
    return splice(fd_in, NULL, fd_out, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}
