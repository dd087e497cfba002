#ifndef _GNU_SOURCE
#error "CSwiftvisor must be built with _GNU_SOURCE (set in Package.swift cSettings)"
#endif
#include "CSwiftvisor.h"
#include <sys/wait.h>

int swv_wifexited(int status) { return WIFEXITED(status); }
int swv_wexitstatus(int status) { return WEXITSTATUS(status); }
int swv_wifsignaled(int status) { return WIFSIGNALED(status); }
int swv_wtermsig(int status) { return WTERMSIG(status); }
int swv_wcoredump(int status) { return WCOREDUMP(status); }
