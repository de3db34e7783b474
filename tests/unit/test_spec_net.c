/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The netem-style network grammar (issue 16): shaping without an action,
 * corrupt, duplicate, reset, direction=, and what they refuse. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/ini_config.h"
#include "lib/spec_parse.h"

#include "spec_fixture.h"

TestSuite(spec_net, .init = setup);

static const struct mb_rule *one(const char *text)
{
	setup();
	cr_assert_eq(net(text), 0, "%s: %s", text, err.msg);
	cr_assert_eq(spec.n_rules, 1);
	cr_assert_eq(mb_spec_validate(&spec, &err), 0, "%s: %s", text, err.msg);
	return &spec.rules[0];
}

Test(spec_net, latency_alone_shapes)
{
	const struct mb_rule *r = one("tcp:5432:latency=200ms");

	cr_assert_eq(r->net.action, MB_NET_SHAPE);
	cr_assert_eq(r->latency_ns, 200000000ULL);
	cr_assert(r->flags & MB_F_LATENCY);
	cr_assert_eq(r->net.port_lo, 5432);
}

Test(spec_net, shape_is_the_same_rule_spelt_out)
{
	struct mb_rule a = *one("tcp:5432:latency=200ms");

	cr_assert_eq(memcmp(&a, one("tcp:5432:shape:latency=200ms"), sizeof(a)), 0);
}

Test(spec_net, jitter)
{
	const struct mb_rule *r = one("tcp:5432:latency=100ms:jitter=30ms");

	cr_assert_eq(r->net.jitter_ns, 30000000ULL);
	cr_assert(r->flags & MB_F_JITTER);
	r = one("tcp:5432:latency=100ms:jitter=100ms"); /* equal: down to 0 */
	cr_assert_eq(r->net.jitter_ns, r->latency_ns);
}

Test(spec_net, bandwidth_units_are_tc_s)
{
	static const struct {
		const char *text;
		__u64 bytes;
	} cases[] = {
		{ "1mbit", 125000 },	 { "8mbit", 1000000 },	  { "512kbit", 64000 },
		{ "1gbit", 125000000 },	 { "8bit", 1 },		  { "1Mbit", 125000 },
		{ "1kibit", 128 },	 { "1mibit", 131072 },	  { "10mbps", 10000000 },
		{ "1kbps", 1000 },	 { "3bps", 3 },		  { "1KiBps", 1024 },
		{ "1.5mbit", 187500 },	 { "0.5kbps", 500 },	  { "1tbit", 125000000000ULL },
	};
	size_t i;
	char text[64];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mb_rule *r;

		snprintf(text, sizeof(text), "tcp:443:bandwidth=%s", cases[i].text);
		r = one(text);
		cr_assert_eq(r->net.bandwidth_bps, cases[i].bytes, "%s: %llu", text,
			     (unsigned long long)r->net.bandwidth_bps);
		cr_assert_eq(r->net.action, MB_NET_SHAPE);
		cr_assert(r->flags & MB_F_BANDWIDTH);
	}
}

/* The parser's own answers, which the messages below are made from. */
Test(spec_net, bandwidth_parser_codes)
{
	__u64 v;

	cr_assert_eq(mb_parse_bandwidth("12", &v), -EDOM);
	cr_assert_eq(mb_parse_bandwidth("12bit", &v), -ENOTSUP);
	cr_assert_eq(mb_parse_bandwidth("0mbit", &v), -ERANGE);
	cr_assert_eq(mb_parse_bandwidth("1mbits", &v), -EINVAL);
	cr_assert_eq(mb_parse_bandwidth("1.0000001mbit", &v), -EINVAL);
	cr_assert_eq(mb_parse_bandwidth("1.mbit", &v), -EINVAL);
	cr_assert_eq(mb_parse_bandwidth("99999999999999999999999bit", &v), -ERANGE);
}

Test(spec_net, several_shapes_in_one_variable)
{
	cr_assert_eq(net("tcp:5432:latency=200ms;tcp:5432:latency=100ms:jitter=30ms;"
			 "tcp:443:bandwidth=1mbit;udp:*:bandwidth=10mbps:latency=5ms"),
		     0, "%s", err.msg);
	cr_assert_eq(spec.n_rules, 4);
	cr_assert_eq(spec.rules[0].flags, MB_F_LATENCY);
	cr_assert_eq(spec.rules[1].flags, MB_F_LATENCY | MB_F_JITTER);
	cr_assert_eq(spec.rules[2].flags, MB_F_BANDWIDTH);
	cr_assert_eq(spec.rules[3].net.bandwidth_bps, 10000000ULL);
	cr_assert_eq(spec.rules[3].latency_ns, 5000000ULL);
	cr_assert_eq(mb_spec_validate(&spec, &err), 0, "%s", err.msg);
}

