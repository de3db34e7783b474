/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one engine choice (backend/engines/select.c), for the helper and
 * for `minderbinder watch`: given a rule, MINDERBINDER_ENGINE and what the
 * kernel has, which engines serve it, or why none can.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engines/select.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

/* Each Criterion test runs in its own process: statics are per test. */
static struct mb_spec spec;
static struct mb_engine_answers answers;
static struct mb_select sel;
static struct mb_engine_choice choice;
static struct mb_error err;
static enum mb_engine cand[2];

static void setup(void)
{
	memset(&answers, 0, sizeof(answers));
	memset(&sel, 0, sizeof(sel));
	memset(&err, 0, sizeof(err));
	sel.answers = &answers;
	sel.scope = MB_SCOPE_TREE;
	mb_spec_init(&spec, mb_native_arch());
}

TestSuite(engine_select, .init = setup);

static const struct mb_rule *rule(const char *text)
{
	struct mb_defaults d;

	mb_defaults_init(&d);
	spec.n_rules = 0;
	if (!strncmp(text, "tcp:", 4) || !strncmp(text, "udp:", 4))
		cr_assert_eq(mb_spec_add_net(&spec, "t", text, &d, &err), 0, "%s", err.msg);
	else
		cr_assert_eq(mb_spec_add_syscalls(&spec, "t", text, &d, &err), 0, "%s", err.msg);
	return &spec.rules[0];
}

static void kernel_has(enum mb_engine e)
{
	answers.ok[e] = 1;
}

static void kernel_lacks(enum mb_engine e, const char *why)
{
	answers.ok[e] = 0;
	mb_error_set(&answers.why[e], "%s", why);
}

static int choose(const char *text)
{
	int n = mb_engine_candidates(&sel, cand, &err);

	cr_assert_geq(n, 0, "%s", err.msg);
	return mb_engine_choose(&sel, cand, n, rule(text), &choice, &err);
}

/* What the choice says: how many BPF engines to try, the first, and the
 * engine that serves the rule when none attaches (or none is needed). */
static void expect(int n_bpf, enum mb_engine first, enum mb_engine engine)
{
	cr_assert_eq(choice.n_bpf, n_bpf);
	if (n_bpf)
		cr_assert_eq(choice.bpf[0], first);
	cr_assert_eq(choice.engine, engine);
}

Test(engine_select, auto_prefers_fmod_ret_then_kprobe)
{
	kernel_has(MB_ENGINE_FMOD_RET);
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("openat:ENOENT"), 0);
	/* Should neither attach, the filter serves it. */
	expect(2, MB_ENGINE_FMOD_RET, MB_ENGINE_SECCOMP_ERRNO);
	cr_assert_eq(choice.bpf[1], MB_ENGINE_KPROBE);
}

Test(engine_select, auto_skips_what_the_kernel_lacks)
{
	kernel_lacks(MB_ENGINE_FMOD_RET, "no BTF");
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("openat:ENOENT:rate=50%"), 0);
	expect(1, MB_ENGINE_KPROBE, MB_ENGINE_SECCOMP_NOTIF);
}

Test(engine_select, auto_without_bpf_falls_back_on_seccomp)
{
	cr_assert_eq(choose("openat:ENOENT"), 0);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_SECCOMP_ERRNO);
}

Test(engine_select, fmod_ret_cannot_fake_zero)
{
	kernel_has(MB_ENGINE_FMOD_RET);
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("write:+0"), 0);
	expect(1, MB_ENGINE_KPROBE, MB_ENGINE_SECCOMP_NOTIF);
}

Test(engine_select, latency_and_no_result_need_the_supervisor)
{
	kernel_has(MB_ENGINE_FMOD_RET);
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("read:latency=200ms"), 0);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_SECCOMP_NOTIF);
	cr_assert_not(mb_engine_can_express(MB_ENGINE_KPROBE, rule("read:latency=1s"), &err));
	cr_assert_str_eq(err.msg, "latency= needs the supervisor (seccomp)");
}

/* The BPF glob matcher has ranges, not classes: such a rule would
 * never fire there. */
