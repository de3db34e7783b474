/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A rule naming a syscall the C library never makes for that purpose on
 * the spec's arch (open on x86_64 glibc: open() calls openat) can never
 * fire from a libc call: the warning that names the family to use.
 */
#ifndef MB_LIBC_HINT_H
#define MB_LIBC_HINT_H

#include "lib/error.h"
#include "lib/spec_parse.h"

/* The warning for the first such rule at or after *i ("VAR: rule 0
 * 'open:ENOENT': glibc on x86_64 opens files ... with openat; use
 * '%open' to cover open, openat, openat2 and creat"): 1 with out set and
 * *i past it, 0 when no rule from *i on needs one. */
int mb_libc_hint_next(const struct mb_spec *s, __u32 *i, const char *var, struct mb_error *out);
/* MINDERBINDER_WARN's value: "0" never, "1" always, unset or empty the
 * caller's fallback; anything else -EINVAL with err set. */
int mb_libc_hint_wanted(const char *value, int fallback, struct mb_error *err);

#endif
