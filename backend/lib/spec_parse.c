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
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_parse.h"

#define TOKEN_MAX (MB_PATH_GLOB_MAX + 64)
#define MAX_FIELDS 16

/* One ':'-separated field, unescaped, with where it started. */
struct field {
	char text[TOKEN_MAX];
	unsigned col; /* 1-based column in the variable's value */
};

struct ctx {
	const char *var;
	struct mb_error *err;
};

void mb_error_set(struct mb_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int fail(const struct ctx *c, unsigned col, const char *what,
		const char *token, const char *suggestion)
{
	if (suggestion)
		mb_error_set(c->err, "%s: %s '%s' at column %u (did you mean '%s'?)",
			     c->var, what, token, col, suggestion);
	else
		mb_error_set(c->err, "%s: %s '%s' at column %u", c->var, what,
			     token, col);
	return -EINVAL;
}

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

/* --- numbers --------------------------------------------------------------- */

static int parse_u64(const char *t, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)t[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(t, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int mb_parse_rate(const char *text, __u32 *ppm)
{
	__u64 whole = 0, frac = 0;
	unsigned frac_digits = 0;
	const char *p = text;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > 100)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		/* ppm of a percent leaves four decimals of resolution */
		while (isdigit((unsigned char)*p)) {
			if (frac_digits == 4)
				return -EINVAL;
			frac = frac * 10 + (*p++ - '0');
			frac_digits++;
		}
	}
	if (*p == '%')
		p++;
	if (*p)
		return -EINVAL;
	while (frac_digits++ < 4)
		frac *= 10;
	if (whole * 10000 + frac > MB_RATE_ONE)
		return -ERANGE;
	*ppm = (__u32)(whole * 10000 + frac);
	return 0;
}

static const struct {
	const char *unit;
	__u64 ns;
} duration_units[] = {
	{ "ns", 1ULL },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ "m", 60000000000ULL },
	{ "h", 3600000000000ULL },
};

int mb_parse_duration(const char *text, __u64 *ns)
{
	unsigned long long v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -ERANGE;
	if (!*end)
		return -EDOM; /* a number without a unit */
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (strcmp(end, duration_units[i].unit))
			continue;
		if (v > UINT64_MAX / duration_units[i].ns)
			return -ERANGE;
		*ns = v * duration_units[i].ns;
		return 0;
	}
	return -EINVAL;
}

/* --- tokenising ------------------------------------------------------------ */

static void trim(struct field *f)
{
	size_t n = strlen(f->text), lead = 0;

	while (n && isspace((unsigned char)f->text[n - 1]))
		f->text[--n] = '\0';
	while (isspace((unsigned char)f->text[lead]))
		lead++;
	if (lead) {
		memmove(f->text, f->text + lead, n - lead + 1);
		f->col += lead;
	}
}

/*
 * Splits one rule (from *pos up to an unescaped ';') into fields. Leaves
 * *pos after the ';'. Returns the number of fields or -EINVAL.
 */
static int split_rule(const struct ctx *c, const char *text, size_t *pos,
		      struct field *fields)
{
	size_t i = *pos, len = 0;
	int n = 0, bracket = 0;

	fields[0].col = (unsigned)i + 1;
	fields[0].text[0] = '\0';
	for (;; i++) {
		char ch = text[i];

		if (ch == '\\' && text[i + 1]) {
			ch = text[++i];
		} else if (ch == '[' || ch == ']') {
			/* addr=[fd00::]/8: an IPv6 address keeps its colons */
			bracket = ch == '[';
		} else if ((ch == ':' && !bracket) || ch == ';' || ch == '\0') {
			fields[n].text[len] = '\0';
			trim(&fields[n]);
			n++;
			if (ch != ':') {
				*pos = ch ? i + 1 : i;
				return n;
			}
			if (n == MAX_FIELDS) {
				char tok[2] = ":";
				return fail(c, (unsigned)i + 1,
					    "too many ':' fields in one rule near", tok,
					    NULL);
			}
			fields[n].col = (unsigned)i + 2;
			len = 0;
			continue;
		}
		if (len + 1 >= TOKEN_MAX) {
			fields[n].text[len] = '\0';
			return fail(c, fields[n].col, "token too long", fields[n].text,
				    NULL);
		}
		fields[n].text[len++] = ch;
	}
}

static int blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

/* --- names ----------------------------------------------------------------- */