Test(engine_select, posix_classes_in_path_globs_need_the_supervisor)
{
	kernel_has(MB_ENGINE_FMOD_RET);
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("openat:ENOENT:path=/tmp/log[[:digit:]]"), 0);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_SECCOMP_NOTIF);
	cr_assert_not(mb_engine_can_express(MB_ENGINE_FMOD_RET,
					    rule("openat:ENOENT:path=/tmp/[![:alpha:]]*"), &err));
	cr_assert_str_eq(err.msg, "a [:class:] in a path= glob needs the supervisor (seccomp)");
	cr_assert_not(mb_engine_can_express(MB_ENGINE_KPROBE, rule("openat:ENOENT:path=/[[=a=]]"),
					    &err));
	/* ranges and negation stay in BPF */
	cr_assert(mb_engine_can_express(MB_ENGINE_FMOD_RET, rule("openat:ENOENT:path=/tmp/[a-z]?[!x]"),
					&err), "%s", err.msg);
}

Test(engine_select, process_scope_needs_the_supervisor)
{
	sel.scope = MB_SCOPE_PROCESS;
	cr_assert_eq(choose("openat:ENOENT"), 0);
	cr_assert_eq(choice.engine, MB_ENGINE_SECCOMP_NOTIF);
}

Test(engine_select, supervised_requests_take_no_bpf)
{
	kernel_has(MB_ENGINE_FMOD_RET);
	sel.supervised = true;
	cr_assert_eq(choose("openat:ENOENT"), 0);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_SECCOMP_NOTIF);
}

Test(engine_select, network_rules_by_action)
{
	cr_assert_eq(choose("tcp:9:drop"), 0);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_TC);
	cr_assert_eq(choose("tcp:9:ECONNREFUSED"), 0);
	cr_assert_eq(choice.engine, MB_ENGINE_CGROUP);
}

Test(engine_select, forced_engine_must_attach)
{
	sel.wish = MB_WISH_KPROBE;
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("openat:ENOENT"), 0);
	expect(1, MB_ENGINE_KPROBE, MB_ENGINE_NONE);
	/* One it cannot express goes to the filter. */
	cr_assert_eq(choose("read:latency=1s"), 0);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_SECCOMP_NOTIF);
}

Test(engine_select, forced_engine_the_kernel_lacks)
{
	sel.wish = MB_WISH_FMOD_RET;
	kernel_lacks(MB_ENGINE_FMOD_RET, "no kernel BTF");
	cr_assert_eq(mb_engine_candidates(&sel, cand, &err), -EOPNOTSUPP);
	cr_assert_str_eq(err.msg, "MINDERBINDER_ENGINE=fmod_ret: this kernel lacks it: no kernel BTF");
}

Test(engine_select, seccomp_wish_takes_no_bpf)
{
	sel.wish = MB_WISH_SECCOMP;
	kernel_has(MB_ENGINE_FMOD_RET);
	cr_assert_eq(mb_engine_candidates(&sel, cand, &err), 0);
	cr_assert_eq(choose("openat:ENOENT"), 0);
	cr_assert_eq(choice.engine, MB_ENGINE_SECCOMP_ERRNO);
}

