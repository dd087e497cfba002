// Log throughput source: appends "ready <pid>\n" to MARKER, waits 300 ms (so the daemon is idle when the clock
// starts), then writes MIB MiB of numbered 16-byte lines ("%015llu\n") to
// stdout in 64 KiB writes, then appends "blast <t0 ns> <t1 ns>\n"
// (CLOCK_MONOTONIC) to MARKER. The numbering lets the driver check that every
// byte reached the log file, in order.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    long long mib = atoll(argv[2]);
    static char buf[65536];
    char ready[48];
    int rn = snprintf(ready, sizeof ready, "ready %d\n", (int)getpid());
    int rfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (rfd < 0 || write(rfd, ready, rn) != rn) return 3;
    close(rfd);
    struct timespec settle = {0, 300000000};
    nanosleep(&settle, NULL);
    long long t0 = ns();
    unsigned long long line = 0, lines_per_chunk = sizeof buf / 16;
    for (long long chunk = 0; chunk < mib * 16; chunk++) {
        for (unsigned long long i = 0; i < lines_per_chunk; i++, line++) {
            // 15 digits + newline, written by hand (snprintf would dominate).
            unsigned long long v = line;
            char *p = buf + i * 16;
            for (int d = 14; d >= 0; d--) { p[d] = '0' + v % 10; v /= 10; }
            p[15] = '\n';
        }
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t w = write(1, buf + off, sizeof buf - off);
            if (w < 0) { if (errno == EINTR) continue; return 4; }
            off += (size_t)w;
        }
    }
    long long t1 = ns();
    char out[96];
    int n = snprintf(out, sizeof out, "blast %lld %lld\n", t0, t1);
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, out, n) != n) return 3;
    return 0;
}
