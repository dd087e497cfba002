// The floor for child logging: `relay OUTFILE PROG ARGS...` runs PROG with its
// stdout on a pipe and copies the pipe into OUTFILE with read/write (64 KiB),
// the way `PROG | cat > OUTFILE` would, until EOF. At exit it prints its own
// CPU time ("relay-cpu <seconds>") to stderr: wait4's rusage would include
// PROG's, which it reaps.
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int p[2];
    if (out < 0 || pipe(p) != 0) return 3;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    pid_t pid;
    if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) return 4;
    close(p[1]);
    static char buf[65536];
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) { if (errno == EINTR) continue; return 5; }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) { if (errno == EINTR) continue; return 6; }
            off += w;
        }
    }
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    fprintf(stderr, "relay-cpu %.6f\n", cpu.tv_sec + cpu.tv_nsec / 1e9);
    waitpid(pid, NULL, 0);
    return 0;
}