static const char *errno_at(void *ctx, size_t i)
{
	(void)ctx;
	return mb_errno_name_at(i);
}

static const char *syscall_at(void *ctx, size_t i)
{
	return mb_syscall_name_at(*(enum mb_arch *)ctx, i);
}

static const char *list_at(void *ctx, size_t i)
{
	return ((const char *const *)ctx)[i];
}

static const char *nearest_in(const char *word, const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return mb_nearest(word, n, list_at, (void *)list);
}

/* "ENOENT", "-ENOENT" or "-2" -> 2. */
static int parse_errno(const struct ctx *c, const struct field *f, int *out)
{
	const char *t = f->text;
	__u64 v;
	int e;

	if (t[0] == '-' && isdigit((unsigned char)t[1])) {
		if (parse_u64(t + 1, &v) || v < 1 || v > MB_ERRNO_MAX)
			return fail(c, f->col, "errno out of range (1..4095)", t, NULL);
		*out = (int)v;
		return 0;
	}
	if (t[0] == '-')
		t++;
	e = mb_errno_by_name(t);
	if (e > 0) {
		*out = e;
		return 0;
	}
	return fail(c, f->col, "unknown errno", f->text,
		    mb_nearest(t, mb_errno_count(), errno_at, NULL));
}

/* Which argument of a syscall carries the path that path= matches; the
 * first path when there are two (rename, link). */
static const struct {
	const char *name;
	int arg;
} path_syscalls[] = {
	{ "open", 0 },	       { "creat", 0 },	      { "openat", 1 },
	{ "openat2", 1 },      { "stat", 0 },	      { "lstat", 0 },
	{ "newfstatat", 1 },   { "statx", 1 },	      { "access", 0 },
	{ "faccessat", 1 },    { "faccessat2", 1 },   { "unlink", 0 },
	{ "unlinkat", 1 },     { "mkdir", 0 },	      { "mkdirat", 1 },
	{ "rmdir", 0 },	       { "rename", 0 },	      { "renameat", 1 },
	{ "renameat2", 1 },    { "chdir", 0 },	      { "chroot", 0 },
	{ "execve", 0 },       { "execveat", 1 },     { "truncate", 0 },
	{ "readlink", 0 },     { "readlinkat", 1 },   { "chmod", 0 },
	{ "fchmodat", 1 },     { "fchmodat2", 1 },    { "chown", 0 },
	{ "lchown", 0 },       { "fchownat", 1 },     { "mknod", 0 },
	{ "mknodat", 1 },      { "link", 0 },	      { "linkat", 1 },
	{ "symlink", 1 },      { "symlinkat", 2 },    { "utimensat", 1 },
	{ "utimes", 0 },       { "utime", 0 },	      { "statfs", 0 },
	{ "getxattr", 0 },     { "lgetxattr", 0 },    { "setxattr", 0 },
	{ "lsetxattr", 0 },    { "listxattr", 0 },    { "llistxattr", 0 },
	{ "removexattr", 0 },  { "lremovexattr", 0 }, { "inotify_add_watch", 1 },
	{ "swapon", 0 },       { "acct", 0 },
};

static int path_arg_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(path_syscalls) / sizeof(path_syscalls[0]); i++)
		if (!strcmp(path_syscalls[i].name, name))
			return path_syscalls[i].arg;
	return -1;
}

int mb_syscall_path_arg(const char *name)
{
	return name ? path_arg_of(name) : -1;
}

/* Syscalls whose path argument is relative to the fd in the argument
 * before it. */
/* clang-format off */
static const char *const at_syscalls[] = {
	"openat", "openat2", "newfstatat", "statx", "faccessat", "faccessat2",
	"unlinkat", "mkdirat", "renameat", "renameat2", "execveat", "readlinkat",
	"fchmodat", "fchmodat2", "fchownat", "mknodat", "linkat", "symlinkat",
	"utimensat",
};
/* clang-format on */

int mb_syscall_dirfd_arg(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(at_syscalls) / sizeof(at_syscalls[0]); i++)
		if (!strcmp(at_syscalls[i], name))
			return path_arg_of(name) - 1;
	return -1;
}

/* --- options --------------------------------------------------------------- */

enum opt_id { OPT_RATE, OPT_DELAY, OPT_AFTER, OPT_TIMES, OPT_PATH, OPT_LATENCY,
	      OPT_SEED, OPT_ADDR, OPT_COUNT };

