/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The OPTION=VALUE fields both kinds of rule share (rate, delay, after,
 * times, path, latency, seed, addr, and the network rules' jitter,
 * bandwidth, direction), and the defaults a rule takes for the options it
 * leaves out.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

enum opt_id { OPT_RATE, OPT_DELAY, OPT_AFTER, OPT_TIMES, OPT_PATH, OPT_LATENCY,
	      OPT_SEED, OPT_ADDR, OPT_JITTER, OPT_BANDWIDTH, OPT_DIRECTION, OPT_COUNT };

static const char *const opt_names[] = {
	"rate", "delay", "after", "times", "path", "latency", "seed", "addr",
	"jitter", "bandwidth", "direction", NULL,
};

static const __u32 opt_flag[] = {
	MB_F_RATE, MB_F_DELAY, MB_F_AFTER, MB_F_TIMES, MB_F_PATH, MB_F_LATENCY,
	MB_F_SEED, MB_F_ADDR, MB_F_JITTER, MB_F_BANDWIDTH, MB_F_DIRECTION,
};

static const char *const direction_names[] = { "out", "in", "both", NULL };

/* Shaping is a rule of its own, with no action: "tcp:80:drop:latency=1s"
 * becomes "tcp:80:latency=1s;tcp:80:drop" (head: "tcp:80:drop"). */
static int shaping_only(const struct ctx *c, const struct field *f, const char *name,
			const char *head, const char *value)
{
	const char *action = strrchr(head, ':');
	int plen = action ? (int)(action - head) : (int)strlen(head);
	char hint[160];

	snprintf(hint, sizeof(hint), "%.*s:%s=%s;%s", plen, head, name, value, head);
	return spec_fail(c, f->col,
			 "option only valid in syscall rules and in network rules without an "
			 "action (shaping goes in a rule of its own):",
			 name, hint);
}

static int parse_bandwidth(const struct ctx *c, const struct field *f, const char *v,
			   __u64 *out)
{
	char hint[48];
	int err = mb_parse_bandwidth(v, out);

	if (err == -EDOM) {
		snprintf(hint, sizeof(hint), "bandwidth=%smbit", v);
		return spec_fail(c, f->col,
				 "bandwidth needs a unit (bit, kbit, mbit, gbit; bps, kbps, mbps "
				 "for bytes):",
				 v, hint);
	}
	if (err == -ENOTSUP)
		return spec_fail(c, f->col,
				 "bandwidth is not a whole number of bytes per second:", v, NULL);
	if (err == -EINVAL) {
		/* A misspelt unit after a good number: name the nearest. */
		const char *names[24], *u = v;
		size_t i;

		for (i = 0; i < spec_n_rate_units && i < 23; i++)
			names[i] = spec_rate_units[i].unit;
		names[i] = NULL;
		while (isdigit((unsigned char)*u) || *u == '.')
			u++;
		return spec_fail(c, f->col, "bad bandwidth (want e.g. 1mbit, 512kbit, 10mbps)", v,
				 u != v && *u ? spec_nearest_in(u, names) : NULL);
	}
	if (err)
		return spec_fail(c, f->col, "bad bandwidth (want e.g. 1mbit, 512kbit, 10mbps)", v,
				 NULL);
	return 0;
}

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
	return spec_fail(c, f->col, "address has host bits set", v, fixed);
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
		return spec_fail(c, f->col, "bad address", v, NULL);
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1) {
		family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		family = 6;
		max = 128;
	} else {
		return spec_fail(c, f->col, "bad address (want an IPv4 or IPv6 CIDR)", v,
			    NULL);
	}
	plen = max;
	if (slash && (spec_parse_u64(slash + 1, &plen) || plen > max))
		return spec_fail(c, f->col, "bad prefix length in", v, NULL);
	for (i = (unsigned)plen; i < max; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return host_bits_error(c, f, v, addr, family, (unsigned)plen);
	net->family = (__u8)family;
	net->prefix_len = (__u8)plen;
	memcpy(net->addr, addr, sizeof(addr));
	return 0;
}

/*
 * The supervisor matches path= against the absolute path (relative ones
 * are resolved against the cwd or the dirfd first, a descriptor is its
 * /proc/TID/fd link), so a glob whose first character can only match
 * itself, not '/', never matches anything.
 */
static int path_glob_absolute(const struct ctx *c, const struct field *f, const char *v)
{
	char hint[MB_PATH_GLOB_MAX + 2];
	const char *rel = v;

	if ((v[0] && strchr("/*?[", v[0])) || (v[0] == '\\' && v[1] == '/'))
		return 0;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	snprintf(hint, sizeof(hint), "*/%s", rel);
	return spec_fail(c, f->col,
			 "relative path= glob never matches (paths are made absolute first):",
			 v, hint);
}

