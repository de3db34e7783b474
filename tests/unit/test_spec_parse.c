/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <asm/unistd_64.h>

#include "lib/name_tables.h"
#include "lib/spec_parse.h"
#include "lib/spec_internal.h"

#include "spec_fixture.h"

TestSuite(spec, .init = setup);

/* --- the original project's syntax and the results ---------------------------------------- */

Test(spec, seed_example)
{
	cr_assert_eq(sys("openat:-2"), 0, "%s", err.msg);
	cr_assert_eq(spec.n_rules, 1);
	cr_assert_eq(spec.rules[0].kind, MB_RULE_SYSCALL);
	cr_assert_eq(spec.rules[0].sys.nr, __NR_openat);
	cr_assert_eq(spec.rules[0].sys.result, MB_RES_ERRNO);
	cr_assert_eq(spec.rules[0].sys.value, ENOENT);
	cr_assert_eq(spec.rules[0].rate_ppm, MB_RATE_ONE);
	cr_assert_eq(spec.rules[0].delay_ns, 0);
	cr_assert_eq(spec.rules[0].flags, 0);
	cr_assert_eq(spec.rules[0].sys.path_arg, -1);
}

Test(spec, errno_forms_are_equal)
{
	cr_assert_eq(sys("openat:-2;openat:ENOENT;openat:-ENOENT"), 0, "%s", err.msg);
	cr_assert_eq(spec.n_rules, 3);
	cr_assert_eq(memcmp(&spec.rules[0], &spec.rules[1], sizeof(spec.rules[0])), 0);
	cr_assert_eq(memcmp(&spec.rules[0], &spec.rules[2], sizeof(spec.rules[0])), 0);
}

Test(spec, fake_success)
{
	cr_assert_eq(sys("write:+0;read:+42"), 0, "%s", err.msg);
	cr_assert_eq(spec.rules[0].sys.nr, __NR_write);
	cr_assert_eq(spec.rules[0].sys.result, MB_RES_VALUE);
	cr_assert_eq(spec.rules[0].sys.value, 0);
	cr_assert_eq(spec.rules[1].sys.value, 42);
}

Test(spec, latency_without_result)
{
	cr_assert_eq(sys("read:latency=200ms"), 0, "%s", err.msg);
	cr_assert_eq(spec.rules[0].sys.result, MB_RES_NONE);
	cr_assert_eq(spec.rules[0].latency_ns, 200000000ULL);
	cr_assert(spec.rules[0].flags & MB_F_LATENCY);
}

Test(spec, every_option)
{
	cr_assert_eq(sys("openat:EACCES:rate=12.5%:delay=100ms:after=3:times=2:"
			 "path=/etc/*:latency=1s:seed=42"),
		     0, "%s", err.msg);
	const struct mb_rule *r = &spec.rules[0];
	cr_assert_eq(r->rate_ppm, 125000);
	cr_assert_eq(r->delay_ns, 100000000ULL);
	cr_assert_eq(r->after, 3);
	cr_assert_eq(r->times, 2);
	cr_assert_str_eq(r->sys.path, "/etc/*");
	cr_assert_eq(r->sys.path_arg, 1);
	cr_assert_eq(r->latency_ns, 1000000000ULL);
	cr_assert_eq(r->seed, 42);
	cr_assert_eq(r->flags, MB_F_RATE | MB_F_DELAY | MB_F_AFTER | MB_F_TIMES |
				       MB_F_PATH | MB_F_LATENCY | MB_F_SEED);
}