static const char *const opt_names[] = {
	"rate", "delay", "after", "times", "path", "latency", "seed", "addr", NULL,
};

static const __u32 opt_flag[] = {
	MB_F_RATE, MB_F_DELAY, MB_F_AFTER, MB_F_TIMES, MB_F_PATH, MB_F_LATENCY,
	MB_F_SEED, MB_F_ADDR,
};

/* "10.1.2.3/8" is most likely a typo for the network: say which. */
static int host_bits_error(const struct ctx *c, const struct field *f,
			   const char *v, __u8 *addr, int family, unsigned plen)
{
	unsigned max = family == 4 ? 32 : 128, j;
	char a[INET6_ADDRSTRLEN], fixed[INET6_ADDRSTRLEN + 8];

	for (j = plen; j < max; j++)
		addr[j / 8] &= (__u8)~(0x80 >> (j % 8));
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	if (family == 4)
		snprintf(fixed, sizeof(fixed), "%s/%u", a, plen);
	else
		snprintf(fixed, sizeof(fixed), "[%s]/%u", a, plen);
	return fail(c, f->col, "address has host bits set", v, fixed);
}

static int parse_cidr(const struct ctx *c, const struct field *f, const char *v,
		      struct mb_net_rule *net)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(v, '/');
	size_t hlen = slash ? (size_t)(slash - v) : strlen(v);
	__u8 addr[16] = { 0 };
	unsigned max, i;
	__u64 plen;
	int family;

	if (v[0] == '[' && hlen >= 2 && v[hlen - 1] == ']') {
		v++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return fail(c, f->col, "bad address", v, NULL);
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1) {
		family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		family = 6;
		max = 128;
	} else {
		return fail(c, f->col, "bad address (want an IPv4 or IPv6 CIDR)", v,
			    NULL);
	}
	plen = max;
	if (slash && (parse_u64(slash + 1, &plen) || plen > max))
		return fail(c, f->col, "bad prefix length in", v, NULL);
	for (i = (unsigned)plen; i < max; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return host_bits_error(c, f, v, addr, family, (unsigned)plen);
	net->family = (__u8)family;
	net->prefix_len = (__u8)plen;
	memcpy(net->addr, addr, sizeof(addr));
	return 0;
}

static int parse_option(const struct ctx *c, const struct field *f,
			struct mb_rule *r, const char *rule_name)
{
	char name[32];
	const char *eq = strchr(f->text, '='), *v;
	size_t nlen;
	int id, err;
	__u64 u;

	if (!eq)
		return fail(c, f->col, "expected OPTION=VALUE, got", f->text, NULL);
	nlen = (size_t)(eq - f->text);
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, f->text, nlen);
	name[nlen] = '\0';
	while (nlen && isspace((unsigned char)name[nlen - 1]))
		name[--nlen] = '\0';
	v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	for (id = 0; id < OPT_COUNT; id++)
		if (!strcmp(name, opt_names[id]))
			break;
	if (id == OPT_COUNT)
		return fail(c, f->col, "unknown option", name,
			    nearest_in(name, opt_names));
	if (r->flags & opt_flag[id])
		return fail(c, f->col, "option given twice:", name, NULL);
	if (r->kind == MB_RULE_NET && (id == OPT_PATH || id == OPT_LATENCY))
		return fail(c, f->col, "option only valid in syscall rules:", name,
			    NULL);
	if (r->kind == MB_RULE_SYSCALL && id == OPT_ADDR)
		return fail(c, f->col, "option only valid in network rules:", name,
			    NULL);
	if (!*v)
		return fail(c, f->col, "option has no value:", name, NULL);

	switch (id) {
	case OPT_RATE:
		if (mb_parse_rate(v, &r->rate_ppm))
			return fail(c, f->col, "bad rate (want 0%..100%, e.g. rate=12.5%)",
				    v, NULL);
		break;
	case OPT_DELAY:
	case OPT_LATENCY:
		err = mb_parse_duration(v, id == OPT_DELAY ? &r->delay_ns
							   : &r->latency_ns);
		if (err == -EDOM) {
			char hint[48];

			snprintf(hint, sizeof(hint), "%s=%sms", name, v);
			return fail(c, f->col, "duration needs a unit (ns, us, ms, s, m, h):",
				    v, hint);
		}
		if (err)
			return fail(c, f->col,
				    "bad duration (want e.g. 100ms, 2s, 500us)", v, NULL);
		break;
	case OPT_AFTER:
		if (parse_u64(v, &r->after))
			return fail(c, f->col, "bad count for after=", v, NULL);
		break;
	case OPT_TIMES:
		if (parse_u64(v, &u) || u == 0)
			return fail(c, f->col,
				    "bad count for times= (want a number >= 1)", v, NULL);
		r->times = u;
		break;
	case OPT_SEED:
		if (parse_u64(v, &r->seed))
			return fail(c, f->col, "bad seed (want an unsigned number)", v,
				    NULL);
		break;
	case OPT_PATH:
		r->sys.path_arg = path_arg_of(rule_name);
		if (r->sys.path_arg < 0) {
			mb_error_set(c->err,
				     "%s: option 'path' at column %u needs a syscall with a path argument (openat, open, creat, stat, ...); '%s' has none",
				     c->var, f->col, rule_name);
			return -EINVAL;
		}
		if (strlen(v) >= MB_PATH_GLOB_MAX)
			return fail(c, f->col, "path glob longer than 255 bytes:", v,
				    NULL);
		strcpy(r->sys.path, v);
		break;
	case OPT_ADDR:
		err = parse_cidr(c, f, v, &r->net);
		if (err)
			return err;
		break;
	}
	r->flags |= opt_flag[id];
	return 0;
}

