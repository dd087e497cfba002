// The floor for `ctl status`: `sock server PATH` answers every connection's
// one request line with one reply line; `sock client PATH` (a trivial static
// binary) connects, sends "status\n", reads the reply and exits. The driver
// times the client from exec to exit.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char reply[] = "SWV1 OK\nsleeper RUNNING pid 1, uptime 0:00:01\n";

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, argv[2], sizeof a.sun_path - 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    char buf[4096];
    if (strcmp(argv[1], "server") == 0) {
        unlink(argv[2]);
        if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0) return 3;
        for (;;) {
            int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
            if (c < 0) continue;
            if (read(c, buf, sizeof buf) > 0 && write(c, reply, sizeof reply - 1) < 0) {}
            close(c);
        }
    }
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 4;
    if (write(s, "status\n", 7) != 7) return 5;
    ssize_t n, total = 0;
    while ((n = read(s, buf, sizeof buf)) > 0) total += n;
    return total > 0 ? 0 : 6;
}
