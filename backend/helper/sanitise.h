/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The state a set-uid program inherits from its caller: environment,
 * descriptors, signals, ids. Made ours before anything else runs.
 */
#ifndef MB_HELPER_SANITISE_H
#define MB_HELPER_SANITISE_H

#include <sys/types.h>

/* The caller's real ids, recorded before all ours become root: every
 * child that runs with the caller's identity drops to these. */
extern uid_t mb_caller_uid;
extern gid_t mb_caller_gid;

/* Clears the environment, the signal state and every fd but 0-2 and the
 * socket (which must be an AF_UNIX SOCK_SEQPACKET): 0 or -errno. */
int mb_sanitise(void);
/* Records the caller's ids, then makes all of ours root. */
int mb_become_root(void);

#endif