static void apply_defaults(struct mb_rule *r, const struct mb_defaults *d)
{
	if (!(r->flags & MB_F_RATE))
		r->rate_ppm = d->rate_ppm;
	if (!(r->flags & MB_F_DELAY))
		r->delay_ns = d->delay_ns;
	if (!(r->flags & MB_F_SEED) && d->has_seed) {
		r->seed = d->seed;
		r->flags |= MB_F_SEED;
	}
}

/* --- rules ----------------------------------------------------------------- */

static int parse_result(const struct ctx *c, const struct field *f,
			struct mb_rule *r)
{
	const char *t = f->text;
	__u64 v;
	int e, err;

	if (t[0] == '+') {
		if (parse_u64(t + 1, &v) || v > INT64_MAX)
			return fail(c, f->col, "bad fake return value (want +N, e.g. +0)",
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
		return fail(c, f->col, "errno out of range (1..4095)", t, "+0");
	err = parse_errno(c, f, &e);
	if (err)
		return err;
	r->sys.result = MB_RES_ERRNO;
	r->sys.value = e;
	return 0;
}

static int parse_syscall_rule(const struct ctx *c, struct field *fl, int n,
			      enum mb_arch arch, struct mb_rule *r)
{
	int nr, i = 1, err;

	r->kind = MB_RULE_SYSCALL;
	r->sys.path_arg = -1;
	if (!fl[0].text[0])
		return fail(c, fl[0].col, "missing syscall name before", ":", NULL);
	nr = mb_syscall_by_name(arch, fl[0].text);
	if (nr < 0)
		return fail(c, fl[0].col, "unknown syscall", fl[0].text,
			    mb_nearest(fl[0].text, mb_syscall_count(arch), syscall_at,
				       &arch));
	r->sys.nr = nr;
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
		err = parse_option(c, &fl[i], r, fl[0].text);
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

static const char *const proto_names[] = { "tcp", "udp", "any", NULL };
static const char *const net_actions[] = { "drop", "refuse", NULL };

static int parse_port(const struct ctx *c, const struct field *f,
		      struct mb_net_rule *net)
{
	const char *t = f->text, *dash;
	char lo[8];
	__u64 a, b;

	if (!strcmp(t, "*")) {
		net->port_lo = 0;
		net->port_hi = 65535;
		return 0;
	}
	dash = strchr(t, '-');
	if (!dash) {
		if (parse_u64(t, &a) || a < 1 || a > 65535)
			return fail(c, f->col, "bad port (want 1..65535, N-M or *)", t,
				    NULL);
		net->port_lo = net->port_hi = (__u16)a;
		return 0;
	}
	if ((size_t)(dash - t) >= sizeof(lo))
		return fail(c, f->col, "bad port range", t, NULL);
	memcpy(lo, t, (size_t)(dash - t));
	lo[dash - t] = '\0';
	if (parse_u64(lo, &a) || parse_u64(dash + 1, &b) || a < 1 || b > 65535 ||
	    a > b)
		return fail(c, f->col, "bad port range (want N-M, 1 <= N <= M <= 65535)",
			    t, NULL);
	net->port_lo = (__u16)a;
	net->port_hi = (__u16)b;
	return 0;
}

static int parse_net_rule(const struct ctx *c, struct field *fl, int n,
			  struct mb_rule *r)
{
	int i, err, e;

	r->kind = MB_RULE_NET;
	for (i = 0; proto_names[i]; i++)
		if (!strcmp(fl[0].text, proto_names[i]))
			break;
	if (!proto_names[i])
		return fail(c, fl[0].col, "unknown protocol (want tcp, udp or any)",
			    fl[0].text, nearest_in(fl[0].text, proto_names));
	r->net.proto = i == 0 ? MB_PROTO_TCP : i == 1 ? MB_PROTO_UDP : MB_PROTO_ANY;
	if (n < 3) {
		mb_error_set(c->err,
			     "%s: network rule at column %u needs PROTO:PORT:ACTION (e.g. tcp:443:drop)",
			     c->var, fl[0].col);
		return -EINVAL;
	}
	err = parse_port(c, &fl[1], &r->net);
	if (err)
		return err;
	if (!strcmp(fl[2].text, "drop")) {
		r->net.action = MB_NET_DROP;
	} else if (!strcmp(fl[2].text, "refuse")) {
		r->net.action = MB_NET_ERRNO;
		r->net.err = ECONNREFUSED;
	} else if (fl[2].text[0] == 'E' || fl[2].text[0] == '-') {
		err = parse_errno(c, &fl[2], &e);
		if (err)
			return err;
		r->net.action = MB_NET_ERRNO;
		r->net.err = e;
	} else {
		return fail(c, fl[2].col, "unknown action (want drop, refuse or an errno)",
			    fl[2].text, nearest_in(fl[2].text, net_actions));
	}
	for (i = 3; i < n; i++) {
		err = parse_option(c, &fl[i], r, fl[0].text);
		if (err)
			return err;
	}
	return 0;
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

		n = split_rule(&c, text, &pos, fields);
		if (n < 0) {
			ret = n;
			goto out;
		}
		if (n == 1 && blank(fields[0].text))
			continue; /* "a;;b" and a trailing ';' */
		if (tmp->n_rules == MB_MAX_RULES) {
			mb_error_set(err, "%s: too many rules at column %zu (at most %d in all)",
				     var, start + 1, MB_MAX_RULES);
			ret = -E2BIG;
			goto out;
		}
		r = &tmp->rules[tmp->n_rules];
		memset(r, 0, sizeof(*r));
		ret = net ? parse_net_rule(&c, fields, n, r)
			  : parse_syscall_rule(&c, fields, n, tmp->arch, r);
		if (ret)
			goto out;
		apply_defaults(r, d);
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

/* --- the environment ------------------------------------------------------- */

static const char *env_value(mb_getenv_fn get, const char *name)
{
	const char *v = get(name);

	return v && !blank(v) ? v : NULL;
}

int mb_defaults_from_env(struct mb_defaults *d, mb_getenv_fn get,
			 struct mb_error *err)
{
	struct mb_defaults tmp;
	const char *v;
	__u64 u;

	mb_defaults_init(&tmp);
	v = env_value(get, "MINDERBINDER_FAILURE_RATE");
	if (v && mb_parse_rate(v, &tmp.rate_ppm)) {
		mb_error_set(err,
			     "MINDERBINDER_FAILURE_RATE: bad rate '%s' (want a percentage 0..100, e.g. 50 or 12.5%%)",
			     v);
		return -EINVAL;
	}
	v = env_value(get, "MINDERBINDER_DELAY_MS");
	if (v) {
		if (parse_u64(v, &u) || u > UINT64_MAX / 1000000) {
			mb_error_set(err,
				     "MINDERBINDER_DELAY_MS: bad delay '%s' (want whole milliseconds, e.g. 100)",
				     v);
			return -EINVAL;
		}
		tmp.delay_ns = u * 1000000;
	}
	v = env_value(get, "MINDERBINDER_SEED");
	if (v) {
		if (parse_u64(v, &tmp.seed)) {
			mb_error_set(err,
				     "MINDERBINDER_SEED: bad seed '%s' (want an unsigned number)",
				     v);
			return -EINVAL;
		}
		tmp.has_seed = true;
	}
	*d = tmp;
	return 0;
}

int mb_spec_from_env(struct mb_spec *s, mb_getenv_fn get, struct mb_error *err)
{
	struct mb_defaults d;
	const char *sys = env_value(get, "MINDERBINDER_SYSCALL");
	const char *net = env_value(get, "MINDERBINDER_NET");
	struct mb_spec *tmp;
	int ret;

	if (!sys && !net)
		return 0;
	ret = mb_defaults_from_env(&d, get, err);
	if (ret)
		return ret;
	tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		mb_error_set(err, "out of memory");
		return -ENOMEM;
	}
	mb_spec_init(tmp, s->arch ? (enum mb_arch)s->arch : mb_native_arch());
	ret = mb_spec_add_syscalls(tmp, "MINDERBINDER_SYSCALL", sys, &d, err);
	if (!ret)
		ret = mb_spec_add_net(tmp, "MINDERBINDER_NET", net, &d, err);
	if (!ret) {
		if (!tmp->n_rules) {
			mb_error_set(err, "%s: no rule in '%s'",
				     sys ? "MINDERBINDER_SYSCALL" : "MINDERBINDER_NET",
				     sys ? sys : net);
			ret = -EINVAL;
		} else {
			memcpy(s, tmp, sizeof(*s));
			ret = (int)s->n_rules;
		}
	}
	free(tmp);
	return ret;
}

/* --- validation of a spec from outside -------------------------------------- */

int mb_spec_validate(const struct mb_spec *s, struct mb_error *err)
{
	const __u32 known = MB_F_RATE | MB_F_DELAY | MB_F_AFTER | MB_F_TIMES |
			    MB_F_PATH | MB_F_LATENCY | MB_F_SEED | MB_F_ADDR;
	__u32 i;

	if (s->magic != MB_SPEC_MAGIC || s->version != MB_SPEC_VERSION) {
		mb_error_set(err, "spec: bad magic or version");
		return -EPROTO;
	}
	if (!mb_arch_name(s->arch) || s->n_rules > MB_MAX_RULES) {
		mb_error_set(err, "spec: bad arch or rule count");
		return -EINVAL;
	}
	for (i = 0; i < s->n_rules; i++) {
		const struct mb_rule *r = &s->rules[i];
		const char *name;

#define BAD(what)                                                    \
	do {                                                         \
		mb_error_set(err, "spec: rule %u: bad %s", i, what); \
		return -EINVAL;                                      \
	} while (0)
		if (r->flags & ~known)
			BAD("flags");
		if (r->rate_ppm > MB_RATE_ONE)
			BAD("rate");
		if (r->kind == MB_RULE_SYSCALL) {
			name = mb_syscall_name(s->arch, r->sys.nr);
			if (!name)
				BAD("syscall number");
			if (r->flags & MB_F_ADDR)
				BAD("option addr");
			switch (r->sys.result) {
			case MB_RES_NONE:
				if (!(r->flags & MB_F_LATENCY))
					BAD("result");
				break;
			case MB_RES_ERRNO:
				if (r->sys.value < 1 || r->sys.value > MB_ERRNO_MAX)
					BAD("errno");
				break;
			case MB_RES_VALUE:
				if (r->sys.value < 0)
					BAD("return value");
				break;
			default:
				BAD("result");
			}
			if (r->flags & MB_F_PATH) {
				if (!memchr(r->sys.path, '\0', sizeof(r->sys.path)) ||
				    !r->sys.path[0])
					BAD("path");
				if (r->sys.path_arg != path_arg_of(name))
					BAD("path argument");
			} else if (r->sys.path_arg != -1 &&
				   r->sys.path_arg != path_arg_of(name)) {
				BAD("path argument");
			}
		} else if (r->kind == MB_RULE_NET) {
			const struct mb_net_rule *n = &r->net;

			if (r->flags & (MB_F_PATH | MB_F_LATENCY))
				BAD("option for a network rule");
			if (n->proto != MB_PROTO_ANY && n->proto != MB_PROTO_TCP &&
			    n->proto != MB_PROTO_UDP)
				BAD("protocol");
			if (n->port_lo > n->port_hi)
				BAD("port range");
			if (n->action == MB_NET_ERRNO) {
				if (n->err < 1 || n->err > MB_ERRNO_MAX)
					BAD("errno");
			} else if (n->action != MB_NET_DROP) {
				BAD("action");
			}
			if (n->family != 0 && n->family != 4 && n->family != 6)
				BAD("address family");
			if (n->prefix_len > (n->family == 4 ? 32 : 128))
				BAD("prefix length");
		} else {
			BAD("kind");
		}
#undef BAD
	}
	return 0;
}

/* --- formatting -------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, pos;
	int overflow;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->pos < o->len ? o->len - o->pos : 0, fmt,
		      ap);
	va_end(ap);
	if (n < 0 || o->pos + (size_t)n >= o->len)
		o->overflow = 1;
	else
		o->pos += (size_t)n;
}

static void put_duration(struct out *o, const char *name, __u64 ns)
{
	int i;

	if (!ns) {
		put(o, ":%s=0ms", name); /* every unit divides 0: say it plainly */
		return;
	}

	for (i = (int)(sizeof(duration_units) / sizeof(duration_units[0])) - 1;
	     i > 0; i--)
		if (ns % duration_units[i].ns == 0)
			break;
	put(o, ":%s=%llu%s", name, (unsigned long long)(ns / duration_units[i].ns),
	    duration_units[i].unit);
}

static void put_errno(struct out *o, int e)
{
	const char *name = mb_errno_name(e);

	if (name)
		put(o, "%s", name);
	else
		put(o, "-%d", e);
}

int mb_rule_format(const struct mb_rule *r, enum mb_arch arch, char *buf,
		   size_t len)
{
	struct out o = { .buf = buf, .len = len };
	const char *p;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (r->kind == MB_RULE_SYSCALL) {
		const char *name = mb_syscall_name(arch, r->sys.nr);

		if (name)
			put(&o, "%s", name);
		else
			put(&o, "syscall%d", r->sys.nr);
		if (r->sys.result == MB_RES_ERRNO) {
			put(&o, ":");
			put_errno(&o, (int)r->sys.value);
		} else if (r->sys.result == MB_RES_VALUE) {
			put(&o, ":+%lld", (long long)r->sys.value);
		}
	} else {
		const struct mb_net_rule *n = &r->net;

		put(&o, "%s", n->proto == MB_PROTO_TCP ? "tcp"
			      : n->proto == MB_PROTO_UDP ? "udp" : "any");
		if (n->port_lo == 0 && n->port_hi == 65535)
			put(&o, ":*");
		else if (n->port_lo == n->port_hi)
			put(&o, ":%u", n->port_lo);
		else
			put(&o, ":%u-%u", n->port_lo, n->port_hi);
		if (n->action == MB_NET_DROP) {
			put(&o, ":drop");
		} else if (n->err == ECONNREFUSED) {
			put(&o, ":refuse");
		} else {
			put(&o, ":");
			put_errno(&o, n->err);
		}
	}
	if ((r->flags & MB_F_RATE) || r->rate_ppm != MB_RATE_ONE) {
		put(&o, ":rate=%u", r->rate_ppm / 10000);
		if (r->rate_ppm % 10000) {
			char frac[8];
			int k = 4;

			snprintf(frac, sizeof(frac), "%04u", r->rate_ppm % 10000);
			while (k > 0 && frac[k - 1] == '0')
				frac[--k] = '\0';
			put(&o, ".%s", frac);
		}
		put(&o, "%%");
	}
	if ((r->flags & MB_F_DELAY) || r->delay_ns)
		put_duration(&o, "delay", r->delay_ns);
	if (r->flags & MB_F_AFTER)
		put(&o, ":after=%llu", (unsigned long long)r->after);
	if (r->flags & MB_F_TIMES)
		put(&o, ":times=%llu", (unsigned long long)r->times);
	if (r->flags & MB_F_LATENCY)
		put_duration(&o, "latency", r->latency_ns);
	if (r->flags & MB_F_SEED)
		put(&o, ":seed=%llu", (unsigned long long)r->seed);
	if (r->kind == MB_RULE_SYSCALL && (r->flags & MB_F_PATH)) {
		put(&o, ":path=");
		for (p = r->sys.path; *p && p < r->sys.path + MB_PATH_GLOB_MAX; p++)
			put(&o, "%s%c", strchr(":;\\", *p) ? "\\" : "", *p);
	}
	if (r->kind == MB_RULE_NET && (r->flags & MB_F_ADDR)) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(r->net.family == 4 ? AF_INET : AF_INET6, r->net.addr, a,
			  sizeof(a));
		if (r->net.family == 6)
			put(&o, ":addr=[%s]/%u", a, r->net.prefix_len);
		else
			put(&o, ":addr=%s/%u", a, r->net.prefix_len);
	}
	return o.overflow ? -ENOSPC : (int)o.pos;
}
