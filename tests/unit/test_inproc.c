/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-process path's shared decision (lib/inproc.h): the window and
 * coin of mb_inproc_roll against the supervisor's semantics (after=,
 * times=, the seed= stream of minderbinder/rng.h), which rules the
 * handler may take and why not, the letters status reads, and the path
 * join both sides use.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/inproc.h"
#include "lib/path_join.h"
#include "lib/spec_parse.h"

#include "spec_fixture.h"

TestSuite(inproc, .init = setup);

static struct mb_inproc_rule st;

Test(inproc, after_and_times_shut_the_window_as_the_supervisor)
{
	int i, got[8], want[8] = { -1, -1, -1, 1, 1, -1, -1, -1 };

	cr_assert_eq(sys("getppid:EIO:after=3:times=2"), 0, "%s", err.msg);
	memset(&st, 0, sizeof(st));
	st.rng = mb_rng_state(1);
	for (i = 0; i < 8; i++)
		got[i] = mb_inproc_roll(&st, &spec.rules[0], true);
	for (i = 0; i < 8; i++)
		cr_expect_eq(got[i], want[i], "call %d: %d, want %d", i + 1, got[i], want[i]);
	cr_expect_eq(st.calls, 8);
	cr_expect_eq(st.faults, 2);
	cr_expect_eq(st.ip_calls, 8, "the handler's share");
	cr_expect_eq(st.ip_faults, 2);
}

Test(inproc, the_supervisors_calls_are_not_the_handlers_share)
{
	cr_assert_eq(sys("getppid:EIO:times=1"), 0, "%s", err.msg);
	memset(&st, 0, sizeof(st));
	st.rng = mb_rng_state(1);
	cr_expect_eq(mb_inproc_roll(&st, &spec.rules[0], false), 1);
	cr_expect_eq(mb_inproc_roll(&st, &spec.rules[0], true), -1);
	cr_expect_eq(st.calls, 2);
	cr_expect_eq(st.ip_calls, 1);
	cr_expect_eq(st.ip_faults, 0);
}

Test(inproc, seed_draws_the_one_stream)
{
	__u64 ref;
	int i, coin;

	cr_assert_eq(sys("getppid:EIO:rate=50%:seed=42"), 0, "%s", err.msg);
	memset(&st, 0, sizeof(st));
	st.rng = ref = mb_rng_state(42);
	for (i = 0; i < 200; i++) {
		coin = mb_rng_faults(mb_rng_next(&ref), spec.rules[0].rate_ppm);
		cr_expect_eq(mb_inproc_roll(&st, &spec.rules[0], true), coin, "draw %d", i);
	}
	cr_expect_eq(st.rng, ref);
}

static enum mb_inproc_why why_of(const char *text, enum mb_scope scope)
{
	setup();
	cr_assert_eq(sys(text), 0, "%s: %s", text, err.msg);
	return mb_inproc_rule_why(MB_ARCH_X86_64, &spec.rules[0], MB_ENGINE_SECCOMP_NOTIF, scope);
}

Test(inproc, which_rules_the_handler_takes)
{
	cr_expect_eq(why_of("getppid:EIO:times=3", MB_SCOPE_TREE), MB_IP_YES);
	cr_expect_eq(why_of("openat:ENOENT:path=/x/*", MB_SCOPE_PROCESS), MB_IP_YES);
	cr_expect_eq(why_of("getppid:EIO:times=3", MB_SCOPE_THREAD), MB_IP_THREAD);
	cr_expect_eq(why_of("getppid:EIO:latency=1ms", MB_SCOPE_TREE), MB_IP_LATENCY);
	cr_expect_eq(why_of("getppid:EIO:delay=1s", MB_SCOPE_TREE), MB_IP_DELAY);
	cr_expect_eq(why_of("clone:EAGAIN:times=1", MB_SCOPE_TREE), MB_IP_UNREISSUABLE);
	cr_expect_eq(why_of("execve:EACCES:times=1", MB_SCOPE_TREE), MB_IP_UNREISSUABLE);
	cr_expect_eq(why_of("%process:EAGAIN:times=1", MB_SCOPE_TREE), MB_IP_UNREISSUABLE,
		     "a family with clone in it stays with the supervisor");
	setup();
	cr_assert_eq(sys("getppid:EIO"), 0, "%s", err.msg);
	cr_expect_eq(mb_inproc_rule_why(MB_ARCH_X86_64, &spec.rules[0], MB_ENGINE_SECCOMP_ERRNO,
					MB_SCOPE_TREE),
		     MB_IP_NOT_SUPERVISED);
}

Test(inproc, every_reason_has_its_own_letter)
{
	unsigned i, j;

	for (i = 0; i < MB_IP_COUNT; i++) {
		cr_expect_eq(mb_inproc_from_letter(mb_inproc_letter(i)), i, "reason %u", i);
		cr_expect_neq(mb_inproc_why_text(i)[0], '\0');
		for (j = 0; j < i; j++)
			cr_expect_neq(mb_inproc_letter(i), mb_inproc_letter(j));
	}
	cr_expect_eq(mb_inproc_from_letter('?'), MB_IP_COUNT);
}

Test(inproc, path_join_as_the_supervisor)
{
	char buf[64];

	strcpy(buf, "/d");
	mb_path_join(buf, "./x");
	cr_expect_str_eq(buf, "/d/x");
	strcpy(buf, "/");
	mb_path_join(buf, "x");
	cr_expect_str_eq(buf, "/x");
	strcpy(buf, "/d");
	mb_path_join(buf, ".");
	cr_expect_str_eq(buf, "/d");
	strcpy(buf, "/d");
	mb_path_join(buf, "");
	cr_expect_str_eq(buf, "/d");
	strcpy(buf, "/d");
	mb_path_join(buf, ".//../y");
	cr_expect_str_eq(buf, "/d/../y");
}
