/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A network rule: PROTO ':' PORT [':' ACTION] [':' OPTION]*. Without an
 * action (the third field is an option) the rule only shapes: latency=,
 * jitter=, bandwidth=. Combinations no engine can mean are refused here,
 * before anything is applied.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

static const char *const proto_names[] = { "tcp", "udp", "any", NULL };
static const char *const net_actions[] = { "drop",	 "refuse", "corrupt", "duplicate",
					   "reset", "shape",	NULL };
static const char *const corrupt_modes[] = { "payload", "checksum", NULL };

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

/* "corrupt" or "corrupt=payload|checksum". */
static int parse_corrupt(const struct ctx *c, const struct field *f, struct mb_net_rule *net)
{
	const char *v = strchr(f->text, '=');

	net->action = MB_NET_CORRUPT;
	net->corrupt_mode = MB_CORRUPT_PAYLOAD;
	if (!v)
		return 0;
	v++;
	if (!strcmp(v, "payload"))
		return 0;
	if (!strcmp(v, "checksum")) {
		net->corrupt_mode = MB_CORRUPT_CSUM;
		return 0;
	}
	return spec_fail(c, f->col, "unknown corrupt mode (want corrupt=payload or corrupt=checksum)",
			 v, spec_nearest_in(v, corrupt_modes));
}

/* The action field: 1 when it was one, 0 when it is the first option of a
 * shaping rule, or -EINVAL. */
static int parse_action(const struct ctx *c, const struct field *f, struct mb_net_rule *net)
{
	const char *t = f->text;
	size_t n = strcspn(t, "=");
	int e, err;

	if (!strncmp(t, "corrupt", n) && n == 7)
		return parse_corrupt(c, f, net) ?: 1;
	if (t[n] == '=') {
		net->action = MB_NET_SHAPE;
		return 0;
	}
	if (!strcmp(t, "drop")) {
		net->action = MB_NET_DROP;
	} else if (!strcmp(t, "refuse")) {
		net->action = MB_NET_ERRNO;
		net->err = ECONNREFUSED;
	} else if (!strcmp(t, "duplicate")) {
		net->action = MB_NET_DUPLICATE;
	} else if (!strcmp(t, "reset")) {
		net->action = MB_NET_RESET;
	} else if (!strcmp(t, "shape")) {
		net->action = MB_NET_SHAPE;
	} else if (t[0] == 'E' || t[0] == '-') {
		err = spec_parse_errno(c, f, &e);
		if (err)
			return err;
		net->action = MB_NET_ERRNO;
		net->err = e;
	} else {
		/* The words every front end's tests know; the nearest name is
		 * any action's, and minderbinder-spec(7) lists them all. */
		return spec_fail(c, f->col, "unknown action (want drop, refuse or an errno)", t,
				 spec_nearest_in(t, net_actions));
	}
	return 1;
}

/* Where the option called name was, for a message about it. */
static const struct field *option_field(const struct field *fl, int first, int n,
					const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = first; i < n; i++)
		if (!strncmp(fl[i].text, name, len) && fl[i].text[len] == '=')
			return &fl[i];
	return &fl[first < n ? first : n - 1];
}

static void put_duration_hint(char *buf, size_t len, const char *name, __u64 ns)
{
	if (ns % 1000000 == 0)
		snprintf(buf, len, "%s=%llums", name, (unsigned long long)(ns / 1000000));
	else
		snprintf(buf, len, "%s=%lluns", name, (unsigned long long)ns);
}

/* What the options mean together: a rule that can never act, or one
 * that asks an engine for something it cannot mean, is an error. */
