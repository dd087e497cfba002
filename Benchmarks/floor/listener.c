// A minimal event listener in C, so that the daemon, not a Python listener,
// bounds the PROCESS_LOG rate bench.py measures: `listener FILE` says READY,
// reads a header line, reads `len` bytes of payload, answers `RESULT 2\nOK`
// and READY again in one write. Every 0.2 s it appends
// "count <events> <payload bytes> <CLOCK_REALTIME s> <payload newlines>" to FILE
// (a PROCESS_LOG payload's first line is its own header: the child's lines
// delivered are the newlines minus the events).
// `len` counts code points; the bench's payloads are ASCII, so that is bytes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 17];
static size_t have, pos;

// The next byte of stdin, or -1 at EOF.
static int next(void) {
    if (pos == have) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n <= 0) return -1;
        have = (size_t)n;
        pos = 0;
    }
    return (unsigned char)buf[pos++];
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    FILE *out = fopen(argv[1], "a");
    if (!out) return 3;
    if (write(1, "READY\n", 6) != 6) return 4;
    unsigned long long count = 0, bytes = 0, newlines = 0;
    double last = 0;
    char line[4096];
    for (;;) {
        size_t n = 0;
        int c;
        while ((c = next()) >= 0 && c != '\n')
            if (n < sizeof line - 1) line[n++] = (char)c;
        if (c < 0) return 0;
        line[n] = 0;
        char *l = strstr(line, "len:");
        long len = l ? strtol(l + 4, NULL, 10) : 0;
        // Skip the payload: whole buffered spans at a time.
        while (len > 0) {
            if (pos == have && next() >= 0) { pos--; }
            if (pos == have) return 0;
            size_t take = have - pos < (size_t)len ? have - pos : (size_t)len;
            for (const char *p = buf + pos, *end = buf + pos + take; (p = memchr(p, '\n', (size_t)(end - p))); p++)
                newlines++;
            pos += take;
            len -= (long)take;
            bytes += take;
        }
        count++;
        double t = now();
        if (t - last > 0.2) {
            fprintf(out, "count %llu %llu %.6f %llu\n", count, bytes, t, newlines);
            fflush(out);
            last = t;
        }
        if (write(1, "RESULT 2\nOKREADY\n", 17) != 17) return 5;
    }
}