int spec_parse_option(const struct ctx *c, const struct field *f,
			struct mb_rule *r, const char *rule_name)
{
	char name[32];
	const char *eq = strchr(f->text, '='), *v;
	size_t nlen;
	int id, err;
	__u64 u;

	if (!eq)
		return spec_fail(c, f->col, "expected OPTION=VALUE, got", f->text, NULL);
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
		return spec_fail(c, f->col, "unknown option", name,
			    spec_nearest_in(name, opt_names));
	if (r->flags & opt_flag[id])
		return spec_fail(c, f->col, "option given twice:", name, NULL);
	if (r->kind == MB_RULE_NET && id == OPT_PATH)
		return spec_fail(c, f->col, "option only valid in syscall rules:", name,
			    NULL);
	if (r->kind == MB_RULE_SYSCALL &&
	    (id == OPT_ADDR || id == OPT_JITTER || id == OPT_BANDWIDTH || id == OPT_DIRECTION))
		return spec_fail(c, f->col, "option only valid in network rules:", name,
			    NULL);
	if (!*v)
		return spec_fail(c, f->col, "option has no value:", name, NULL);
	if (r->kind == MB_RULE_NET && r->net.action != MB_NET_SHAPE &&
	    (id == OPT_LATENCY || id == OPT_JITTER || id == OPT_BANDWIDTH))
		return shaping_only(c, f, name, rule_name, v);

	switch (id) {
	case OPT_RATE:
		if (mb_parse_rate(v, &r->rate_ppm))
			return spec_fail(c, f->col, "bad rate (want 0%..100%, e.g. rate=12.5%)",
				    v, NULL);
		break;
	case OPT_DELAY:
	case OPT_LATENCY:
	case OPT_JITTER:
		err = mb_parse_duration(v, id == OPT_DELAY     ? &r->delay_ns
					   : id == OPT_LATENCY ? &r->latency_ns
							       : &r->net.jitter_ns);
		if (err == -EDOM) {
			char hint[48];

			snprintf(hint, sizeof(hint), "%s=%sms", name, v);
			return spec_fail(c, f->col, "duration needs a unit (ns, us, ms, s, m, h):",
				    v, hint);
		}
		if (err)
			return spec_fail(c, f->col,
				    "bad duration (want e.g. 100ms, 2s, 500us)", v, NULL);
		break;
	case OPT_AFTER:
		if (spec_parse_u64(v, &r->after))
			return spec_fail(c, f->col, "bad count for after=", v, NULL);
		break;
	case OPT_TIMES:
		if (spec_parse_u64(v, &u) || u == 0)
			return spec_fail(c, f->col,
				    "bad count for times= (want a number >= 1)", v, NULL);
		r->times = u;
		break;
	case OPT_SEED:
		if (spec_parse_u64(v, &r->seed))
			return spec_fail(c, f->col, "bad seed (want an unsigned number)", v,
				    NULL);
		break;
	case OPT_PATH:
		/* A family's members each say where their file is, at each call
		 * (lib/syscall_families.h): openat's path, write's descriptor. */
		r->sys.path_arg = r->sys.family ? -1 : spec_path_arg_of(rule_name);
		if (r->sys.path_arg < 0 && !r->sys.family) {
			r->sys.path_arg = spec_fd_path_arg_of(rule_name);
			if (r->sys.path_arg >= 0)
				r->flags |= MB_F_PATH_FD;
		}
		if (r->sys.path_arg < 0 && !r->sys.family) {
			mb_error_set(c->err,
				     "%s: option 'path' at column %u needs a syscall with a path argument (openat, open, creat, stat, ...) or a file descriptor argument (write, pwrite64, read, fsync, ...); '%s' has none",
				     c->var, f->col, rule_name);
			return -EINVAL;
		}
		if (strlen(v) >= MB_PATH_GLOB_MAX)
			return spec_fail(c, f->col, "path glob longer than 255 bytes:", v,
				    NULL);
		err = path_glob_absolute(c, f, v);
		if (err)
			return err;
		strcpy(r->sys.path, v);
		break;
	case OPT_ADDR:
		err = parse_cidr(c, f, v, &r->net);
		if (err)
			return err;
		break;
	case OPT_BANDWIDTH:
		err = parse_bandwidth(c, f, v, &r->net.bandwidth_bps);
		if (err)
			return err;
		break;
	case OPT_DIRECTION:
		for (u = 0; direction_names[u]; u++)
			if (!strcmp(v, direction_names[u]))
				break;
		if (!direction_names[u])
			return spec_fail(c, f->col, "unknown direction (want in, out or both)", v,
					 spec_nearest_in(v, direction_names));
		r->net.direction = (__u8)u;
		break;
	}
	r->flags |= opt_flag[id];
	return 0;
}

void spec_apply_defaults(struct mb_rule *r, const struct mb_defaults *d)
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
