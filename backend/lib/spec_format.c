/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A parsed rule back to its canonical text: parsing the text gives the
 * same rule. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

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

	for (i = (int)spec_n_duration_units - 1; i > 0; i--)
		if (ns % spec_duration_units[i].ns == 0)
			break;
	put(o, ":%s=%llu%s", name, (unsigned long long)(ns / spec_duration_units[i].ns),
	    spec_duration_units[i].unit);
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
		if (n->action == MB_NET_SHAPE) {
			/* no action: the options that follow say it all */
		} else if (n->action == MB_NET_DROP) {
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
	if (r->kind == MB_RULE_NET && (r->flags & MB_F_JITTER))
		put_duration(&o, "jitter", r->net.jitter_ns);
	if (r->kind == MB_RULE_NET && (r->flags & MB_F_BANDWIDTH)) {
		char bw[32];

		spec_format_bandwidth(r->net.bandwidth_bps, bw, sizeof(bw));
		put(&o, ":bandwidth=%s", bw);
	}
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