Test(spec, rate_forms)
{
	__u32 ppm;

	cr_assert_eq(mb_parse_rate("50%", &ppm), 0);
	cr_assert_eq(ppm, 500000);
	cr_assert_eq(mb_parse_rate("50", &ppm), 0);
	cr_assert_eq(ppm, 500000);
	cr_assert_eq(mb_parse_rate("0.0001%", &ppm), 0);
	cr_assert_eq(ppm, 1);
	cr_assert_eq(mb_parse_rate("100", &ppm), 0);
	cr_assert_eq(ppm, MB_RATE_ONE);
	cr_assert_eq(mb_parse_rate("0", &ppm), 0);
	cr_assert_eq(ppm, 0);
	cr_assert_neq(mb_parse_rate("100.1", &ppm), 0);
	cr_assert_neq(mb_parse_rate("101", &ppm), 0);
	cr_assert_neq(mb_parse_rate("5.", &ppm), 0);
	cr_assert_neq(mb_parse_rate("0.00001", &ppm), 0);
	cr_assert_neq(mb_parse_rate("-1", &ppm), 0);
	cr_assert_neq(mb_parse_rate("50%%", &ppm), 0);
	cr_assert_eq(mb_parse_rate("12.5%", &ppm), 0);
	cr_assert_eq(ppm, 125000);
	cr_assert_eq(mb_parse_rate("100.0000", &ppm), 0);
	cr_assert_eq(ppm, MB_RATE_ONE);
	cr_assert_eq(mb_parse_rate("1.2.3", &ppm), -EINVAL);
	cr_assert_eq(mb_parse_rate("99999999999999999999999", &ppm), -ERANGE);
}

Test(spec, duration_units)
{
	static const struct {
		const char *text;
		__u64 ns;
	} ok[] = {
		{ "5ns", 5 },		     { "5us", 5000 },
		{ "5ms", 5000000 },	     { "5s", 5000000000ULL },
		{ "2m", 120000000000ULL }, { "1h", 3600000000000ULL },
		{ "0ms", 0 },
	};
	__u64 ns;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(mb_parse_duration(ok[i].text, &ns), 0, "%s", ok[i].text);
		cr_assert_eq(ns, ok[i].ns, "%s", ok[i].text);
	}
	cr_assert_eq(mb_parse_duration("100", &ns), -EDOM);
	cr_assert_eq(mb_parse_duration("100 ms", &ns), -EINVAL);
	cr_assert_eq(mb_parse_duration("99999999999999h", &ns), -ERANGE);
	cr_assert_eq(mb_parse_duration("ms", &ns), -EINVAL);
}

Test(spec, several_rules_same_syscall_keep_order)
{
	cr_assert_eq(sys("openat:ENOENT:path=/etc/*;openat:EACCES:path=/var/*"), 0,
		     "%s", err.msg);
	cr_assert_eq(spec.n_rules, 2);
	cr_assert_str_eq(spec.rules[0].sys.path, "/etc/*");
	cr_assert_eq(spec.rules[0].sys.value, ENOENT);
	cr_assert_str_eq(spec.rules[1].sys.path, "/var/*");
	cr_assert_eq(spec.rules[1].sys.value, EACCES);
}

Test(spec, whitespace_trailing_and_empty_rules)
{
	cr_assert_eq(sys("  openat : -2 ; ;write:+0 ;"), 0, "%s", err.msg);
	cr_assert_eq(spec.n_rules, 2);
	cr_assert_eq(spec.rules[1].sys.nr, __NR_write);
}

Test(spec, escapes_in_path)
{
	cr_assert_eq(sys("openat:EIO:path=/tmp/a\\:b\\;c\\\\d"), 0, "%s", err.msg);
	cr_assert_str_eq(spec.rules[0].sys.path, "/tmp/a:b;c\\d");
}

Test(spec, path_arg_positions)
{
	cr_assert_eq(sys("open:EIO:path=/x;creat:EIO:path=/x;unlinkat:EIO:path=/x;"
			 "symlinkat:EIO:path=/x"),
		     0, "%s", err.msg);
	cr_assert_eq(spec.rules[0].sys.path_arg, 0);
	cr_assert_eq(spec.rules[1].sys.path_arg, 0);
	cr_assert_eq(spec.rules[2].sys.path_arg, 1);
	cr_assert_eq(spec.rules[3].sys.path_arg, 2);
}

Test(spec, aarch64_numbers)
{
	mb_spec_init(&spec, MB_ARCH_AARCH64);
	cr_assert_eq(sys("openat:-2"), 0, "%s", err.msg);
	cr_assert_eq(spec.rules[0].sys.nr, 56);
	cr_assert_eq(sys("open:-2"), -EINVAL, "aarch64 has no open(2)");
	cr_assert(strstr(err.msg, "unknown syscall 'open'"), "%s", err.msg);
}

