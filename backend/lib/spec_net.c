/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A network rule: PROTO ':' PORT ':' ACTION [':' OPTION]*. */
#include <errno.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

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
		if (spec_parse_u64(t, &a) || a < 1 || a > 65535)
			return spec_fail(c, f->col, "bad port (want 1..65535, N-M or *)", t,
				    NULL);
		net->port_lo = net->port_hi = (__u16)a;
		return 0;
	}
	if ((size_t)(dash - t) >= sizeof(lo))
		return spec_fail(c, f->col, "bad port range", t, NULL);
	memcpy(lo, t, (size_t)(dash - t));
	lo[dash - t] = '\0';
	if (spec_parse_u64(lo, &a) || spec_parse_u64(dash + 1, &b) || a < 1 || b > 65535 ||
	    a > b)
		return spec_fail(c, f->col, "bad port range (want N-M, 1 <= N <= M <= 65535)",
			    t, NULL);
	net->port_lo = (__u16)a;
	net->port_hi = (__u16)b;
	return 0;
}

int spec_parse_net_rule(const struct ctx *c, struct field *fl, int n,
			  struct mb_rule *r)
{
	int i, err, e;

	r->kind = MB_RULE_NET;
	for (i = 0; proto_names[i]; i++)
		if (!strcmp(fl[0].text, proto_names[i]))
			break;
	if (!proto_names[i])
		return spec_fail(c, fl[0].col, "unknown protocol (want tcp, udp or any)",
			    fl[0].text, spec_nearest_in(fl[0].text, proto_names));
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
	if (strchr(fl[2].text, '=')) {
		/* No action, options only: shaping (spec_shape.c). */
		r->net.action = MB_NET_SHAPE;
	} else if (!strcmp(fl[2].text, "drop")) {
		r->net.action = MB_NET_DROP;
	} else if (!strcmp(fl[2].text, "refuse")) {
		r->net.action = MB_NET_ERRNO;
		r->net.err = ECONNREFUSED;
	} else if (fl[2].text[0] == 'E' || fl[2].text[0] == '-') {
		err = spec_parse_errno(c, &fl[2], &e);
		if (err)
			return err;
		r->net.action = MB_NET_ERRNO;
		r->net.err = e;
	} else {
		return spec_fail(c, fl[2].col, "unknown action (want drop, refuse or an errno)",
			    fl[2].text, spec_nearest_in(fl[2].text, net_actions));
	}
	for (i = r->net.action == MB_NET_SHAPE ? 2 : 3; i < n; i++) {
		err = spec_parse_option(c, &fl[i], r, fl[0].text);
		if (err)
			return err;
	}
	return spec_check_shape(c, fl, n, r);
}
