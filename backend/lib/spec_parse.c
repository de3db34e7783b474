/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fault-spec grammar (see design.md, "The fault spec"):
 *
 *   syscall rule: SYSCALL ':' RESULT [':' OPTION]*
 *   network rule: PROTO ':' PORT ':' ACTION [':' OPTION]*
 *   rules are separated by ';'; "\:", "\;" and "\\" escape inside values.
 *
 * Every rule of a text is parsed into a scratch copy of the spec first, so a
 * bad token anywhere leaves the caller's spec exactly as it was.
 *
 * This file walks a text rule by rule; the phases are files of their own:
 * spec_lex.c (fields, numbers), spec_names.c, spec_option.c,
 * spec_syscall.c and spec_net.c (one rule each), spec_env.c (the
 * environment), spec_validate.c (a spec from outside), spec_format.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/spec_internal.h"

void mb_defaults_init(struct mb_defaults *d)
{
	memset(d, 0, sizeof(*d));
	d->rate_ppm = MB_RATE_ONE;
}

void mb_spec_init(struct mb_spec *s, enum mb_arch arch)
{
	memset(s, 0, sizeof(*s));
	s->magic = MB_SPEC_MAGIC;
	s->version = MB_SPEC_VERSION;
	s->arch = arch;
}

static int add_rules(struct mb_spec *s, const char *var, const char *text,
		     const struct mb_defaults *d, struct mb_error *err, int net)
{
	struct ctx c = { .var = var, .err = err };
	struct field *fields;
	struct mb_spec *tmp;
	size_t pos = 0;
	int n, ret = 0;

	if (!text)
		return 0;
	/* The spec is ~11 KiB: on the heap, not on a stack we do not own. */
	tmp = malloc(sizeof(*tmp));
	fields = calloc(MAX_FIELDS, sizeof(*fields));
	if (!tmp || !fields) {
		ret = -ENOMEM;
		mb_error_set(err, "%s: out of memory", var);
		goto out;
	}
	memcpy(tmp, s, sizeof(*tmp));
	while (text[pos]) {
		size_t start = pos;
		struct mb_rule *r;

		n = spec_split_rule(&c, text, &pos, fields);
		if (n < 0) {
			ret = n;
			goto out;
		}
		if (n == 1 && spec_blank(fields[0].text))
			continue; /* "a;;b" and a trailing ';' */
		if (tmp->n_rules == MB_MAX_RULES) {
			mb_error_set(err, "%s: too many rules at column %zu (at most %d in all)",
				     var, start + 1, MB_MAX_RULES);
			ret = -E2BIG;
			goto out;
		}
		r = &tmp->rules[tmp->n_rules];
		memset(r, 0, sizeof(*r));
		ret = net ? spec_parse_net_rule(&c, fields, n, r)
			  : spec_parse_syscall_rule(&c, fields, n, tmp->arch, r);
		if (ret)
			goto out;
		spec_apply_defaults(r, d);
		tmp->n_rules++;
	}
	memcpy(s, tmp, sizeof(*s));
out:
	free(fields);
	free(tmp);
	return ret;
}

int mb_spec_add_syscalls(struct mb_spec *s, const char *var, const char *text,
			 const struct mb_defaults *d, struct mb_error *err)
{
	return add_rules(s, var, text, d, err, 0);
}

int mb_spec_add_net(struct mb_spec *s, const char *var, const char *text,
		    const struct mb_defaults *d, struct mb_error *err)
{
	return add_rules(s, var, text, d, err, 1);
}
