// The full path's floor for bench.py's eventsratec/eventsratelines: the whole
// job a daemon has there, in plain C with nothing extra.
// `evflood LISTENER LISTENER_FILE LOG STATS -- CHILD ARGS...` starts LISTENER
// (floor/listener.c, given LISTENER_FILE) on two pipes, its stdin pipe grown
// to 1 MiB as swiftvisord grows it, and CHILD with its stdout on a pipe of
// the kernel's 64 KiB (stdin and stderr /dev/null), then runs one
// level-triggered epoll loop until SIGTERM:
//  - the child's pipe readable: one read of up to 64 KiB (the daemon's
//    buffer) straight into a free event slot; every byte appended to LOG
//    (truncated at 50 MB, the scenario's stdout_logfile_maxbytes with no
//    backups); the read becomes one PROCESS_LOG_STDOUT event at the tail of a
//    FIFO of at most 100 (buffer_size), the oldest dropped when it is full;
//    one read per round, as supervisord's one read per channel per loop;
//  - the listener's stdout readable: `RESULT N\n`, N bytes of body, then
//    `READY\n`, parsed as they come, in any pieces;
//  - the listener READY and the FIFO not empty: the oldest event goes out as
//    supervisord's envelope (header with serial, poolserial and `len` counted
//    in code points, then `processname:... groupname:... pid:... channel:stdout\n`
//    and the bytes as read) in one writev: one event in flight.
// A slot is a read buffer, so nothing is copied but into the log and the
// listener's pipe, and the envelope is built only for the events sent.
// With LISTENER `-` there is no listener and no event: the child's pipe into
// LOG alone, the most chunks per second this child and log allow (LOG
// /dev/null: the child and its pipe alone). Built with -DREADS_PER_ROUND=8 it
// reads up to 8 times per round while reads fill the buffer, as swiftvisord.
// Every 0.2 s appends "flood <bytes read> <reads> <dropped> <sent> <CLOCK_REALTIME s>"
// to STATS. At SIGTERM: SIGTERM to both children, reap them, exit.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define BUFFER_SIZE 100           // the pool's buffer_size
#define SLOTS (BUFFER_SIZE + 2)   // the FIFO, the event in flight, the next read
#define LOG_MAX (50L * 1000 * 1000)
#ifndef READS_PER_ROUND
#define READS_PER_ROUND 1  // reads of the child's pipe per loop round, while they fill the buffer
#endif

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

// `len` counts code points: every byte but UTF-8 continuation bytes
// (10xxxxxx), eight at a time.
static size_t code_points(const char *p, size_t n) {
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        unsigned long long x;
        memcpy(&x, p + i, 8);
        unsigned long long y = (x & ~(x << 1) & 0x8080808080808080ULL) >> 7;  // 1 per continuation byte
        cont += (size_t)((y * 0x0101010101010101ULL) >> 56);  // their sum (at most 8) in the top byte
    }
    for (; i < n; i++) cont += ((unsigned char)p[i] & 0xC0) == 0x80;
    return n - cont;
}

static char *slot[SLOTS];
static size_t used[SLOTS];
static int fifo[BUFFER_SIZE], head, count;  // indices into slot
static int free_slots[SLOTS], nfree;

