/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* minderbinder run --expect-faults: run CMD as a child, watch for its
 * end, and say which rules never fired. */
#ifndef MB_CLI_EXPECT_H
#define MB_CLI_EXPECT_H

#include "cli/exec.h"

/* The status of a run whose CMD ran but whose rules did not all fire:
 * none of the small numbers commands use, sysexits' 64 to 78, timeout(1)'s
 * 124, ours and the shell's 125 to 127, nor 128+N (a signal). */
#define EXIT_NOT_FIRED 120

/* Runs CMD as mb_cli_exec_with_spec would, but as a child, and returns
 * CMD's exit status (or EXIT_NOT_FIRED), or dies of CMD's signal. err
 * says why when set-up fails. */
int mb_cli_run_expecting(const struct mb_spec *spec, const struct mb_cli_exec *x, char **argv,
			 struct mb_error *err);

/* Without --expect-faults: a watcher that warns on stderr, at CMD's
 * end, about each rule that never fired; 0 or -errno (then no warnings). */
int mb_cli_start_watcher(void);

#endif
