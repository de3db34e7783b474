/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The names a rule may use, one per line, from the same tables the parser
 * reads: what the bash completion asks for, so a name the grammar learns
 * (a syscall family) is offered the day it is added.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/names.h"
#include "lib/name_tables.h"
#include "lib/syscall_families.h"

static int print_member(const char *name, int nr, void *f)
{
	(void)nr;
	fprintf(f, "%s\n", name);
	return 0;
}

static int print_word(const char *name, int nr, void *f)
{
	(void)nr;
	fprintf(f, " %s", name);
	return 0;
}

/* Each family with its members, one family a line. */
static void list_families(FILE *f)
{
	enum mb_arch arch = mb_native_arch();
	unsigned fam;

	fprintf(f, "# family: its syscalls on %s (a syscall this arch lacks is no member)\n",
		mb_arch_name(arch));
	for (fam = MB_FAMILY_NONE + 1; fam < MB_FAMILY_COUNT; fam++) {
		fprintf(f, "%%%s (%s):", mb_family_name(fam), mb_family_what(fam));
		mb_family_each(arch, fam, false, print_word, f);
		fprintf(f, "\n");
	}
}

int mb_cli_list_syscalls(FILE *f, const char *family, struct mb_error *err)
{
	enum mb_arch arch = mb_native_arch();
	size_t i, n = mb_syscall_count(arch);
	const char *name, *near;
	int fam;

	if (family && !strcmp(family, "%")) {
		list_families(f);
		return 0;
	}
	if (family) {
		fam = family[0] == '%' ? mb_family_by_name(family + 1) : -ENOENT;
		if (fam < 0) {
			near = mb_nearest(family[0] == '%' ? family + 1 : family,
					  MB_FAMILY_COUNT - 1, mb_nearest_family_at, NULL);
			if (near)
				mb_error_set(err, "--list-syscalls: unknown syscall family '%s' (did you mean '%%%s'?)",
					     family, near);
			else
				mb_error_set(err, "--list-syscalls: unknown syscall family '%s' (see --list-syscalls=%%)",
					     family);
			return -EINVAL;
		}
		mb_family_each(arch, (unsigned)fam, false, print_member, f);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((name = mb_syscall_name_at(arch, i)))
			fprintf(f, "%s\n", name);
	for (fam = MB_FAMILY_NONE + 1; fam < MB_FAMILY_COUNT; fam++)
		fprintf(f, "%%%s\n", mb_family_name((unsigned)fam));
	return 0;
}

void mb_cli_list_errnos(FILE *f)
{
	size_t i, n = mb_errno_count();
	const char *name;

	for (i = 0; i < n; i++)
		if ((name = mb_errno_name_at(i)))
			fprintf(f, "%s\n", name);
}
