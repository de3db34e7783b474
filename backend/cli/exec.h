/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Running one command with a spec in force: shared by run and sweep. */
#ifndef MB_CLI_EXEC_H
#define MB_CLI_EXEC_H

#include <stddef.h>
#include "lib/spec_parse.h"

struct mb_cli_exec {
	const char *scope;      /* "tree" (NULL) or "process" */
	const char *strict;     /* "1" (NULL) or "0" */
	const char *engine;     /* "auto" (NULL), "seccomp", ... */
	const char *supervised; /* --supervised: "supervisor", "inprocess"; NULL: the environment's */
	const char *interfaces; /* comma list for drop rules, NULL = all */
	const char *log;        /* MINDERBINDER_LOG (absolute), NULL: the environment's */
	/* Called last before the exec, after a static CMD's registration;
	 * returns 0 or -errno. sweep attaches its tracer here. */
	int (*before_exec)(void *ctx);
	void *ctx;
};

/* Puts spec in force for argv[0] (looked up in PATH) and execs it, as
 * `minderbinder run` does. Returns only on failure: the exit status (127:
 * CMD cannot be run, 125: the set-up failed, 2: bad x), err says why. */
int mb_cli_exec_with_spec(const struct mb_spec *spec, const struct mb_cli_exec *x,
			  char **argv, struct mb_error *err);

#endif