int main(int argc, char **argv) {
    if (argc < 7 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: evflood LISTENER LISTENER_FILE LOG STATS -- CHILD ARGS...\n");
        return 2;
    }
    for (int i = 0; i < SLOTS; i++) {
        if (!(slot[i] = malloc(CHUNK))) return 3;
        free_slots[nfree++] = i;
    }
    int logfd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int statsfd = open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (logfd < 0 || statsfd < 0 || devnull < 0) return 3;
    int lin[2], lout[2], cout[2];
    if (pipe2(lin, O_CLOEXEC) || pipe2(lout, O_CLOEXEC) || pipe2(cout, O_CLOEXEC)) return 3;
    (void)fcntl(lin[1], F_SETPIPE_SZ, 1 << 20);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {0};
    sa.sa_handler = on_term;  // no SA_RESTART: epoll_wait returns EINTR
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int subscribed = strcmp(argv[1], "-") != 0;
    pid_t listener = subscribed ? fork() : -1;
    if (subscribed && listener < 0) return 3;
    if (listener == 0) {
        dup2(lin[0], 0);
        dup2(lout[1], 1);
        dup2(devnull, 2);
        execl(argv[1], argv[1], argv[2], (char *)NULL);
        _exit(127);
    }
    pid_t child = fork();
    if (child < 0) return 3;
    if (child == 0) {
        dup2(devnull, 0);
        dup2(cout[1], 1);
        dup2(devnull, 2);
        execv(argv[6], argv + 6);
        _exit(127);
    }
    close(lin[0]);
    close(lout[1]);
    close(cout[1]);
    fcntl(lout[0], F_SETFL, O_NONBLOCK);
    fcntl(cout[0], F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN };
    ev.data.fd = lout[0];
    if (subscribed) epoll_ctl(ep, EPOLL_CTL_ADD, lout[0], &ev);
    ev.data.fd = cout[0];
    epoll_ctl(ep, EPOLL_CTL_ADD, cout[0], &ev);

    char phead[128];
    int plen = snprintf(phead, sizeof phead, "processname:flood groupname:flood pid:%d channel:stdout\n", (int)child);
    // Listener state: waiting for READY (ACKNOWLEDGED), READY, or BUSY with
    // the event in `inflight` (given back to the head if it is rejected).
    enum { ACK, READY, BUSY } state = ACK;
    int inflight = -1;
    char rbuf[512];
    size_t rhave = 0;
    long body = -1;  // BUSY: the result body's length once its line is read
    unsigned long long serial = 0, bytes = 0, reads = 0, dropped = 0, sent = 0;
    struct stat st;
    if (fstat(logfd, &st)) return 3;
    long logsize = S_ISREG(st.st_mode) ? st.st_size : 0;
    long logmax = S_ISREG(st.st_mode) ? LOG_MAX : (1L << 62);  // /dev/null: the child and the pipe alone
    double last = 0;
    int child_open = 1;

    while (!stop) {
        struct epoll_event evs[2];
        int n = epoll_wait(ep, evs, 2, 200);
        if (n < 0) {
            if (errno == EINTR) continue;
            return 4;
        }
        for (int e = 0; e < n; e++) {
            if (evs[e].data.fd == lout[0]) {
                ssize_t r = read(lout[0], rbuf + rhave, sizeof rbuf - rhave);
                if (r == 0) goto done;  // the listener died: the bench is over
                if (r < 0) continue;
                rhave += (size_t)r;
                // Consume what is complete: READY\n while ACK, the result while BUSY.
                for (;;) {
                    if (state == ACK) {
                        if (rhave < 6) break;
                        if (memcmp(rbuf, "READY\n", 6) != 0) { fprintf(stderr, "evflood: listener said no READY\n"); goto done; }
                        memmove(rbuf, rbuf + 6, rhave - 6);
                        rhave -= 6;
                        state = READY;
                    } else if (state == BUSY) {
                        if (body < 0) {
                            char *nl = memchr(rbuf, '\n', rhave);
                            if (!nl) break;
                            body = strtol(rbuf + 7, NULL, 10);  // "RESULT N": the first 7 bytes unchecked, as supervisord
                            size_t line = (size_t)(nl - rbuf) + 1;
                            memmove(rbuf, rbuf + line, rhave - line);
                            rhave -= line;
                        }
                        if (rhave < (size_t)body) break;
                        int ok = body == 2 && memcmp(rbuf, "OK", 2) == 0;
                        memmove(rbuf, rbuf + body, rhave - (size_t)body);
                        rhave -= (size_t)body;
                        body = -1;
                        if (ok) {
                            free_slots[nfree++] = inflight;
                            sent++;
                        } else {  // rejected: back to the head, before newer events
                            if (count == BUFFER_SIZE) { free_slots[nfree++] = fifo[(head + count - 1) % BUFFER_SIZE]; count--; }
                            head = (head + BUFFER_SIZE - 1) % BUFFER_SIZE;
                            fifo[head] = inflight;
                            count++;
                        }
                        inflight = -1;
                        state = ACK;
                    } else {
                        break;  // READY: nothing is expected (a real daemon would call it UNKNOWN)
                    }
                }
            } else if (evs[e].data.fd == cout[0]) {
                for (int k = 0; k < READS_PER_ROUND; k++) {
                    int s = free_slots[--nfree];
                    ssize_t r = read(cout[0], slot[s], CHUNK);
                    if (r <= 0) {
                        free_slots[nfree++] = s;
                        if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                            epoll_ctl(ep, EPOLL_CTL_DEL, cout[0], NULL);
                            close(cout[0]);
                            child_open = 0;
                        }
                        break;
                    }
                    used[s] = (size_t)r;
                    bytes += (size_t)r;
                    reads++;
                    if (logsize + r > logmax) {  // rotation with backups=0: start the file again
                        if (ftruncate(logfd, 0)) return 5;
                        logsize = 0;
                    }
                    if (write_all(logfd, slot[s], (size_t)r)) return 5;
                    logsize += r;
                    if (!subscribed) {  // nobody subscribes: no event
                        free_slots[nfree++] = s;
                        if (r < CHUNK) break;
                        continue;
                    }
                    if (count == BUFFER_SIZE) {  // full: the oldest is discarded
                        free_slots[nfree++] = fifo[head];
                        head = (head + 1) % BUFFER_SIZE;
                        count--;
                        dropped++;
                    }
                    fifo[(head + count) % BUFFER_SIZE] = s;
                    count++;
                    if (r < CHUNK) break;  // the pipe is empty: back to the loop
                }
            }
        }
        if (state == READY && count > 0) {
            int s = fifo[head];
            head = (head + 1) % BUFFER_SIZE;
            count--;
            size_t cps = (size_t)plen + code_points(slot[s], used[s]);
            serial++;
            char hdr[192];
            int h = snprintf(hdr, sizeof hdr, "ver:3.0 server:supervisor serial:%llu pool:bench poolserial:%llu "
                             "eventname:PROCESS_LOG_STDOUT len:%zu\n", serial, serial, cps);
            struct iovec iov[3] = { { hdr, (size_t)h }, { phead, (size_t)plen }, { slot[s], used[s] } };
            size_t total = (size_t)h + (size_t)plen + used[s];
            ssize_t w = writev(lin[1], iov, 3);
            if (w < 0) goto done;
            if ((size_t)w < total) {  // the 1 MiB pipe is empty here: only on a signal
                size_t off = (size_t)w;
                for (int i = 0; i < 3; i++) {
                    if (off >= iov[i].iov_len) { off -= iov[i].iov_len; continue; }
                    if (write_all(lin[1], (char *)iov[i].iov_base + off, iov[i].iov_len - off)) goto done;
                    off = 0;
                }
            }
            inflight = s;
            state = BUSY;
        }
        double t = now();
        if (t - last > 0.2) {
            char out[160];
            int k = snprintf(out, sizeof out, "flood %llu %llu %llu %llu %.6f\n", bytes, reads, dropped, sent, t);
            if (write(statsfd, out, (size_t)k) != k) return 5;
            last = t;
        }
        if (!child_open && count == 0 && state != BUSY) break;
    }
done:
    kill(child, SIGTERM);
    if (subscribed) kill(listener, SIGTERM);
    close(lin[1]);
    int status;
    waitpid(child, &status, 0);
    if (subscribed) waitpid(listener, &status, 0);
    return 0;
}
