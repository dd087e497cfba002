// The floor for spawning, stopping and restarting: the least a supervisor can
// do. `spawnloop N hold PROG ARGS...` posix_spawns N copies of PROG (each in
// its own process group, as a supervisor does), then on "stop\n" from stdin or
// on SIGTERM sends SIGTERM to every one, reaps them all and (after "stop")
// answers "done\n". `spawnloop N restart PROG ARGS...` respawns any child the
// moment it is reaped (autorestart) until SIGTERM.
// SIGTERM and SIGCHLD stay blocked and are taken synchronously (ppoll with an
// empty mask, sigwaitinfo), so a SIGTERM that arrives while spawning is never
// lost; children get an empty mask.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t start(char **argv) {
    posix_spawnattr_t attr;
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &empty);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (err) { fprintf(stderr, "posix_spawn: %s\n", strerror(err)); exit(1); }
    return pid;
}

static void on_term(int sig) { (void)sig; }

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    int n = atoi(argv[1]);
    int restart = strcmp(argv[2], "restart") == 0;
    char **prog = argv + 3;
    sigset_t block, empty;
    sigemptyset(&empty);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, NULL);
    // A handler (not SIG_DFL) so that an unblocked SIGTERM interrupts ppoll.
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    for (int i = 0; i < n; i++) pids[i] = start(prog);
    int said_stop = 0;
    if (restart) {
        for (;;) {
            siginfo_t si;
            int sig = sigwaitinfo(&block, &si);
            if (sig == SIGTERM) break;
            if (sig != SIGCHLD) continue;
            pid_t pid;
            while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
                for (int i = 0; i < n; i++) if (pids[i] == pid) pids[i] = start(prog);
        }
    } else {
        sigdelset(&block, SIGCHLD);
        struct pollfd p = {0, POLLIN, 0};
        // Returns on "stop\n" (or EOF) on stdin, or EINTR from SIGTERM.
        if (ppoll(&p, 1, NULL, &empty) > 0) {
            char cmd[16];
            said_stop = read(0, cmd, sizeof cmd) > 0;
        }
    }
    for (int i = 0; i < n; i++) kill(pids[i], SIGTERM);
    for (int i = 0; i < n; i++) while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {}
    if (said_stop && write(1, "done\n", 5) != 5) return 1;
    return 0;
}
