// Ordinary log lines as fast as one process can write them: `lines FILE`
// writes 60-byte lines ("line %015llu" padded with dots, then a newline) to
// stdout, one write(2) per line, until killed, and every 0.2 s appends
// "wrote <lines> <CLOCK_REALTIME s>" to FILE. bench.py's `eventsratelines`
// sends them through PROCESS_LOG, where each read of the pipe is one event.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return 3;
    char line[60];
    memset(line, '.', sizeof line);
    memcpy(line, "line ", 5);
    line[59] = '\n';
    unsigned long long n = 0;
    double last = now();
    for (;;) {
        unsigned long long v = n;
        // 15 digits by hand (snprintf would dominate a 60-byte write).
        for (int d = 19; d >= 5; d--) { line[d] = '0' + v % 10; v /= 10; }
        ssize_t w = write(1, line, sizeof line);
        if (w < 0) { if (errno == EINTR) continue; return 4; }
        n++;
        if ((n & 1023) == 0) {
            double t = now();
            if (t - last > 0.2) {
                char out[96];
                int k = snprintf(out, sizeof out, "wrote %llu %.6f\n", n, t);
                if (write(fd, out, k) != k) return 5;
                last = t;
            }
        }
    }
}