/* --- network rules ------------------------------------------------------------- */

Test(spec, net_seed_forms)
{
	cr_assert_eq(net("tcp:443:drop;udp:53:drop:rate=50%;tcp:5432:refuse;"
			 "any:*:drop:delay=100ms"),
		     0, "%s", err.msg);
	cr_assert_eq(spec.n_rules, 4);
	cr_assert_eq(spec.rules[0].kind, MB_RULE_NET);
	cr_assert_eq(spec.rules[0].net.proto, MB_PROTO_TCP);
	cr_assert_eq(spec.rules[0].net.port_lo, 443);
	cr_assert_eq(spec.rules[0].net.port_hi, 443);
	cr_assert_eq(spec.rules[0].net.action, MB_NET_DROP);
	cr_assert_eq(spec.rules[1].net.proto, MB_PROTO_UDP);
	cr_assert_eq(spec.rules[1].rate_ppm, 500000);
	cr_assert_eq(spec.rules[2].net.action, MB_NET_ERRNO);
	cr_assert_eq(spec.rules[2].net.err, ECONNREFUSED);
	cr_assert_eq(spec.rules[3].net.proto, MB_PROTO_ANY);
	cr_assert_eq(spec.rules[3].net.port_lo, 0);
	cr_assert_eq(spec.rules[3].net.port_hi, 65535);
	cr_assert_eq(spec.rules[3].delay_ns, 100000000ULL);
}

Test(spec, net_errno_actions_and_ranges)
{
	cr_assert_eq(net("tcp:443:ETIMEDOUT;udp:53:-ENETUNREACH;tcp:8000-8080:-111"),
		     0, "%s", err.msg);
	cr_assert_eq(spec.rules[0].net.err, ETIMEDOUT);
	cr_assert_eq(spec.rules[1].net.err, ENETUNREACH);
	cr_assert_eq(spec.rules[2].net.port_lo, 8000);
	cr_assert_eq(spec.rules[2].net.port_hi, 8080);
	cr_assert_eq(spec.rules[2].net.err, ECONNREFUSED);
}

Test(spec, net_addr_v4_v6)
{
	__u8 want4[4] = { 10, 0, 0, 0 }, want6[16];

	cr_assert_eq(net("tcp:*:drop:addr=10.0.0.0/8;udp:53:drop:addr=[fd00::]/8;"
			 "tcp:1:drop:addr=127.0.0.1;tcp:2:drop:addr=[::1]"),
		     0, "%s", err.msg);
	cr_assert_eq(spec.rules[0].net.family, 4);
	cr_assert_eq(spec.rules[0].net.prefix_len, 8);
	cr_assert_eq(memcmp(spec.rules[0].net.addr, want4, 4), 0);
	inet_pton(AF_INET6, "fd00::", want6);
	cr_assert_eq(spec.rules[1].net.family, 6);
	cr_assert_eq(spec.rules[1].net.prefix_len, 8);
	cr_assert_eq(memcmp(spec.rules[1].net.addr, want6, 16), 0);
	cr_assert_eq(spec.rules[2].net.prefix_len, 32);
	cr_assert_eq(spec.rules[3].net.prefix_len, 128);
}

/* --- defaults ------------------------------------------------------------------- */

static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; fake_env[i]; i++)
		if (!strncmp(fake_env[i], name, n) && fake_env[i][n] == '=')
			return (char *)fake_env[i] + n + 1;
	return NULL;
}

Test(spec, defaults_from_env_apply_where_rule_is_silent)
{
	static const char *const env[] = {
		"MINDERBINDER_SYSCALL=openat:-2;read:EIO:rate=10%:delay=1s",
		"MINDERBINDER_NET=tcp:80:drop",
		"MINDERBINDER_FAILURE_RATE=50",
		"MINDERBINDER_DELAY_MS=100",
		"MINDERBINDER_SEED=7",
		NULL,
	};

	fake_env = env;
	cr_assert_eq(mb_spec_from_env(&spec, fake_getenv, &err), 3, "%s", err.msg);
	cr_assert_eq(spec.rules[0].rate_ppm, 500000);
	cr_assert_eq(spec.rules[0].delay_ns, 100000000ULL);
	cr_assert_eq(spec.rules[0].seed, 7);
	cr_assert(spec.rules[0].flags & MB_F_SEED);
	cr_assert_eq(spec.rules[1].rate_ppm, 100000);
	cr_assert_eq(spec.rules[1].delay_ns, 1000000000ULL);
	cr_assert_eq(spec.rules[2].kind, MB_RULE_NET);
	cr_assert_eq(spec.rules[2].rate_ppm, 500000);
}

