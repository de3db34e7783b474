/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a registration goes: a set-uid mb-helper started on a socketpair,
 * or the node daemon's socket (`mb-helper --daemon`). One choice, made the
 * same way by the agent, `minderbinder run` and the C API:
 *
 *   1. MINDERBINDER_SOCKET set      that socket, and only it
 *   2. MINDERBINDER_HELPER set      that helper
 *   3. an installed mb-helper that is set-uid root: that helper
 *   4. MB_DAEMON_SOCKET exists      the daemon
 *   5. otherwise                    the mb-helper found (today's path, with
 *                                   its hint when it is not set-uid), or
 *                                   "cannot find mb-helper"
 */
#ifndef MB_TRANSPORT_H
#define MB_TRANSPORT_H

#include <stddef.h>
#include "lib/error.h"

/* sun_path's size: a longer socket path cannot be connected to. */
#define MB_SOCKET_PATH_MAX 108

struct mb_transport {
	char helper[4096]; /* "" when the socket is used */
	char socket[MB_SOCKET_PATH_MAX]; /* "" when the helper is used */
	int from_env;      /* socket: named by MINDERBINDER_SOCKET */
};

/* anchor as for mb_helper_find; who names the caller in "cannot find
 * mb-helper next to WHO" ("libmbpreload.so", "minderbinder"). 0, or
 * -errno with err naming the variable or where it looked. */
int mb_transport_choose(const void *anchor, const char *who, struct mb_transport *t,
			struct mb_error *err);
/* A SOCK_SEQPACKET connection to path: 0 with *fd, or -errno with err
 * (naming MINDERBINDER_SOCKET when from_env). */
int mb_daemon_connect(const char *path, int from_env, int *fd, struct mb_error *err);

#endif
