/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The names a rule may use, one per line, from the same tables the parser
 * reads: what the bash completion asks for, so a name the grammar learns
 * (a syscall family) is offered the day it is added.
 */
#include <stdio.h>

#include "cli/names.h"
#include "lib/name_tables.h"

void mb_cli_list_syscalls(FILE *f)
{
	enum mb_arch arch = mb_native_arch();
	size_t i, n = mb_syscall_count(arch);
	const char *name;

	for (i = 0; i < n; i++)
		if ((name = mb_syscall_name_at(arch, i)))
			fprintf(f, "%s\n", name);
}

void mb_cli_list_errnos(FILE *f)
{
	size_t i, n = mb_errno_count();
	const char *name;

	for (i = 0; i < n; i++)
		if ((name = mb_errno_name_at(i)))
			fprintf(f, "%s\n", name);
}