Test(spec, per_rule_seed_beats_env_seed)
{
	static const char *const env[] = {
		"MINDERBINDER_SYSCALL=read:EIO:rate=50%:seed=99;write:EIO:rate=50%",
		"MINDERBINDER_SEED=7",
		NULL,
	};

	fake_env = env;
	cr_assert_eq(mb_spec_from_env(&spec, fake_getenv, &err), 2, "%s", err.msg);
	cr_assert_eq(spec.rules[0].seed, 99);
	cr_assert_eq(spec.rules[1].seed, 7);
}

Test(spec, no_variables_means_no_rules)
{
	static const char *const env[] = { "MINDERBINDER_SYSCALL=", "OTHER=1", NULL };

	fake_env = env;
	cr_assert_eq(mb_spec_from_env(&spec, fake_getenv, &err), 0);
	cr_assert_eq(spec.n_rules, 0);
}

Test(spec, default_defaults)
{
	cr_assert_eq(defs.rate_ppm, MB_RATE_ONE);
	cr_assert_eq(defs.delay_ns, 0);
	cr_assert_eq(defs.has_seed, false);
}

/* --- errors: one case per distinct message -------------------------------------- */

/* Asserts the call failed, left the spec as it was before and said all of
 * want. */
static void expect_failed(int ret, const char *call, const struct mb_spec *before,
			  const char *const *want)
{
	size_t i;

	cr_assert_lt(ret, 0, "accepted: %s", call);
	cr_assert_eq(memcmp(before, &spec, sizeof(spec)), 0,
		     "spec changed by a failed call");
	for (i = 0; want[i]; i++)
		cr_assert(strstr(err.msg, want[i]), "message '%s' lacks '%s'", err.msg,
			  want[i]);
}

