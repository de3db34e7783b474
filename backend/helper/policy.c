/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's policy file, read with inih as the quota file is
 * (lib/quota_config.c), whose [quota] section it hands to that very
 * parser. Read once, at start: a bad file stops the daemon with
 * FILE:LINE, never a daemon that half-applies its policy.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "helper/policy.h"
#include "lib/name_tables.h"
#include "lib/quota_config.h"
#include "minderbinder/pins.h"

static const char *const sections[] = { "register", "quota" };
static const char *const keys[] = { "allow_uids", "allow_cgroups", "allow_userns",
				    "host_interfaces" };
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

struct parse {
	const char *name;
	const char *pos; /* the next line of the text */
	unsigned lineno; /* of the line inih handles */
	int mid_line;    /* the last chunk read did not end its line */
	unsigned fail_line;
	struct mb_error err;
	struct mb_policy *p;
};

static int fail(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->fail_line) {
		ps->fail_line = ps->lineno;
		va_start(ap, fmt);
		mb_error_vset(&ps->err, fmt, ap);
		va_end(ap);
	}
	return 0; /* inih: an error on this line */
}

/* inih's reader, one line at a time, so that the handler knows its line. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	size_t len;

	if (!*ps->pos || num < 2)
		return NULL;
	len = strcspn(ps->pos, "\n");
	if (ps->pos[len] == '\n')
		len++;
	if (len > (size_t)num - 1)
		len = (size_t)num - 1; /* inih reads the rest as the next line */
	memcpy(str, ps->pos, len);
	str[len] = '\0';
	ps->pos += len;
	if (!ps->mid_line)
		ps->lineno++;
	ps->mid_line = str[len - 1] != '\n';
	return str;
}

