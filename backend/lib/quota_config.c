/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The [quota] section of /etc/minderbinder.conf (see quota_config.h),
 * read with inih. The file is root's word on what each user may hold, and
 * the helper reads it with root's rights: one that another user could
 * have written is refused, never half-trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "lib/name_tables.h"
#include "lib/quota_config.h"

#define CONF_MAX (64 * 1024)

static const char *const sections[] = { "quota" };
static const char *const keys[] = { "targets", "rules" };

struct parse {
	const char *name;
	struct mb_quota_limits l;
	int lineno; /* of the first error, told by inih */
	struct mb_error err;
	int failed;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->failed) {
		p->failed = 1;
		va_start(ap, fmt);
		mb_error_vset(&p->err, fmt, ap);
		va_end(ap);
	}
	return 0; /* inih: an error on this line */
}

/* "1234" or "unlimited" (the registry's size), at most max. */
static int parse_limit(const char *v, __u32 max, __u32 *out)
{
	unsigned long n;
	char *end;

	if (!strcmp(v, "unlimited")) {
		*out = max;
		return 0;
	}
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = (__u32)n;
	return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	const char *near;
	__u32 max;

	if (strcmp(section, sections[0])) {
		near = mb_nearest(section, 1, mb_nearest_list_at, (void *)sections);
		return fail(p, "unknown section [%s]%s%s (the only one is [quota])", section,
			    near ? ": did you mean " : "", near ? "[quota]?" : "");
	}
	max = !strcmp(key, "targets") ? MB_MAX_TARGETS
	      : !strcmp(key, "rules") ? MB_MAX_RULE_ENTRIES
				      : 0;
	if (!max) {
		near = mb_nearest(key, sizeof(keys) / sizeof(keys[0]), mb_nearest_list_at, (void *)keys);
		return fail(p, "[quota] unknown key '%s'%s%s (keys: targets, rules)", key,
			    near ? ", did you mean " : "", near ? near : "");
	}
	if (parse_limit(value, max, !strcmp(key, "targets") ? &p->l.targets : &p->l.rules))
		return fail(p, "[quota] %s: bad value '%s' (want 0..%u or unlimited)", key, value,
			    (unsigned)max);
	return 1;
}

void mb_quota_defaults(struct mb_quota_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->targets = MB_QUOTA_DEFAULT_TARGETS;
	l->rules = MB_QUOTA_DEFAULT_RULES;
	l->set = MB_QUOTA_FROM_CONFIG;
}

int mb_quota_config_parse(const char *name, const char *text, struct mb_quota_limits *l,
			  struct mb_error *err)
{
	struct parse p = { .name = name };
	int line;

	mb_quota_defaults(&p.l);
	line = ini_parse_string(text, on_key, &p);
	if (line || p.failed) {
		if (!p.failed)
			snprintf(p.err.msg, sizeof(p.err.msg), "not an INI line");
		mb_error_set(err, "%s:%d: %s", name, line, p.err.msg);
		return -EINVAL;
	}
	*l = p.l;
	return 0;
}

int mb_root_file_read(const char *path, uid_t owner, char **out, struct mb_error *err)
{
	struct stat st;
	char *text = NULL;
	ssize_t n;
	int fd, ret;

	*out = NULL;
	/* No symlinks: what root put at this path is what we read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		if (ret != -ENOENT)
			mb_error_set(err, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		mb_error_set(err, "%s: cannot stat: %s", path, strerror(-ret));
		goto out;
	}
	ret = -EPERM;
	if (!S_ISREG(st.st_mode)) {
		mb_error_set(err, "%s: refused: not a regular file", path);
		goto out;
	}
	if (st.st_uid != owner) {
		mb_error_set(err, "%s: refused: owned by uid %u, not %u", path,
			     (unsigned)st.st_uid, (unsigned)owner);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		mb_error_set(err, "%s: refused: writable by group or others (mode %04o)", path,
			     (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > CONF_MAX) {
		mb_error_set(err, "%s: refused: larger than %d bytes", path, CONF_MAX);
		goto out;
	}
	ret = -ENOMEM;
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text) {
		mb_error_set(err, "%s: out of memory", path);
		goto out;
	}
	n = read(fd, text, (size_t)st.st_size);
	if (n < 0) {
		ret = -errno;
		mb_error_set(err, "%s: cannot read: %s", path, strerror(-ret));
		goto out;
	}
	text[n] = '\0';
	if (memchr(text, '\0', (size_t)n)) {
		ret = -EINVAL;
		mb_error_set(err, "%s: refused: a NUL byte in a text file", path);
		goto out;
	}
	*out = text;
	text = NULL;
	ret = 0;
out:
	free(text);
	close(fd);
	return ret;
}

int mb_quota_config_load(const char *path, uid_t owner, struct mb_quota_limits *l,
			 struct mb_error *err)
{
	char *text;
	int ret = mb_root_file_read(path, owner, &text, err);

	if (ret == -ENOENT) {
		mb_quota_defaults(l);
		return 0;
	}
	if (ret)
		return ret;
	ret = mb_quota_config_parse(path, text, l, err);
	free(text);
	return ret;
}

void mb_quota_message(int err, __u32 uid, __u32 n_rules, int pid, const struct mb_quota_charge *q,
		      const struct mb_quota_usage *sum, const char *config, char *buf, size_t len)
{
	char refused[64] = "";

	if (q->held.refused)
		snprintf(refused, sizeof(refused), "; %u forks of its targets got no entry",
			 q->held.refused);
	if (err == -EDQUOT && q->held.targets + 1 > q->limits.targets)
		snprintf(buf, len,
			 "mb-helper: uid %u holds %u of its %u targets (quota, %s [quota] targets=)%s; "
			 "registry: %u of %u",
			 uid, q->held.targets, q->limits.targets, config, refused, sum->targets,
			 MB_MAX_TARGETS);
	else if (err == -EDQUOT)
		snprintf(buf, len,
			 "mb-helper: uid %u holds %u of its %u rule entries, %u more asked (quota, %s "
			 "[quota] rules=)%s; registry: %u of %u",
			 uid, q->held.rules, q->limits.rules, n_rules, config, refused, sum->rules,
			 MB_MAX_RULE_ENTRIES);
	else if (err == -ENOSPC)
		snprintf(buf, len, "mb-helper: the quota table is full (%d uids hold targets)",
			 MB_QUOTA_MAX_UIDS);
	else if (err == -E2BIG)
		snprintf(buf, len,
			 "mb-helper: the registry is full: %u of %u targets, %u of %u rule entries "
			 "(uid %u holds %u targets, %u rule entries)",
			 sum->targets, MB_MAX_TARGETS, sum->rules, MB_MAX_RULE_ENTRIES, uid,
			 q->held.targets, q->held.rules);
	else
		snprintf(buf, len, "mb-helper failed to register pid %d: %s", pid, strerror(-err));
}
