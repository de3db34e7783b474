/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule that names a syscall this libc never makes: "open:ENOENT" on
 * x86_64 glibc never fires, because open() and fopen() call openat. Each
 * entry was read off strace of glibc 2.36's wrappers on x86_64 (Debian
 * 12); the wrappers not here (creat, rename, unlink, rmdir, mkdir, access,
 * chmod, chown, link, symlink, readlink, truncate, dup2, poll, chdir) do
 * make the syscall of their name. aarch64 has none of these syscalls, so
 * the parser refuses them there already (suggesting the family).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/libc_hint.h"
#include "lib/name_tables.h"
#include "lib/syscall_families.h"

struct libc_hint {
	__u16 arch;
	char syscall[12];
	char does[40];	   /* "glibc on x86_64 <does> <instead>" */
	char instead[12];  /* the syscall glibc makes */
	__u16 family;	   /* the family to use, when there is one */
};

/* clang-format off */
static const struct libc_hint hints[] = {
	{ MB_ARCH_X86_64, "open", "opens files (open, fopen) with", "openat", MB_FAMILY_OPEN },
	{ MB_ARCH_X86_64, "stat", "stats a path with", "newfstatat", MB_FAMILY_STAT },
	{ MB_ARCH_X86_64, "lstat", "runs lstat() with", "newfstatat", MB_FAMILY_STAT },
	{ MB_ARCH_X86_64, "fstat", "runs fstat() with", "newfstatat", MB_FAMILY_STAT },
	{ MB_ARCH_X86_64, "fork", "forks with", "clone", MB_FAMILY_PROCESS },
	{ MB_ARCH_X86_64, "pipe", "makes pipes with", "pipe2", MB_FAMILY_NONE },
	{ MB_ARCH_X86_64, "select", "runs select() with", "pselect6", MB_FAMILY_NONE },
	{ MB_ARCH_X86_64, "mknod", "runs mknod() with", "mknodat", MB_FAMILY_NONE },
	{ MB_ARCH_X86_64, "utime", "runs utime() with", "utimensat", MB_FAMILY_NONE },
	{ MB_ARCH_X86_64, "utimes", "runs utimes() with", "utimensat", MB_FAMILY_NONE },
	{ MB_ARCH_X86_64, "getdents", "reads directories with", "getdents64", MB_FAMILY_NONE },
};
/* clang-format on */

struct joined {
	char *buf;
	size_t len, pos;
	int left; /* members still to write */
};

static int join_member(const char *name, int nr, void *ctx)
{
	struct joined *j = ctx;
	int n;

	(void)nr;
	n = snprintf(j->buf + j->pos, j->len - j->pos, "%s%s",
		     j->pos == 0 ? "" : j->left == 1 ? " and " : ", ", name);
	if (n < 0 || (size_t)n >= j->len - j->pos)
		return -ENOSPC;
	j->pos += (size_t)n;
	j->left--;
	return 0;
}

static const struct libc_hint *hint_for(const struct mb_spec *s, const struct mb_rule *r)
{
	const char *name;
	size_t i;

	if (r->kind != MB_RULE_SYSCALL || r->sys.family)
		return NULL;
	name = mb_syscall_name((enum mb_arch)s->arch, r->sys.nr);
	for (i = 0; name && i < sizeof(hints) / sizeof(hints[0]); i++)
		if (hints[i].arch == s->arch && !strcmp(hints[i].syscall, name))
			return &hints[i];
	return NULL;
}

int mb_libc_hint_next(const struct mb_spec *s, __u32 *i, const char *var, struct mb_error *out)
{
	const struct libc_hint *h;
	char rule[512], members[512];
	struct joined j = { .buf = members, .len = sizeof(members) };

	for (; *i < s->n_rules; (*i)++) {
		h = hint_for(s, &s->rules[*i]);
		if (!h)
			continue;
		if (mb_rule_format(&s->rules[*i], (enum mb_arch)s->arch, rule, sizeof(rule)) < 0)
			snprintf(rule, sizeof(rule), "%s", h->syscall);
		members[0] = '\0';
		if (h->family) {
			j.left = mb_family_each((enum mb_arch)s->arch, h->family, false, NULL, NULL);
			mb_family_each((enum mb_arch)s->arch, h->family, false, join_member, &j);
			mb_error_set(out, "%s: rule %u '%s': glibc on %s %s %s; use '%%%s' to cover %s",
				     var, *i, rule, mb_arch_name((enum mb_arch)s->arch), h->does,
				     h->instead, mb_family_name(h->family), members);
		} else {
			mb_error_set(out, "%s: rule %u '%s': glibc on %s %s %s; use '%s'", var, *i,
				     rule, mb_arch_name((enum mb_arch)s->arch), h->does, h->instead,
				     h->instead);
		}
		(*i)++;
		return 1;
	}
	return 0;
}

int mb_libc_hint_wanted(const char *value, int fallback, struct mb_error *err)
{
	if (!value || !value[0])
		return fallback;
	if (!strcmp(value, "0") || !strcmp(value, "1"))
		return value[0] == '1';
	mb_error_set(err, "MINDERBINDER_WARN: bad value '%s' (want 0 or 1)", value);
	return -EINVAL;
}