static int parse_uids(struct parse *ps, const char *v)
{
	struct mb_policy *p = ps->p;
	char list[1024], *tok, *save = NULL, *end;
	unsigned long n;

	snprintf(list, sizeof(list), "%s", v);
	for (tok = strtok_r(list, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		errno = 0;
		n = strtoul(tok, &end, 10);
		if (*tok < '0' || *tok > '9' || *end || errno || n > 0xfffffffeUL)
			return fail(ps, "[register] allow_uids: bad uid '%s' (want numbers, "
				    "e.g. allow_uids = 0 1000)", tok);
		if (p->n_uids == MB_POLICY_MAX_ITEMS)
			return fail(ps, "[register] allow_uids: more than %d uids",
				    MB_POLICY_MAX_ITEMS);
		p->uids[p->n_uids++] = (__u32)n;
	}
	return 1;
}

static int parse_cgroups(struct parse *ps, const char *v)
{
	struct mb_policy *p = ps->p;
	char list[4096], *tok, *save = NULL;
	size_t len;

	snprintf(list, sizeof(list), "%s", v);
	for (tok = strtok_r(list, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		len = strlen(tok);
		if (tok[0] != '/' || len >= MB_POLICY_CGROUP_MAX || strstr(tok, "/../") ||
		    (len >= 3 && !strcmp(tok + len - 3, "/..")))
			return fail(ps, "[register] allow_cgroups: bad prefix '%s' (want a "
				    "cgroup v2 path such as /kubepods.slice/, as in /proc/PID/cgroup)",
				    tok);
		if (p->n_cgroups == MB_POLICY_MAX_ITEMS)
			return fail(ps, "[register] allow_cgroups: more than %d prefixes",
				    MB_POLICY_MAX_ITEMS);
		/* A trailing slash means nothing more: /a/ and /a both match
		 * /a and what is under it, never /ab. */
		while (len > 1 && tok[len - 1] == '/')
			tok[--len] = '\0';
		strcpy(p->cgroups[p->n_cgroups++], tok);
	}
	return 1;
}

static int parse_userns(struct parse *ps, const char *v)
{
	struct mb_policy *p = ps->p;
	char list[1024], *tok, *save = NULL, *end;
	unsigned long long n;

	snprintf(list, sizeof(list), "%s", v);
	for (tok = strtok_r(list, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		if (!strcmp(tok, "host")) {
			p->userns_host = 1;
			continue;
		}
		if (!strcmp(tok, "nested")) {
			p->userns_nested = 1;
			continue;
		}
		errno = 0;
		n = strtoull(tok, &end, 10);
		if (*tok < '0' || *tok > '9' || *end || errno || !n)
			return fail(ps, "[register] allow_userns: bad value '%s' (want host, nested "
				    "or a namespace's inode, as `stat -L -c %%i /proc/PID/ns/user` "
				    "prints it)", tok);
		if (p->n_userns == MB_POLICY_MAX_ITEMS)
			return fail(ps, "[register] allow_userns: more than %d namespaces",
				    MB_POLICY_MAX_ITEMS);
		p->userns[p->n_userns++] = n;
	}
	return 1;
}

static unsigned *key_line(struct mb_policy *p, size_t k)
{
	unsigned *lines[N_KEYS] = { &p->uids_line, &p->cgroups_line, &p->userns_line,
				    &p->host_ifaces_line };

	return lines[k];
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse *ps = user;
	const char *near;
	unsigned *line;
	size_t k;

	if (!strcmp(section, "quota")) {
		ps->p->has_quota = 1; /* its keys: mb_quota_config_parse */
		return 1;
	}
	if (strcmp(section, "register")) {
		near = mb_nearest(section, 2, mb_nearest_list_at, (void *)sections);
		return fail(ps, "unknown section [%s]%s%s%s (sections: [register], [quota])",
			    section, near ? ": did you mean [" : "", near ? near : "",
			    near ? "]?" : "");
	}
	for (k = 0; k < N_KEYS; k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == N_KEYS) {
		near = mb_nearest(key, N_KEYS, mb_nearest_list_at, (void *)keys);
		return fail(ps, "[register] unknown key '%s'%s%s (keys: allow_uids, allow_cgroups, "
			    "allow_userns, host_interfaces)", key, near ? ", did you mean " : "",
			    near ? near : "");
	}
	line = key_line(ps->p, k);
	if (*line)
		return fail(ps, "[register] %s given twice (first at line %u)", key, *line);
	*line = ps->lineno;
	switch (k) {
	case 0:
		return parse_uids(ps, value);
	case 1:
		return parse_cgroups(ps, value);
	case 2:
		return parse_userns(ps, value);
	default:
		if (!strcmp(value, "yes") || !strcmp(value, "no")) {
			ps->p->host_ifaces = !strcmp(value, "yes");
			return 1;
		}
		return fail(ps, "[register] host_interfaces: bad value '%s' (want yes or no)",
			    value);
	}
}

/* The [quota] lines alone, every other line left empty so that the quota
 * parser's line numbers are the file's. */
static char *quota_only(const char *text)
{
	char *out = strdup(text), *line, *next;
	int in_quota = 0;

	if (!out)
		return NULL;
	for (line = out; *line; line = next) {
		const char *s = line;
		size_t len = strcspn(line, "\n");

		next = line + len + (line[len] == '\n');
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[')
			in_quota = !strncmp(s, "[quota]", 7);
		if (!in_quota)
			memset(line, ' ', len);
	}
	return out;
}

int mb_policy_parse(const char *name, const char *text, struct mb_policy *p,
		    struct mb_error *err)
{
	struct parse ps = { .name = name, .pos = text };
	char *quota;
	int line, ret = 0;

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", name);
	ps.p = p;
	mb_quota_defaults(&p->quota);
	line = ini_parse_stream(read_line, &ps, on_key, &ps);
	if (line || ps.fail_line) {
		if (!ps.fail_line)
			snprintf(ps.err.msg, sizeof(ps.err.msg),
				 "not an INI line (want 'key = value' or a [section] header)");
		mb_error_set(err, "%s:%u: %s", name, ps.fail_line ? ps.fail_line : (unsigned)line,
			     ps.err.msg);
		return -EINVAL;
	}
	if (p->has_quota) {
		quota = quota_only(text);
		if (!quota) {
			mb_error_set(err, "%s: out of memory", name);
			return -ENOMEM;
		}
		ret = mb_quota_config_parse(name, quota, &p->quota, err);
		free(quota);
	}
	return ret;
}

int mb_policy_load(const char *path, int required, struct mb_policy *p, struct mb_error *err)
{
	char *text;
	int ret = mb_root_file_read(path, 0, &text, err);

	if (ret == -ENOENT && !required) {
		memset(p, 0, sizeof(*p));
		snprintf(p->path, sizeof(p->path), "%s", path);
		return 0;
	}
	if (ret == -ENOENT)
		mb_error_set(err, "%s: no such file", path);
	if (ret)
		return ret;
	ret = mb_policy_parse(path, text, p, err);
	free(text);
	return ret;
}

static int cgroup_under(const char *cg, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!strcmp(prefix, "/"))
		return 1;
	return !strncmp(cg, prefix, n) && (cg[n] == '\0' || cg[n] == '/');
}

int mb_policy_check(const struct mb_policy *p, const struct mb_policy_caller *c,
		    struct mb_error *err)
{
	unsigned i;
	int ok;

	if (p->uids_line) {
		for (ok = 0, i = 0; i < p->n_uids && !ok; i++)
			ok = p->uids[i] == c->uid;
		if (!ok) {
			mb_error_set(err, "%s:%u: uid %u is not in 'allow_uids'", p->path,
				     p->uids_line, (unsigned)c->uid);
			return -EPERM;
		}
	}
	if (p->cgroups_line) {
		for (ok = 0, i = 0; i < p->n_cgroups && !ok; i++)
			ok = cgroup_under(c->cgroup, p->cgroups[i]);
		if (!ok) {
			mb_error_set(err, "%s:%u: cgroup %.200s is under none of 'allow_cgroups'",
				     p->path, p->cgroups_line, c->cgroup);
			return -EPERM;
		}
	}
	if (p->userns_line) {
		ok = c->nested_userns ? p->userns_nested : p->userns_host;
		for (i = 0; i < p->n_userns && !ok; i++)
			ok = p->userns[i] == c->userns;
		if (!ok) {
			mb_error_set(err, "%s:%u: user namespace %llu (%s) is not in 'allow_userns'",
				     p->path, p->userns_line, (unsigned long long)c->userns,
				     c->nested_userns ? "nested" : "host");
			return -EPERM;
		}
	}
	return 0;
}

int mb_policy_check_host_ifaces(const struct mb_policy *p, struct mb_error *err)
{
	if (p->host_ifaces)
		return 0;
	if (p->host_ifaces_line)
		mb_error_set(err, "%s:%u: network rules may not attach to the daemon's own "
			     "interfaces ('host_interfaces = no'); run the target in a network "
			     "namespace of its own", p->path, p->host_ifaces_line);
	else
		mb_error_set(err, "%s: network rules may not attach to the daemon's own interfaces "
			     "(host_interfaces is no unless [register] says 'host_interfaces = yes'); "
			     "run the target in a network namespace of its own", p->path);
	return -EPERM;
}
