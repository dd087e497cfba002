// CSwiftvisor: the few things Swift cannot call directly on Linux.
// Every symbol is prefixed swv_. Built with _GNU_SOURCE (see Package.swift).
#ifndef CSWIFTVISOR_H
#define CSWIFTVISOR_H

#include <sys/types.h>

/// W* status macros, which are macros and so invisible to Swift.
int swv_wifexited(int status);
int swv_wexitstatus(int status);
int swv_wifsignaled(int status);
int swv_wtermsig(int status);
int swv_wcoredump(int status);

#endif
