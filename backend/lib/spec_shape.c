/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The shaping options of a network rule (issue 16): latency=, jitter=,
 * bandwidth=, and the rule without an action that only shapes
 * (tcp:5432:latency=200ms). Kept apart from spec_option.c so that the one
 * network grammar can take these few functions over whole.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/spec_internal.h"

/* tc's units: bit, kbit, mbit, gbit are bits per second, bps, kbps, mbps
 * bytes per second; the multipliers are SI (1000), as tc's are. Each
 * unit's bits per second in the .ns field. */
static const struct spec_duration_unit rate_units[] = {
	{ "bit", 1ULL },	  { "kbit", 1000ULL },	   { "mbit", 1000000ULL },
	{ "gbit", 1000000000ULL }, { "bps", 8ULL },	   { "kbps", 8000ULL },
	{ "mbps", 8000000ULL },
};
#define N_RATE_UNITS (sizeof(rate_units) / sizeof(rate_units[0]))

static const char *const rate_unit_names[] = { "bit", "kbit", "mbit", "gbit",
					       "bps", "kbps", "mbps", NULL };

int spec_parse_bandwidth(const char *text, __u64 *bytes_per_s)
{
	__u64 bits;
	int err = spec_parse_scaled(text, rate_units, N_RATE_UNITS, &bits);

	if (err)
		return err;
	/* The engines count bytes: a rate that is not a whole number of
	 * them would be rounded behind the user's back. */
	if (bits % 8)
		return -ENOTSUP;
	*bytes_per_s = bits / 8;
	return *bytes_per_s ? 0 : -ERANGE;
}

int spec_format_bandwidth(__u64 bytes_per_s, char *buf, size_t len)
{
	static const char *const units[] = { "gbit", "mbit", "kbit" };
	static const __u64 bits[] = { 1000000000ULL, 1000000ULL, 1000ULL };
	__u64 b = bytes_per_s * 8;
	size_t i;

	for (i = 0; i < 3; i++)
		if (b % bits[i] == 0)
			return snprintf(buf, len, "%llu%s", (unsigned long long)(b / bits[i]),
					units[i]);
	return snprintf(buf, len, "%llubit", (unsigned long long)b);
}

static int duration(const struct ctx *c, const struct field *f, const char *name,
		    const char *v, __u64 *out)
{
	int err = mb_parse_duration(v, out);
	char hint[48];

	if (err == -EDOM) {
		snprintf(hint, sizeof(hint), "%s=%sms", name, v);
		return spec_fail(c, f->col, "duration needs a unit (ns, us, ms, s, m, h):", v, hint);
	}
	if (err)
		return spec_fail(c, f->col, "bad duration (want e.g. 100ms, 2s, 500us)", v, NULL);
	return 0;
}

int spec_parse_shape_option(const struct ctx *c, const struct field *f, struct mb_rule *r)
{
	const char *eq = strchr(f->text, '='), *v;
	char hint[48];
	__u32 flag;
	size_t n;
	int err;

	if (r->kind != MB_RULE_NET || !eq)
		return 1;
	n = (size_t)(eq - f->text);
	v = eq + 1;
	if (n == 7 && !strncmp(f->text, "latency", n))
		flag = MB_F_LATENCY;
	else if (n == 6 && !strncmp(f->text, "jitter", n))
		flag = MB_F_JITTER;
	else if (n == 9 && !strncmp(f->text, "bandwidth", n))
		flag = MB_F_BANDWIDTH;
	else
		return 1;
	if (r->net.action != MB_NET_SHAPE) {
		if (flag == MB_F_LATENCY)
			return 1; /* spec_option.c says where latency= belongs */
		return spec_fail(c, f->col,
				 "option only valid in a network rule without an action (e.g. tcp:443:bandwidth=1mbit):",
				 f->text, NULL);
	}
	if (r->flags & flag)
		return spec_fail(c, f->col, "option given twice:", f->text, NULL);
	if (!*v)
		return spec_fail(c, f->col, "option has no value:", f->text, NULL);
	if (flag == MB_F_LATENCY)
		err = duration(c, f, "latency", v, &r->latency_ns);
	else if (flag == MB_F_JITTER)
		err = duration(c, f, "jitter", v, &r->net.jitter_ns);
	else {
		err = spec_parse_bandwidth(v, &r->net.bandwidth_bps);
		if (err == -EDOM) {
			snprintf(hint, sizeof(hint), "bandwidth=%smbit", v);
			err = spec_fail(c, f->col,
					"bandwidth needs a unit (bit, kbit, mbit, gbit; bps, kbps, mbps):",
					v, hint);
		} else if (err == -ENOTSUP) {
			err = spec_fail(c, f->col,
					"bandwidth is not a whole number of bytes per second:", v,
					NULL);
		} else if (err) {
			const char *u = v;

			while (isdigit((unsigned char)*u))
				u++;
			err = spec_fail(c, f->col,
					"bad bandwidth (want e.g. 1mbit, 512kbit, 10mbps; not 0)", v,
					*u ? spec_nearest_in(u, rate_unit_names) : NULL);
		}
	}
	if (err)
		return err;
	r->flags |= flag;
	return 0;
}

/* The field that gave option name=, for messages. */
static const struct field *field_of(const struct field *fl, int n, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 2; i < n; i++)
		if (!strncmp(fl[i].text, name, len) && fl[i].text[len] == '=')
			return &fl[i];
	return &fl[n - 1];
}

int spec_check_shape(const struct ctx *c, const struct field *fl, int n, const struct mb_rule *r)
{
	const struct field *f;

	if (r->net.action != MB_NET_SHAPE)
		return 0; /* spec_parse_shape_option refused them already */
	if ((r->flags & MB_F_JITTER) && !(r->flags & MB_F_LATENCY)) {
		f = field_of(fl, n, "jitter");
		return spec_fail(c, f->col, "jitter= needs latency= (the delay it varies):",
				 f->text, NULL);
	}
	if ((r->flags & MB_F_JITTER) && r->net.jitter_ns > r->latency_ns) {
		f = field_of(fl, n, "jitter");
		return spec_fail(c, f->col,
				 "jitter= is larger than latency= (a delay cannot be negative):",
				 f->text, NULL);
	}
	if (!(r->flags & (MB_F_LATENCY | MB_F_BANDWIDTH)))
		return spec_fail(c, fl[2].col,
				 "a network rule without an action needs latency= or bandwidth=, got",
				 fl[2].text, "drop");
	return 0;
}

/* The helper's check of a network rule's shaping fields, as the parser
 * would have left them: nonzero when they are not. */
int spec_shape_validate(const struct mb_rule *r)
{
	const __u32 shaping = MB_F_LATENCY | MB_F_JITTER | MB_F_BANDWIDTH;

	if (r->net.action != MB_NET_SHAPE)
		return (r->flags & shaping) != 0;
	if (!(r->flags & (MB_F_LATENCY | MB_F_BANDWIDTH)))
		return 1;
	if ((r->flags & MB_F_JITTER) && (!(r->flags & MB_F_LATENCY) ||
					 r->net.jitter_ns > r->latency_ns))
		return 1;
	return (r->flags & MB_F_BANDWIDTH) && !r->net.bandwidth_bps;
}
