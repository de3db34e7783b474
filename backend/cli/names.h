/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `run --list-syscalls[=%FAMILY]`, `--list-errnos`: the
 * names rules may use. */
#ifndef MB_CLI_NAMES_H
#define MB_CLI_NAMES_H

#include <stdio.h>
#include "lib/error.h"

/* Every syscall name of this machine's architecture, then every family
 * (%open), one per line; with family ("%open"), that family's members;
 * with "%", each family and its members, one family a line. */
int mb_cli_list_syscalls(FILE *f, const char *family, struct mb_error *err);
/* Every errno name, aliases included, one per line. */
void mb_cli_list_errnos(FILE *f);

#endif