#define EXPECT_ERR(call, ...)                                        \
	do {                                                         \
		const char *const want_[] = { __VA_ARGS__, NULL };   \
		struct mb_spec before_ = spec;                       \
		expect_failed((call), #call, &before_, want_);       \
	} while (0)

/* One rule text each: the call fails, changes nothing and says all of says. */
static const struct err_case {
	const char *test; /* what the case shows */
	bool net;
	const char *text;
	const char *says[4];
} err_cases[] = {
	{ "unknown_syscall_suggests", false, "opennat:-2",
	  { "MINDERBINDER_SYSCALL", "unknown syscall 'opennat' at column 1",
	    "did you mean 'openat'?" } },
	{ "unknown_errno_suggests", false, "openat:ENOENTT",
	  { "unknown errno 'ENOENTT' at column 8", "did you mean 'ENOENT'?" } },
	{ "errno_out_of_range", false, "openat:-5000",
	  { "errno out of range (1..4095) '-5000'" } },
	{ "errno_out_of_range", false, "openat:-0",
	  { "'-0'", "did you mean '+0'?" } },
	{ "ambiguous_result", false, "openat:2",
	  { "ambiguous result '2' at column 8", "-2", "+2" } },
	{ "bad_fake_value", false, "write:+x",
	  { "bad fake return value", "'+x'" } },
	{ "bad_fake_value", false, "write:+99999999999999999999",
	  { "bad fake return value" } },
	{ "missing_result", false, "openat",
	  { "missing result for 'openat'", "openat:ENOENT" } },
	{ "missing_result", false, "openat:",
	  { "missing result for 'openat'" } },
	{ "missing_syscall_name", false, ":-2",
	  { "missing syscall name" } },
	{ "no_result_no_latency", false, "read:rate=5%",
	  { "has no result and no latency=" } },
	{ "unknown_option_suggests", false, "openat:-2:rat=5%",
	  { "unknown option 'rat' at column 11", "did you mean 'rate'?" } },
	{ "option_without_equals", false, "openat:-2:rate",
	  { "expected OPTION=VALUE, got 'rate'" } },
	{ "option_twice", false, "openat:-2:rate=5%:rate=6%",
	  { "option given twice: 'rate'" } },
	{ "option_without_value", false, "openat:-2:rate=",
	  { "option has no value: 'rate'" } },
	{ "bad_rate", false, "openat:-2:rate=150%",
	  { "bad rate", "'150%'" } },
	{ "duration_without_unit", false, "openat:-2:delay=100",
	  { "duration needs a unit", "did you mean 'delay=100ms'?" } },
	{ "bad_duration", false, "openat:-2:latency=1y",
	  { "bad duration", "'1y'" } },
	{ "bad_after", false, "openat:-2:after=-1",
	  { "bad count for after=", "'-1'" } },
	{ "bad_times", false, "openat:-2:times=0",
	  { "bad count for times=", "'0'" } },
	{ "bad_seed", false, "openat:-2:seed=abc",
	  { "bad seed", "'abc'" } },
	{ "path_on_pathless_syscall", false, "getpid:EIO:path=/x",
	  { "option 'path'", "needs a syscall with a path argument",
	    "'getpid' has none" } },
	{ "relative_path_glob", false, "openat:ENOENT:path=app.json",
	  { "MINDERBINDER_SYSCALL: relative path= glob never matches",
	    "'app.json' at column 15", "did you mean '*/app.json'?" } },
	{ "dot_relative_path_glob", false, "openat:ENOENT:path=./conf/app.json",
	  { "'./conf/app.json'", "did you mean '*/conf/app.json'?" } },
	{ "too_many_fields", false,
	  "openat:-2:a=1:b=1:c=1:d=1:e=1:f=1:g=1:h=1:i=1:j=1:k=1:l=1:m=1:n=1:o=1:p=1",
	  { "too many ':' fields" } },
	{ "addr_on_syscall_rule", false, "connect:-111:addr=10.0.0.0/8",
	  { "only valid in network rules", "'addr'" } },
	{ "path_on_net_rule", true, "tcp:80:drop:path=/x",
	  { "only valid in syscall rules", "'path'" } },
	{ "path_on_net_rule", true, "tcp:80:drop:latency=1s",
	  { "only valid in syscall rules", "'latency'" } },
	{ "unknown_protocol", true, "tpc:443:drop",
	  { "unknown protocol", "'tpc'", "did you mean 'tcp'?" } },
	{ "net_rule_too_short", true, "tcp:443",
	  { "needs PROTO:PORT:ACTION" } },
	{ "bad_port", true, "tcp:0:drop",
	  { "bad port", "'0'" } },
	{ "bad_port", true, "tcp:70000:drop",
	  { "bad port", "'70000'" } },
	{ "bad_port", true, "tcp:http:drop",
	  { "bad port", "'http'" } },
	{ "bad_port_range", true, "tcp:90-80:drop",
	  { "bad port range", "'90-80'" } },
	{ "bad_port_range", true, "tcp:1234567890-1:drop",
	  { "bad port range" } },
	{ "unknown_action", true, "tcp:443:dorp",
	  { "unknown action", "did you mean 'drop'?" } },
	{ "unknown_action", true, "tcp:443:ECONNREFUSEDD",
	  { "unknown errno", "did you mean 'ECONNREFUSED'?" } },
	{ "bad_address", true, "tcp:*:drop:addr=10.0.0.256/8",
	  { "bad address" } },
	{ "bad_prefix", true, "tcp:*:drop:addr=10.0.0.0/33",
	  { "bad prefix length" } },
	{ "bad_prefix", true, "tcp:*:drop:addr=[::]/129",
	  { "bad prefix length" } },
	{ "host_bits", true, "tcp:*:drop:addr=10.1.2.3/8",
	  { "host bits set", "did you mean '10.0.0.0/8'?" } },
};

Test(spec, err_one_message_per_case)
{
	struct mb_spec before;
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		setup();
		before = spec;
		expect_failed(c->net ? net(c->text) : sys(c->text), c->text, &before,
			      c->says);
	}
}