Test(spec_net, corrupt_modes)
{
	const struct mb_rule *r = one("udp:53:corrupt:rate=10%");

	cr_assert_eq(r->net.action, MB_NET_CORRUPT);
	cr_assert_eq(r->net.corrupt_mode, MB_CORRUPT_PAYLOAD);
	cr_assert_eq(r->rate_ppm, 100000);
	r = one("udp:53:corrupt=payload");
	cr_assert_eq(r->net.corrupt_mode, MB_CORRUPT_PAYLOAD);
	r = one("udp:53:corrupt=checksum:seed=7");
	cr_assert_eq(r->net.action, MB_NET_CORRUPT);
	cr_assert_eq(r->net.corrupt_mode, MB_CORRUPT_CSUM);
}

Test(spec_net, duplicate_reset_direction)
{
	const struct mb_rule *r = one("udp:9000:duplicate:rate=5%");

	cr_assert_eq(r->net.action, MB_NET_DUPLICATE);
	cr_assert_eq(r->net.direction, MB_DIR_OUT);
	r = one("tcp:5432:reset");
	cr_assert_eq(r->net.action, MB_NET_RESET);
	r = one("any:*:reset:after=2:times=1");
	cr_assert_eq(r->net.action, MB_NET_RESET);
	r = one("tcp:8080:drop:direction=in");
	cr_assert_eq(r->net.direction, MB_DIR_IN);
	cr_assert(r->flags & MB_F_DIRECTION);
	r = one("udp:9000:drop:direction=both");
	cr_assert_eq(r->net.direction, MB_DIR_BOTH);
	r = one("udp:9000:duplicate:direction=out");
	cr_assert_eq(r->net.direction, MB_DIR_OUT);
	cr_assert(r->flags & MB_F_DIRECTION);
}

Test(spec_net, composes_with_every_option)
{
	const struct mb_rule *r =
		one("tcp:8000-8080:latency=10ms:jitter=1ms:bandwidth=1mbit:rate=50%:delay=1s:"
		    "after=3:times=9:seed=4:addr=10.0.0.0/8");

	cr_assert_eq(r->net.action, MB_NET_SHAPE);
	cr_assert_eq(r->after, 3);
	cr_assert_eq(r->times, 9);
	cr_assert_eq(r->net.family, 4);
	r = one("udp:9000:corrupt:direction=out:rate=1%:seed=1:after=2:times=5:delay=1s:"
		"addr=[::1]/128");
	cr_assert_eq(r->net.action, MB_NET_CORRUPT);
}

Test(spec_net, round_trip)
{
	static const char *const texts[] = {
		"tcp:5432:latency=200ms",
		"tcp:5432:latency=100ms:jitter=30ms",
		"tcp:443:bandwidth=1mbit",
		"tcp:443:bandwidth=16bit",
		"tcp:443:bandwidth=1kibit",
		"tcp:443:rate=50%:latency=1ms:bandwidth=8gbit",
		"udp:53:corrupt:rate=10%",
		"udp:53:corrupt=checksum:rate=10%:seed=3",
		"udp:9000:duplicate:rate=5%",
		"tcp:5432:reset",
		"tcp:5432:reset:times=1",
		"tcp:8080:drop:direction=in",
		"udp:*:drop:direction=both:addr=[fd00::]/8",
		NULL,
	};
	char buf[512];
	int i;

	for (i = 0; texts[i]; i++) {
		struct mb_rule r = *one(texts[i]);
		struct mb_spec again;

		cr_assert_gt(mb_rule_format(&r, MB_ARCH_X86_64, buf, sizeof(buf)), 0);
		mb_spec_init(&again, MB_ARCH_X86_64);
		cr_assert_eq(mb_spec_add_net(&again, "x", buf, &defs, &err), 0, "%s: %s", buf,
			     err.msg);
		cr_assert_eq(memcmp(&again.rules[0], &r, sizeof(r)), 0, "'%s' came back as '%s'",
			     texts[i], buf);
	}
}

Test(spec_net, format_is_canonical)
{
	static const char *const in_out[][2] = {
		{ "tcp:443:bandwidth=1000kbit", "tcp:443:bandwidth=1mbit" },
		{ "tcp:443:bandwidth=1kbps", "tcp:443:bandwidth=8kbit" },
		{ "tcp:443:shape:latency=1000ms", "tcp:443:latency=1s" },
		{ "udp:53:corrupt=payload", "udp:53:corrupt" },
		{ "udp:*:bandwidth=10mbps:latency=5ms", "udp:*:latency=5ms:bandwidth=80mbit" },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(in_out) / sizeof(in_out[0]); i++) {
		mb_rule_format(one(in_out[i][0]), MB_ARCH_X86_64, buf, sizeof(buf));
		cr_assert_str_eq(buf, in_out[i][1]);
	}
}

