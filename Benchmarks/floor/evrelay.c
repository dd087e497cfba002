// The event protocol's floor: the most PROCESS_LOG events per second one
// listener can take when nothing but the exchange itself costs anything.
// `evrelay LISTENER DATA_BYTES SECONDS` starts LISTENER (floor/listener.c,
// given /dev/null as its count file) on two pipes, its stdin pipe grown to
// 1 MiB as swiftvisord grows it, then for SECONDS sends one PROCESS_LOG
// envelope (supervisord's header and payload header, DATA_BYTES of 'x') each
// time the listener says READY, exactly as a daemon must: one event in
// flight. No child to read, no log to write, no event loop: a daemon doing
// the same exchange cannot go faster. Prints "<events/s> <payload MiB/s>".
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

// Read until the bytes seen end with "READY\n" (the listener's answer may
// arrive in pieces).
static int await_ready(int fd) {
    char buf[256];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r <= 0) return -1;
        have += (size_t)r;
        if (have >= 6 && memcmp(buf + have - 6, "READY\n", 6) == 0) return 0;
        if (have == sizeof buf) {  // keep the tail only
            memmove(buf, buf + have - 8, 8);
            have = 8;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: evrelay LISTENER DATA_BYTES SECONDS\n"); return 2; }
    long data = strtol(argv[2], NULL, 10);
    double seconds = strtod(argv[3], NULL);
    if (data < 0 || data > (1L << 24) || seconds <= 0) return 2;
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) return 3;
    (void)fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execl(argv[1], argv[1], "/dev/null", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    signal(SIGPIPE, SIG_IGN);
    const char *phead = "processname:flood groupname:flood pid:4242 channel:stdout\n";
    size_t plen = strlen(phead) + (size_t)data;
    char head[256];
    char *payload = malloc(plen);  // built once: a daemon has the bytes already
    if (!payload) return 3;
    memcpy(payload, phead, strlen(phead));
    memset(payload + strlen(phead), 'x', (size_t)data);
    if (await_ready(out[0])) return 4;
    unsigned long long events = 0, bytes = 0;
    double t0 = now(), t = t0;
    while (t - t0 < seconds) {
        int h = snprintf(head, sizeof head, "ver:3.0 server:supervisor serial:%llu pool:bench poolserial:%llu "
                         "eventname:PROCESS_LOG_STDOUT len:%zu\n", events, events, plen);
        // One write of header and payload (the pipe holds 1 MiB), then the rest if short.
        struct iovec iov[2] = { { head, (size_t)h }, { payload, plen } };
        ssize_t w = writev(in[1], iov, 2);
        if (w < 0) return 5;
        if ((size_t)w < (size_t)h) {
            if (write_all(in[1], head + w, (size_t)h - (size_t)w) || write_all(in[1], payload, plen)) return 5;
        } else if (write_all(in[1], payload + ((size_t)w - (size_t)h), plen - ((size_t)w - (size_t)h))) {
            return 5;
        }
        if (await_ready(out[0])) return 6;
        events++;
        bytes += plen;
        t = now();
    }
    close(in[1]);
    int status;
    waitpid(pid, &status, 0);
    printf("%.1f %.1f\n", events / (t - t0), bytes / (t - t0) / (1024.0 * 1024.0));
    return 0;
}