Test(engine_select, watch_refuses_seccomp)
{
	sel.watch = true;
	sel.wish = MB_WISH_SECCOMP;
	cr_assert_eq(mb_engine_candidates(&sel, cand, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "MINDERBINDER_ENGINE=seccomp: watch cannot put a filter into a process it did not start");
}

Test(engine_select, watch_needs_a_bpf_engine)
{
	sel.watch = true;
	kernel_lacks(MB_ENGINE_FMOD_RET, "no BTF for __x64_sys_openat");
	answers.ok[MB_ENGINE_KPROBE] = -EPERM;
	cr_assert_eq(mb_engine_candidates(&sel, cand, &err), 2);
	cr_assert_eq(choose("openat:ENOENT"), -EOPNOTSUPP);
	cr_assert_str_eq(err.msg, "watch mode needs a BPF syscall engine; fmod_ret: no BTF for "
				  "__x64_sys_openat; kprobe: Operation not permitted");
}

Test(engine_select, watch_forced_names_its_engine)
{
	sel.watch = true;
	sel.wish = MB_WISH_FMOD_RET;
	kernel_has(MB_ENGINE_FMOD_RET);
	cr_assert_eq(choose("write:+0"), -EOPNOTSUPP);
	cr_assert_str_eq(err.msg, "watch mode needs a BPF syscall engine; fmod_ret: fmod_ret "
				  "cannot fake a return value of 0");
}

Test(engine_select, watch_attach_failure_is_an_error)
{
	sel.watch = true;
	kernel_has(MB_ENGINE_FMOD_RET);
	kernel_has(MB_ENGINE_KPROBE);
	cr_assert_eq(choose("openat:ENOENT"), 0);
	/* No filter to fall back on: a failed attach is an error. */
	expect(2, MB_ENGINE_FMOD_RET, MB_ENGINE_NONE);
}

Test(engine_select, watch_checks_network_engines)
{
	sel.watch = true;
	kernel_lacks(MB_ENGINE_TC, "BPF classifiers are unavailable");
	cr_assert_eq(choose("tcp:9:drop"), -EOPNOTSUPP);
	cr_assert_str_eq(err.msg, "the tc engine is unavailable on this kernel: BPF classifiers are unavailable");
	kernel_has(MB_ENGINE_CGROUP);
	cr_assert_eq(choose("tcp:9:ECONNREFUSED"), 0);
	cr_assert_eq(choice.engine, MB_ENGINE_CGROUP);
}

Test(engine_select, wish_names)
{
	cr_assert_str_eq(mb_engine_wish_name(MB_WISH_AUTO), "auto");
	cr_assert_str_eq(mb_engine_wish_name(MB_WISH_KPROBE), "kprobe");
	cr_assert_str_eq(mb_engine_wish_name(MB_WISH_FMOD_RET), "fmod_ret");
}

/* The packet faults of issue 16 are the tc engine's (and need the
 * target's sockets tagged); refuse and errnos stay the cgroup hooks'. */
Test(engine_select, packet_faults_are_the_tc_engines)
{
	static const char *const on_packets[] = { "tcp:1:drop", "udp:1:corrupt",
						  "udp:1:corrupt=checksum", "udp:1:duplicate",
						  "tcp:1:reset", "tcp:1:drop:direction=in", NULL };
	int i;

	for (i = 0; on_packets[i]; i++) {
		cr_assert(mb_net_rule_on_packets(rule(on_packets[i])), "%s", on_packets[i]);
		cr_assert_eq(mb_engine_for_net(rule(on_packets[i])), MB_ENGINE_TC, "%s",
			     on_packets[i]);
	}
	cr_assert_not(mb_net_rule_on_packets(rule("tcp:1:refuse")));
	cr_assert_eq(mb_engine_for_net(rule("tcp:1:ETIMEDOUT")), MB_ENGINE_CGROUP);
	cr_assert_not(mb_net_rule_on_packets(rule("tcp:1:latency=1ms")));
}

/* Shaping (issue 16): the supervisor serves it, per call; what it cannot
 * do is refused before anything is applied. */
Test(engine_select, shaping_rules_go_to_the_supervisor)
{
	cr_assert_eq(choose("tcp:5432:latency=200ms"), 0, "%s", err.msg);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_SECCOMP_NOTIF);
	cr_assert_eq(choose("tcp:443:bandwidth=1mbit"), 0, "%s", err.msg);
	cr_assert_eq(choice.engine, MB_ENGINE_SECCOMP_NOTIF);
	cr_assert_eq(choose("udp:53:bandwidth=1mbit"), -EOPNOTSUPP);
	cr_assert(strstr(err.msg, "bandwidth= on udp needs the kernel's fq qdisc"), "%s", err.msg);
	cr_assert_eq(choose("udp:53:latency=5ms"), 0, "%s", err.msg);
}

Test(engine_select, shaping_refused_where_no_filter_can_go)
{
	sel.watch = true;
	cr_assert_eq(choose("tcp:5432:latency=200ms"), -EOPNOTSUPP);
	cr_assert(strstr(err.msg, "watch cannot put"), "%s", err.msg);
	sel.watch = false;
	sel.api = true;
	cr_assert_eq(choose("tcp:5432:latency=200ms"), -EOPNOTSUPP);
	cr_assert(strstr(err.msg, "C API"), "%s", err.msg);
}

Test(engine_select, shaping_takes_edt_where_fq_is)
{
	kernel_has(MB_ENGINE_EDT);
	cr_assert_eq(choose("tcp:5432:latency=100ms:jitter=30ms"), 0, "%s", err.msg);
	expect(0, MB_ENGINE_NONE, MB_ENGINE_EDT);
	cr_assert_eq(choose("udp:53:bandwidth=1mbit"), 0, "%s", err.msg);
	cr_assert_eq(choice.engine, MB_ENGINE_EDT);
	sel.watch = true;
	cr_assert_eq(choose("tcp:443:bandwidth=1mbit"), 0, "%s", err.msg);
	cr_assert_eq(choice.engine, MB_ENGINE_EDT);
	/* MINDERBINDER_ENGINE=seccomp: per call, fq or not */
	sel.watch = false;
	sel.wish = MB_WISH_SECCOMP;
	cr_assert_eq(choose("tcp:5432:latency=100ms"), 0, "%s", err.msg);
	cr_assert_eq(choice.engine, MB_ENGINE_SECCOMP_NOTIF);
}