/* --- errors: each names the token and, where there is one, the nearest valid name --- */

static const struct {
	const char *text;
	const char *says[4];
} errs[] = {
	{ "tcp:443:dulpicate", { "unknown action", "'dulpicate' at column 9",
				 "did you mean 'duplicate'?" } },
	{ "tcp:443:rset", { "unknown action", "did you mean 'reset'?" } },
	{ "udp:53:corrupt=chksum", { "unknown corrupt mode", "'chksum'",
				     "did you mean 'checksum'?" } },
	{ "tcp:443:shape", { "has no action and no latency= or bandwidth=",
			     "tcp:443:latency=100ms" } },
	{ "tcp:443:rate=5%", { "has no action and no latency= or bandwidth=" } },
	{ "tcp:443:jitter=5ms", { "jitter= varies latency= and needs it", "'jitter'",
				  "did you mean 'latency=5ms'?" } },
	{ "tcp:443:latency=10ms:jitter=20ms",
	  { "jitter= larger than latency=", "'jitter=20ms' at column 22",
	    "did you mean 'jitter=10ms'?" } },
	{ "tcp:443:latency=0ms", { "latency=0 shapes nothing" } },
	{ "tcp:443:drop:latency=1s",
	  { "only valid in syscall rules and in network rules without an action", "'latency'",
	    "did you mean 'tcp:443:latency=1s;tcp:443:drop'?" } },
	{ "udp:53:corrupt:jitter=1ms", { "without an action", "'jitter'" } },
	{ "tcp:443:refuse:bandwidth=1mbit", { "without an action", "'bandwidth'" } },
	{ "tcp:443:drop:bandwidth=1mbit",
	  { "without an action", "'tcp:443:bandwidth=1mbit;tcp:443:drop'" } },
	{ "tcp:443:latency=5ms:latency=6ms", { "option given twice", "column 21" } },
	{ "tcp:443:latency=5", { "duration needs a unit", "did you mean 'latency=5ms'?" } },
	{ "tcp:443:bandwidth=1", { "bandwidth needs a unit", "did you mean 'bandwidth=1mbit'?" } },
	{ "tcp:443:bandwidth=1mbits", { "bad bandwidth", "'1mbits'" } },
	{ "tcp:443:bandwidth=1bit", { "not a whole number of bytes per second", "'1bit'" } },
	{ "tcp:443:bandwidth=0mbit", { "bad bandwidth", "'0mbit'" } },
	{ "tcp:443:bandwidth=99999999999tbit", { "bad bandwidth" } },
	{ "udp:53:reset", { "reset acts on TCP connections", "'udp'", "did you mean 'tcp'?" } },
	{ "tcp:443:drop:direction=inn", { "unknown direction", "'inn'", "did you mean 'in'?" } },
	{ "tcp:443:refuse:direction=in",
	  { "outgoing only", "'direction=in'", "did you mean 'direction=out'?" } },
	{ "tcp:443:ECONNRESET:direction=both", { "outgoing only", "'direction=both'" } },
	{ "tcp:443:reset:direction=in", { "reset acts on the whole connection" } },
	{ "tcp:443:latency=1ms:direction=in", { "shaping acts on what the target sends" } },
	{ "udp:53:corrupt:direction=in",
	  { "corrupt and duplicate act on what the target sends", "did you mean 'direction=out'?" } },
	{ "udp:53:duplicate:direction=both", { "corrupt and duplicate", "'direction=both'" } },
	{ "tcp:443", { "needs PROTO:PORT:ACTION", "PROTO:PORT:OPTION" } },
	{ "tcp:443:drop:jiter=1ms", { "unknown option", "did you mean 'jitter'?" } },
	{ "tcp:443:drop:direction=in:direction=out", { "option given twice", "'direction'" } },
};

Test(spec_net, errors)
{
	size_t i, j;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct mb_spec before;

		setup();
		before = spec;
		cr_assert_lt(net(errs[i].text), 0, "accepted: %s", errs[i].text);
		cr_assert_eq(memcmp(&before, &spec, sizeof(spec)), 0, "%s changed the spec",
			     errs[i].text);
		cr_assert(strstr(err.msg, "MINDERBINDER_NET: "), "%s", err.msg);
		for (j = 0; errs[i].says[j]; j++)
			cr_assert(strstr(err.msg, errs[i].says[j]), "%s: '%s' lacks '%s'",
				  errs[i].text, err.msg, errs[i].says[j]);
	}
}

