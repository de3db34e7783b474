/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscall families (%open, %write, strace's %file ...): one rule over a set
 * of syscalls, expanded on the spec's arch from one table.
 */
#ifndef MB_SYSCALL_FAMILIES_H
#define MB_SYSCALL_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>
#include "minderbinder/rule.h"

/* Syscall numbers below this fit a set (both arches stay under 512). */
#define MB_NR_SET_MAX 1024

struct mb_nr_set {
	__u64 w[MB_NR_SET_MAX / 64];
};

static inline void mb_nr_set_add(struct mb_nr_set *s, int nr)
{
	s->w[nr / 64] |= 1ULL << (nr % 64);
}

static inline bool mb_nr_set_has(const struct mb_nr_set *s, int nr)
{
	return nr >= 0 && nr < MB_NR_SET_MAX && (s->w[nr / 64] >> (nr % 64)) & 1;
}

/* "open" (no '%') -> MB_FAMILY_OPEN, or -ENOENT. */
int mb_family_by_name(const char *name);
/* "open", or NULL for an id that is no family. */
const char *mb_family_name(unsigned fam);
/* A few words on what the family covers ("opening a file"). */
const char *mb_family_what(unsigned fam);
/* name_at for mb_nearest over the family names (ctx unused). */
const char *mb_nearest_family_at(void *ctx, size_t i);
/* Calls fn for each member of fam that arch has, in the table's order
 * (only those taking a path or a descriptor when file_args_only); a
 * non-zero return of fn stops and is returned. Else the member count, or
 * -EINVAL for an id that is no family. */
int mb_family_each(enum mb_arch arch, unsigned fam, bool file_args_only,
		   int (*fn)(const char *name, int nr, void *ctx), void *ctx);
/* The syscalls rule r covers on arch: its nr, or its family's members
 * (with path=, those that take a file). The count, or -EINVAL. */
int mb_rule_nr_set(enum mb_arch arch, const struct mb_rule *r, struct mb_nr_set *out);
/* Which argument of a call of syscall nr path= matches under rule r, and
 * whether it is a descriptor (*fd); -1 when that call has none. */
int mb_rule_path_arg(enum mb_arch arch, const struct mb_rule *r, int nr, bool *fd);

#endif
