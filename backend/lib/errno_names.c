/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>

#include "lib/name_tables.h"

/* Names inline, not pointers: no relocations at load time. */
struct errno_entry {
	char name[24];
	int nr;
	int alias;
};

#define MB_ERRNO(name, nr, alias) _Static_assert(sizeof(name) <= 24, "errno name too long: " name);
#include "errno_table.inc"
#undef MB_ERRNO

/* gen-errno.sh sorts by number with each number's canonical name first,
 * so the first non-alias hit is the name to print. */
static const struct errno_entry errno_table[] = {
#define MB_ERRNO(name, nr, alias) { name, nr, alias },
#include "errno_table.inc"
#undef MB_ERRNO
};

#define ERRNO_COUNT (sizeof(errno_table) / sizeof(errno_table[0]))

int mb_errno_by_name(const char *name)
{
	size_t i;

	if (!name)
		return -EINVAL;
	/* Exact and case-sensitive: "enoent" is left to mb_nearest(), so the
	 * user is told the right spelling instead of it being guessed. */
	for (i = 0; i < ERRNO_COUNT; i++)
		if (strcmp(errno_table[i].name, name) == 0)
			return errno_table[i].nr;
	return -ENOENT;
}

const char *mb_errno_name(int err)
{
	size_t i;

	for (i = 0; i < ERRNO_COUNT; i++)
		if (errno_table[i].nr == err && !errno_table[i].alias)
			return errno_table[i].name;
	return NULL;
}

size_t mb_errno_count(void)
{
	return ERRNO_COUNT;
}

const char *mb_errno_name_at(size_t i)
{
	return i < ERRNO_COUNT ? errno_table[i].name : NULL;
}