Test(spec_net, syscall_rules_refuse_the_network_options)
{
	cr_assert_lt(mb_spec_add_syscalls(&spec, "MINDERBINDER_SYSCALL", "read:EIO:jitter=1ms",
					  &defs, &err),
		     0);
	cr_assert(strstr(err.msg, "only valid in network rules: 'jitter'"), "%s", err.msg);
	cr_assert_lt(mb_spec_add_syscalls(&spec, "MINDERBINDER_SYSCALL",
					  "read:EIO:direction=in", &defs, &err),
		     0);
	cr_assert(strstr(err.msg, "'direction'"), "%s", err.msg);
}

Test(spec_net, validate_rejects_hostile)
{
	struct mb_spec bad;

	cr_assert_eq(net("tcp:80:latency=10ms:jitter=1ms;udp:53:corrupt;tcp:1:reset"), 0, "%s",
		     err.msg);
	cr_assert_eq(mb_spec_validate(&spec, &err), 0, "%s", err.msg);
#define REJECT(mutation, what)                                                  \
	do {                                                                    \
		bad = spec;                                                     \
		mutation;                                                       \
		cr_assert_lt(mb_spec_validate(&bad, &err), 0, "%s", #mutation); \
		cr_assert(strstr(err.msg, what), "%s: %s", #mutation, err.msg); \
	} while (0)
	REJECT(bad.rules[0].net.jitter_ns = 11000000, "jitter");
	REJECT((bad.rules[0].flags &= ~MB_F_LATENCY, bad.rules[0].latency_ns = 0), "jitter");
	REJECT((bad.rules[0].flags &= ~(MB_F_LATENCY | MB_F_JITTER), bad.rules[0].net.jitter_ns = 0, bad.rules[0].latency_ns = 0),
	       "shaping rule without latency or bandwidth");
	REJECT(bad.rules[1].latency_ns = 1, "latency");
	REJECT(bad.rules[1].flags |= MB_F_LATENCY, "option for a network rule");
	REJECT(bad.rules[1].net.corrupt_mode = 2, "corrupt mode");
	REJECT(bad.rules[2].net.corrupt_mode = 1, "corrupt mode");
	REJECT(bad.rules[1].net.direction = 3, "direction");
	REJECT(bad.rules[2].net.direction = MB_DIR_IN, "direction");
	REJECT(bad.rules[2].net.proto = MB_PROTO_UDP, "action for udp");
	REJECT(bad.rules[1].net.bandwidth_bps = 5, "bandwidth");
	REJECT((bad.rules[0].flags |= MB_F_BANDWIDTH, bad.rules[0].net.bandwidth_bps = 0),
	       "bandwidth");
	REJECT(bad.rules[1].net.action = 7, "action");
#undef REJECT
}

/* The INI file's [outgoing_network] keys go through the same parser. */
Test(spec_net, ini_keys)
{
	static const char ini[] = "[outgoing_network slow]\n"
				  "targets = curl\nprotocol = tcp\nport = 5432\n"
				  "action = shape\nlatency_ms = 100\njitter_ms = 30\n"
				  "bandwidth = 1mbit\n"
				  "[outgoing_network in]\n"
				  "targets = srv\nprotocol = udp\nport = 9000\n"
				  "action = corrupt=checksum\ndirection = out\nseed = 5\n"
				  "after = 1\ntimes = 2\n";
	static struct mb_ini_config cfg;
	char buf[256];

	cr_assert_eq(mb_ini_load_string("t.ini", ini, MB_ARCH_X86_64, &cfg, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(cfg.n_sections, 2);
	mb_rule_format(&cfg.sections[0].rule, MB_ARCH_X86_64, buf, sizeof(buf));
	cr_assert_str_eq(buf, "tcp:5432:latency=100ms:jitter=30ms:bandwidth=1mbit");
	mb_rule_format(&cfg.sections[1].rule, MB_ARCH_X86_64, buf, sizeof(buf));
	cr_assert_str_eq(buf, "udp:9000:corrupt=checksum:after=1:times=2:direction=out:seed=5");
}

Test(spec_net, ini_errors_name_the_line)
{
	static const char ini[] = "[outgoing_network x]\n"
				  "targets = curl\nprotocol = udp\nport = 53\n"
				  "action = reset\n";
	static const char ini2[] = "[outgoing_network x]\n"
				   "targets = curl\naction = drop\njitter_ms = 3\n";
	static struct mb_ini_config cfg;

	cr_assert_lt(mb_ini_load_string("t.ini", ini, MB_ARCH_X86_64, &cfg, &err), 0);
	cr_assert(strstr(err.msg, "t.ini:5: ") && strstr(err.msg, "reset acts on TCP"), "%s",
		  err.msg);
	cr_assert_lt(mb_ini_load_string("t.ini", ini2, MB_ARCH_X86_64, &cfg, &err), 0);
	cr_assert(strstr(err.msg, "t.ini:4: ") && strstr(err.msg, "'jitter'"), "%s", err.msg);
}