static int check_combination(const struct ctx *c, const struct field *fl, int first, int n,
			     const struct mb_rule *r)
{
	const struct mb_net_rule *net = &r->net;
	char hint[64];

	if ((r->flags & MB_F_JITTER) && !(r->flags & MB_F_LATENCY)) {
		put_duration_hint(hint, sizeof(hint), "latency", net->jitter_ns);
		return spec_fail(c, option_field(fl, first, n, "jitter")->col,
				 "jitter= varies latency= and needs it:", "jitter", hint);
	}
	if (net->action == MB_NET_SHAPE && !(r->flags & (MB_F_LATENCY | MB_F_BANDWIDTH))) {
		mb_error_set(c->err,
			     "%s: network rule at column %u has no action and no latency= or "
			     "bandwidth= (e.g. %s:%s:latency=100ms, or an action: %s:%s:drop)",
			     c->var, fl[0].col, fl[0].text, fl[1].text, fl[0].text, fl[1].text);
		return -EINVAL;
	}
	if ((r->flags & MB_F_JITTER) && net->jitter_ns > r->latency_ns) {
		put_duration_hint(hint, sizeof(hint), "jitter", r->latency_ns);
		return spec_fail(c, option_field(fl, first, n, "jitter")->col,
				 "jitter= larger than latency= (a packet cannot leave before it "
				 "was sent):",
				 option_field(fl, first, n, "jitter")->text, hint);
	}
	if (net->action == MB_NET_SHAPE && (r->flags & MB_F_LATENCY) && !r->latency_ns &&
	    !(r->flags & MB_F_BANDWIDTH))
		return spec_fail(c, option_field(fl, first, n, "latency")->col,
				 "latency=0 shapes nothing:", "latency=0", NULL);
	if (net->action == MB_NET_RESET && net->proto == MB_PROTO_UDP)
		return spec_fail(c, fl[0].col, "reset acts on TCP connections; UDP has none:",
				 fl[0].text, "tcp");
	if (net->direction == MB_DIR_OUT)
		return 0;
	if (net->action == MB_NET_ERRNO)
		return spec_fail(c, option_field(fl, first, n, "direction")->col,
				 "refuse and errno rules fail the target's own connect() and "
				 "sendmsg(), outgoing only:",
				 option_field(fl, first, n, "direction")->text, "direction=out");
	if (net->action == MB_NET_RESET)
		return spec_fail(c, option_field(fl, first, n, "direction")->col,
				 "reset acts on the whole connection, both ways; drop direction=:",
				 option_field(fl, first, n, "direction")->text, NULL);
	if (net->action == MB_NET_SHAPE)
		return spec_fail(c, option_field(fl, first, n, "direction")->col,
				 "shaping acts on what the target sends, outgoing only:",
				 option_field(fl, first, n, "direction")->text, "direction=out");
	/* What arrives is seen by a cgroup_skb program, which can drop a
	 * packet but not write to it. */
	if (net->action == MB_NET_CORRUPT || net->action == MB_NET_DUPLICATE)
		return spec_fail(c, option_field(fl, first, n, "direction")->col,
				 "corrupt and duplicate act on what the target sends, outgoing only "
				 "(direction=in drops):",
				 option_field(fl, first, n, "direction")->text, "direction=out");
	return 0;
}

int spec_parse_net_rule(const struct ctx *c, struct field *fl, int n,
			  struct mb_rule *r)
{
	char head[TOKEN_MAX];
	int i, err, first;

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
			     "%s: network rule at column %u needs PROTO:PORT:ACTION (e.g. tcp:443:drop) "
			     "or PROTO:PORT:OPTION (e.g. tcp:443:latency=100ms)",
			     c->var, fl[0].col);
		return -EINVAL;
	}
	err = parse_port(c, &fl[1], &r->net);
	if (err)
		return err;
	err = parse_action(c, &fl[2], &r->net);
	if (err < 0)
		return err;
	first = err ? 3 : 2;
	/* For messages that suggest the rule split in two. */
	snprintf(head, sizeof(head), "%.40s:%.20s:%.60s", fl[0].text, fl[1].text,
		 first == 3 ? fl[2].text : "shape");
	for (i = first; i < n; i++) {
		err = spec_parse_option(c, &fl[i], r, head);
		if (err)
			return err;
	}
	return check_combination(c, fl, first, n, r);
}
