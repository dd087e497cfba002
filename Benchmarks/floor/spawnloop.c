// The floor for spawning, stopping and restarting: the least a supervisor can
// do. `spawnloop N hold PROG ARGS...` posix_spawns N copies of PROG (each in
// its own process group, as a supervisor does), then on "stop\n" from stdin
// sends SIGTERM to every one, reaps them all and answers "done\n".
// `spawnloop N restart PROG ARGS...` respawns any child the moment it is reaped
// (autorestart). SIGTERM (or "stop\n" in hold mode) stops and reaps them all.
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t terminating;
static void on_term(int sig) { (void)sig; terminating = 1; }

static pid_t start(char **argv) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (err) { fprintf(stderr, "posix_spawn: %s\n", strerror(err)); exit(1); }
    return pid;
}

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    int n = atoi(argv[1]);
    int restart = strcmp(argv[2], "restart") == 0;
    char **prog = argv + 3;
    // No SA_RESTART: SIGTERM interrupts the blocking read/waitpid below.
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    for (int i = 0; i < n; i++) pids[i] = start(prog);
    if (restart) {
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, 0);
            if (terminating) break;
            if (pid < 0) { if (errno == EINTR) continue; return 1; }
            for (int i = 0; i < n; i++) if (pids[i] == pid) pids[i] = start(prog);
        }
        for (int i = 0; i < n; i++) kill(pids[i], SIGTERM);
        while (wait(NULL) > 0) {}
        return 0;
    }
    char cmd[16];
    if (read(0, cmd, sizeof cmd) <= 0) { /* stdin closed: stop anyway */ }
    for (int i = 0; i < n; i++) kill(pids[i], SIGTERM);
    for (int i = 0; i < n; i++) while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {}
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
