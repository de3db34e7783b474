/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The helper's children, each with the caller's ids and no way back to
 * root: the MINDERBINDER_LOG check, the supervisor, the network logger.
 */
#ifndef MB_HELPER_SPAWN_H
#define MB_HELPER_SPAWN_H

#include <sys/types.h>
#include "helper/request.h"
#include "registry/registry.h"

/* MINDERBINDER_LOG is a regular file the caller can write (or none is
 * asked for): 0, or -errno with err. */
int mb_spawn_check_log(const struct request *rq, struct mb_error *err);
/* The supervisor of listener and control: its pid, or -errno. */
pid_t mb_spawn_supervisor(struct request *rq, struct mb_registry *reg, int listener,
			  int control);
/* The network logger of MINDERBINDER_LOG: 0 or -errno. */
int mb_spawn_netlog(struct request *rq, struct mb_registry *reg);

#endif
