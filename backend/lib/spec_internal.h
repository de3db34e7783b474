/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the phases of the spec parser share (spec_lex, spec_names,
 * spec_option, spec_syscall, spec_net, spec_parse, spec_env, spec_validate,
 * spec_format); callers outside lib/ use lib/spec_parse.h.
 */
#ifndef MB_SPEC_INTERNAL_H
#define MB_SPEC_INTERNAL_H

#include <stddef.h>
#include "lib/spec_parse.h"

#define TOKEN_MAX (MB_PATH_GLOB_MAX + 64)
#define MAX_FIELDS 16

/* One ':'-separated field, unescaped, with where it started. */
struct field {
	char text[TOKEN_MAX];
	unsigned col; /* 1-based column in the variable's value */
};

/* Where the text came from (for messages) and where a message goes. */
struct ctx {
	const char *var;
	struct mb_error *err;
};

/* "VAR: what 'token' at column N (did you mean 'suggestion'?)"; -EINVAL. */
int spec_fail(const struct ctx *c, unsigned col, const char *what,
	      const char *token, const char *suggestion);

/* spec_lex.c */
int spec_parse_u64(const char *t, __u64 *out);
/* One rule from *pos up to an unescaped ';' into fields; the count or
 * -EINVAL. */
int spec_split_rule(const struct ctx *c, const char *text, size_t *pos,
		    struct field *fields);
int spec_blank(const char *s);

struct spec_duration_unit {
	const char *unit;
	__u64 ns;
};
/* Smallest first: the parser and the formatter read the same table. */
extern const struct spec_duration_unit spec_duration_units[];
extern const size_t spec_n_duration_units;
/* A number and one of n units (each .ns is its multiplier): 0, -EDOM (no
 * unit), -ERANGE, -EINVAL. */
int spec_parse_scaled(const char *text, const struct spec_duration_unit *units, size_t n,
		      __u64 *out);

struct spec_rate_unit {
	const char *unit;
	__u64 bits; /* bits per second of one unit */
};
/* bit, kbit, ...: the decimal bit units first, largest first (the
 * formatter's), then the others. */
extern const struct spec_rate_unit spec_rate_units[];
extern const size_t spec_n_rate_units;

/* spec_names.c */
const char *spec_nearest_in(const char *word, const char *const *list);
int spec_parse_errno(const struct ctx *c, const struct field *f, int *out);
int spec_path_arg_of(const char *name);
int spec_fd_path_arg_of(const char *name);

/* spec_option.c */
int spec_parse_option(const struct ctx *c, const struct field *f,
		      struct mb_rule *r, const char *rule_name);
void spec_apply_defaults(struct mb_rule *r, const struct mb_defaults *d);

/* spec_syscall.c, spec_net.c: one rule from its fields. */
int spec_parse_syscall_rule(const struct ctx *c, struct field *fl, int n,
			    enum mb_arch arch, struct mb_rule *r);
int spec_parse_net_rule(const struct ctx *c, struct field *fl, int n,
			struct mb_rule *r);

#endif
