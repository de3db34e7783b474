/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One registration, on the caller's socket at MB_HELPER_FD, the same for
 * both ways in: the set-uid helper its caller started (policy NULL), and
 * each connection of the node daemon (helper/daemon.c), in a process of
 * its own.
 */
#ifndef MB_HELPER_SERVE_H
#define MB_HELPER_SERVE_H

#include "helper/policy.h"

/* The exit status: 0, or 1 when the registration failed. */
int mb_helper_serve(const struct mb_policy *policy);
/* `mb-helper --daemon [--socket PATH] [--policy FILE]`: the exit status. */
int mb_daemon_main(int argc, char **argv);

#endif