Test(spec, err_path_too_long)
{
	char text[400] = "openat:EIO:path=/";

	memset(text + strlen(text), 'a', 280);
	EXPECT_ERR(sys(text), "path glob longer than 255 bytes");
}

Test(spec, err_token_too_long)
{
	char text[600] = "openat:EIO:path=/";

	memset(text + strlen(text), 'a', 500);
	EXPECT_ERR(sys(text), "token too long");
}

Test(spec, err_too_many_rules)
{
	char text[2048] = "";
	int i;

	for (i = 0; i < MB_MAX_RULES + 1; i++)
		strcat(text, "read:EIO;");
	EXPECT_ERR(sys(text), "too many rules", "at most 32");
}

Test(spec, err_too_many_rules_across_calls)
{
	char text[2048] = "";
	int i;

	for (i = 0; i < MB_MAX_RULES; i++)
		strcat(text, "read:EIO;");
	cr_assert_eq(sys(text), 0, "%s", err.msg);
	EXPECT_ERR(net("tcp:1:drop"), "MINDERBINDER_NET", "too many rules");
}

/* A bad environment: mb_spec_from_env fails, changes nothing and says all
 * of says. */
static const struct env_case {
	const char *env[3];
	const char *says[4];
} env_cases[] = {
	{ { "MINDERBINDER_SYSCALL=openat:-2", "MINDERBINDER_FAILURE_RATE=lots" },
	  { "MINDERBINDER_FAILURE_RATE", "'lots'" } },
	{ { "MINDERBINDER_SYSCALL=openat:-2", "MINDERBINDER_DELAY_MS=100ms" },
	  { "MINDERBINDER_DELAY_MS", "'100ms'", "whole milliseconds" } },
	{ { "MINDERBINDER_SYSCALL=openat:-2", "MINDERBINDER_SEED=-3" },
	  { "MINDERBINDER_SEED", "'-3'" } },
	{ { "MINDERBINDER_SYSCALL=;;" }, { "MINDERBINDER_SYSCALL", "no rule" } },
};

Test(spec, err_bad_env_one_message_per_case)
{
	struct mb_spec before;
	size_t i;

	for (i = 0; i < sizeof(env_cases) / sizeof(env_cases[0]); i++) {
		const struct env_case *c = &env_cases[i];
		const char *shown = c->env[1] ? c->env[1] : c->env[0];

		setup();
		fake_env = c->env;
		before = spec;
		expect_failed(mb_spec_from_env(&spec, fake_getenv, &err), shown, &before,
			      c->says);
	}
}

Test(spec, err_in_second_rule_rejects_first_too)
{
	EXPECT_ERR(sys("openat:-2;write:EBOGUS"), "column 17");
	cr_assert_eq(spec.n_rules, 0);
}

Test(spec, err_env_net_error_rejects_syscalls)
{
	static const char *const env[] = { "MINDERBINDER_SYSCALL=openat:-2",
					   "MINDERBINDER_NET=tcp:x:drop", NULL };

	fake_env = env;
	EXPECT_ERR(mb_spec_from_env(&spec, fake_getenv, &err), "MINDERBINDER_NET");
	cr_assert_eq(spec.n_rules, 0);
}

/* --- round trip of the parsed form ---------------------------------------------- */

