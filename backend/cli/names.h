/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `run --list-syscalls`, `run --list-errnos`: the names rules may use. */
#ifndef MB_CLI_NAMES_H
#define MB_CLI_NAMES_H

#include <stdio.h>

/* Every syscall name of this machine's architecture, one per line. */
void mb_cli_list_syscalls(FILE *f);
/* Every errno name, aliases included, one per line. */
void mb_cli_list_errnos(FILE *f);

#endif
