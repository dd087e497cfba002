// A supervised program for the benchmark: on exec it appends one line
// "<pid> <CLOCK_MONOTONIC ns> <CLOCK_REALTIME ns>\n" to FILE (O_APPEND: lines
// from hundreds of processes never interleave), then waits for a signal.
// `marker FILE exit CODE` exits with CODE instead (crash loops).
// Built static so exec costs the same for every daemon and the floor.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long long mono = ns(CLOCK_MONOTONIC), real = ns(CLOCK_REALTIME);
    if (argc < 2) return 2;
    char line[96];
    int n = snprintf(line, sizeof line, "%d %lld %lld\n", (int)getpid(), mono, real);
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, n) != n) return 3;
    close(fd);
    if (argc >= 4 && strcmp(argv[2], "exit") == 0) return atoi(argv[3]);
    for (;;) pause();
}