Test(spec, format_round_trip)
{
	static const char *const sys_texts[] = {
		"openat:ENOENT",
		"write:+0:times=1",
		"openat:EACCES:rate=12.5%:delay=100ms:after=3:times=2:latency=1s:seed=42:path=/etc/*",
		"read:latency=250us",
		"openat:-4000",
		"open:EIO:path=/a\\:b\\;c",
		NULL,
	};
	static const char *const net_texts[] = {
		"tcp:443:drop",
		"udp:53:drop:rate=50%",
		"tcp:5432:refuse",
		"any:*:drop:delay=100ms",
		"tcp:8000-8080:ETIMEDOUT:addr=10.0.0.0/8",
		"udp:53:ENETUNREACH:addr=[fd00::]/8:rate=0.0001%",
		NULL,
	};
	char buf[512];
	int i;

	for (i = 0; sys_texts[i]; i++)
		cr_assert_eq(sys(sys_texts[i]), 0, "%s: %s", sys_texts[i], err.msg);
	for (i = 0; net_texts[i]; i++)
		cr_assert_eq(net(net_texts[i]), 0, "%s: %s", net_texts[i], err.msg);
	for (i = 0; i < (int)spec.n_rules; i++) {
		struct mb_spec again;

		mb_spec_init(&again, MB_ARCH_X86_64);
		cr_assert_gt(mb_rule_format(&spec.rules[i], MB_ARCH_X86_64, buf,
					    sizeof(buf)),
			     0);
		if (spec.rules[i].kind == MB_RULE_SYSCALL)
			cr_assert_eq(mb_spec_add_syscalls(&again, "x", buf, &defs, &err), 0,
				     "%s: %s", buf, err.msg);
		else
			cr_assert_eq(mb_spec_add_net(&again, "x", buf, &defs, &err), 0,
				     "%s: %s", buf, err.msg);
		cr_assert_eq(memcmp(&again.rules[0], &spec.rules[i], sizeof(spec.rules[i])),
			     0, "round trip of rule %d via '%s'", i, buf);
	}
	cr_assert_eq(mb_rule_format(&spec.rules[0], MB_ARCH_X86_64, buf, 4), -ENOSPC);
}

Test(spec, format_is_canonical)
{
	char buf[256];

	cr_assert_eq(sys("openat:-2:rate=50:delay=1000ms"), 0, "%s", err.msg);
	mb_rule_format(&spec.rules[0], MB_ARCH_X86_64, buf, sizeof(buf));
	cr_assert_str_eq(buf, "openat:ENOENT:rate=50%:delay=1s");
}

/* --- validation of a spec from a socket ----------------------------------------- */

Test(spec, validate_accepts_parsed)
{
	cr_assert_eq(sys("openat:-2:path=/x;write:+0;read:latency=1ms"), 0);
	cr_assert_eq(net("tcp:1-2:refuse:addr=[::1]"), 0);
	cr_assert_eq(mb_spec_validate(&spec, &err), 0, "%s", err.msg);
}

Test(spec, validate_rejects_hostile)
{
	struct mb_spec bad;

	cr_assert_eq(sys("openat:-2:path=/x"), 0);
	cr_assert_eq(net("tcp:80:refuse"), 0);

#define REJECT(mutation, what)                                            \
	do {                                                              \
		bad = spec;                                               \
		mutation;                                                 \
		cr_assert_lt(mb_spec_validate(&bad, &err), 0, "%s", #mutation); \
		cr_assert(strstr(err.msg, what), "%s: %s", #mutation, err.msg); \
	} while (0)
	REJECT(bad.magic = 0, "magic");
	REJECT(bad.version = 9, "version");
	REJECT(bad.arch = 77, "arch");
	REJECT(bad.n_rules = MB_MAX_RULES + 1, "rule count");
	REJECT(bad.rules[0].kind = 9, "kind");
	REJECT(bad.rules[0].flags |= 1u << 30, "flags");
	REJECT(bad.rules[0].rate_ppm = MB_RATE_ONE + 1, "rate");
	REJECT(bad.rules[0].sys.nr = 100000, "syscall number");
	REJECT(bad.rules[0].sys.nr = -1, "syscall number");
	REJECT(bad.rules[0].sys.value = 0, "errno");
	REJECT(bad.rules[0].sys.value = 5000, "errno");
	REJECT(bad.rules[0].sys.result = 7, "result");
	REJECT(memset(bad.rules[0].sys.path, 'a', MB_PATH_GLOB_MAX), "path");
	REJECT(bad.rules[0].sys.path_arg = 4, "path argument");
	REJECT(bad.rules[1].net.proto = 1, "protocol");
	REJECT(bad.rules[1].net.port_lo = 90, "port range");
	REJECT(bad.rules[1].net.err = 0, "errno");
	REJECT(bad.rules[1].net.action = 9, "action");
	REJECT(bad.rules[1].net.family = 5, "address family");
	REJECT((bad.rules[1].net.family = 4, bad.rules[1].net.prefix_len = 33),
	       "prefix length");
	REJECT(bad.rules[1].flags |= MB_F_PATH, "option for a network rule");
#undef REJECT
}
