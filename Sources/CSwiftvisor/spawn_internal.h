// Shared between spawn.c and spawn_clone.c; not part of the module's API.
#ifndef SWV_SPAWN_INTERNAL_H
#define SWV_SPAWN_INTERNAL_H

#include "CSwiftvisor.h"

/// swv_spawn_clone's answer when it cannot be used (kernel before 5.9, or
/// its descriptors or stack could not be set up): nothing was started and
/// the caller takes the copying path. Never an errno (those are positive).
#define SWV_SPAWN_CLONE_UNAVAILABLE (-1)

/// Record which step is being attempted (or failed) in req->failed_step.
void swv_spawn_set_step(const struct swv_spawn_request *req, int step);

/// Start the child on a shared descriptor table it leaves at once (see
/// spawn_clone.c). Not for user=, umask= or cgroup=. 0 and the pid, an errno
/// with the failed step, or SWV_SPAWN_CLONE_UNAVAILABLE.
int swv_spawn_clone(const struct swv_spawn_request *req, pid_t *pid_out);

#endif
