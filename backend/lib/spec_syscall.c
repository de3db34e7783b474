/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A syscall rule: SYSCALL ':' RESULT [':' OPTION]*. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"
#include "lib/syscall_families.h"

static int parse_result(const struct ctx *c, const struct field *f,
			struct mb_rule *r)
{
	const char *t = f->text;
	__u64 v;
	int e, err;

	if (t[0] == '+') {
		if (spec_parse_u64(t + 1, &v) || v > INT64_MAX)
			return spec_fail(c, f->col, "bad fake return value (want +N, e.g. +0)",
				    t, NULL);
		r->sys.result = MB_RES_VALUE;
		r->sys.value = (__s64)v;
		return 0;
	}
	if (isdigit((unsigned char)t[0])) {
		mb_error_set(c->err,
			     "%s: ambiguous result '%s' at column %u (write -%s for errno %s, or +%s for a fake return value)",
			     c->var, t, f->col, t, t, t);
		return -EINVAL;
	}
	if (!strcmp(t, "-0"))
		return spec_fail(c, f->col, "errno out of range (1..4095)", t, "+0");
	err = spec_parse_errno(c, f, &e);
	if (err)
		return err;
	r->sys.result = MB_RES_ERRNO;
	r->sys.value = e;
	return 0;
}

/* "open" on aarch64 has no syscall but has a family: say that one. */
static const char *near_syscall(const char *word, enum mb_arch arch, char *fam,
				size_t len)
{
	if (mb_family_by_name(word) > 0) {
		snprintf(fam, len, "%%%s", mb_family_name((unsigned)mb_family_by_name(word)));
		return fam;
	}
	return mb_nearest(word, mb_syscall_count(arch), mb_nearest_syscall_at, &arch);
}

static int parse_family(const struct ctx *c, const struct field *f, enum mb_arch arch,
			struct mb_rule *r)
{
	const char *near;
	char hint[40];
	int fam = mb_family_by_name(f->text + 1);

	if (fam < 0) {
		near = mb_nearest(f->text + 1, MB_FAMILY_COUNT - 1, mb_nearest_family_at, NULL);
		snprintf(hint, sizeof(hint), "%%%s", near ? near : "");
		return spec_fail(c, f->col, "unknown syscall family", f->text,
			    near ? hint : NULL);
	}
	if (mb_family_each(arch, (unsigned)fam, false, NULL, NULL) <= 0) {
		mb_error_set(c->err, "%s: family '%s' at column %u has no syscall on %s", c->var,
			     f->text, f->col, mb_arch_name(arch));
		return -EINVAL;
	}
	r->sys.nr = MB_NR_FAMILY;
	r->sys.family = (__u16)fam;
	return 0;
}

int spec_parse_syscall_rule(const struct ctx *c, struct field *fl, int n,
			      enum mb_arch arch, struct mb_rule *r)
{
	int nr, i = 1, err;
	char hint[40];

	r->kind = MB_RULE_SYSCALL;
	r->sys.path_arg = -1;
	if (!fl[0].text[0])
		return spec_fail(c, fl[0].col, "missing syscall name before", ":", NULL);
	if (fl[0].text[0] == '%') {
		err = parse_family(c, &fl[0], arch, r);
		if (err)
			return err;
	} else {
		nr = mb_syscall_by_name(arch, fl[0].text);
		if (nr < 0)
			return spec_fail(c, fl[0].col, "unknown syscall", fl[0].text,
				    near_syscall(fl[0].text, arch, hint, sizeof(hint)));
		r->sys.nr = nr;
	}
	if (n < 2 || !fl[1].text[0]) {
		mb_error_set(c->err,
			     "%s: missing result for '%s' at column %u (e.g. %s:ENOENT, %s:-2, %s:+0)",
			     c->var, fl[0].text, fl[0].col, fl[0].text, fl[0].text,
			     fl[0].text);
		return -EINVAL;
	}
	/* "read:latency=1s" slows a call without failing it. */
	if (strchr(fl[1].text, '=')) {
		r->sys.result = MB_RES_NONE;
	} else {
		err = parse_result(c, &fl[1], r);
		if (err)
			return err;
		i = 2;
	}
	for (; i < n; i++) {
		err = spec_parse_option(c, &fl[i], r, fl[0].text);
		if (err)
			return err;
	}
	if (r->sys.result == MB_RES_NONE && !(r->flags & MB_F_LATENCY)) {
		mb_error_set(c->err,
			     "%s: rule '%s' at column %u has no result and no latency= (e.g. %s:EIO or %s:latency=100ms)",
			     c->var, fl[0].text, fl[0].col, fl[0].text, fl[0].text);
		return -EINVAL;
	}
	return 0;
}
