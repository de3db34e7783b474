/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API: Exact counts per rule, and what a bad spec or argument gets.
 */
#include "capi_test.h"

/* ---- counts ------------------------------------------------------------ */

Test(capi, stats_times_counts_exactly)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int i, failed = 0;

	h = enable(on_file("openat:ENOENT:times=3"), MB_SCOPE_THREAD);
	for (i = 0; i < 10; i++) {
		int e = try_open();

		cr_assert(e == 0 || e == ENOENT, "call %d: %s", i, strerror(e));
		if (e) {
			cr_assert_lt(i, 3, "call %d failed: times=3 fails the first three", i);
			failed++;
		}
	}
	cr_assert_eq(failed, 3);
	cr_assert_eq(mb_stats(h, &st, 1), 1);
	cr_assert_eq(st.calls, 10, "calls %llu", (unsigned long long)st.calls);
	cr_assert_eq(st.faults, 3, "faults %llu", (unsigned long long)st.faults);
	disable(h);
}

/* 200 calls at rate=50% with a seed: the faults counted are those seen,
 * and the same seed gives the same pattern again. */
static unsigned seeded_pattern(char *pattern, struct mb_rule_stats *st)
{
	struct mb_handle *h = enable(on_file("openat:EIO:rate=50%:seed=42"), MB_SCOPE_THREAD);
	unsigned fails = 0;
	int i;

	for (i = 0; i < 200; i++) {
		int e = try_open();

		cr_assert(e == 0 || e == EIO, "call %d: %s", i, strerror(e));
		pattern[i] = e ? 'x' : '.';
		fails += e != 0;
	}
	pattern[200] = '\0';
	cr_assert_eq(mb_stats(h, st, 1), 1);
	disable(h);
	return fails;
}

Test(capi, stats_rate_counts_what_was_seen)
{
	char p1[201], p2[201];
	struct mb_rule_stats st;
	unsigned seen;

	seen = seeded_pattern(p1, &st);
	cr_assert(seen > 50 && seen < 150, "%u of 200 failed at rate=50%%", seen);
	cr_assert_eq(st.faults, seen, "stats faults %llu, test saw %u",
		     (unsigned long long)st.faults, seen);
	cr_assert_eq(st.calls, 200);
	seen = seeded_pattern(p2, &st);
	cr_assert_eq(st.faults, seen);
	cr_assert_str_eq(p1, p2, "seed=42 must repeat exactly");
}

Test(capi, stats_per_rule_in_spec_order)
{
	struct mb_rule_stats st[3] = { { 0, 0 }, { 0, 0 }, { 77, 77 } };
	struct mb_handle *h;
	char spec[300];
	int i;

	snprintf(spec, sizeof(spec), "%s;getppid:EIO:times=1", on_file("openat:ENOENT:times=2"));
	h = enable(spec, MB_SCOPE_THREAD);
	for (i = 0; i < 5; i++)
		try_open();
	cr_assert_eq(syscall(SYS_getppid), -1);
	cr_assert_eq(errno, EIO);
	cr_assert_gt(syscall(SYS_getppid), 0);
	cr_assert_eq(mb_stats(h, st, 3), 2, "two rules");
	cr_assert_eq(st[0].calls, 5);
	cr_assert_eq(st[0].faults, 2);
	cr_assert_eq(st[1].calls, 2);
	cr_assert_eq(st[1].faults, 1);
	cr_assert_eq(st[2].calls, 77, "only as many as there are rules are written");
	memset(st, 0xff, sizeof(st));
	cr_assert_eq(mb_stats(h, st, 1), 2, "returns the count even when n is smaller");
	cr_assert_eq(st[0].faults, 2);
	cr_assert_eq(st[1].faults, UINT64_MAX, "only n entries are written");
	disable(h);
}
/* ---- errors ------------------------------------------------------------ */

struct bad_spec {
	const char *spec, *token, *suggestion;
};

Test(capi, bad_specs_name_the_token)
{
	static const struct bad_spec cases[] = {
		{ "opennat:ENOENT", "'opennat'", "did you mean 'openat'" },
		{ "openat:ENOENTT", "'ENOENTT'", "did you mean 'ENOENT'" },
		{ "openat:ENOENT:rat=50%", "'rat'", "did you mean 'rate'" },
		{ "tcp:8080:refusee", "'refusee'", "did you mean 'refuse'" },
		{ "write:ENOSPC;closee:EIO", "'closee'", "did you mean 'close'" },
		{ "tcp:80:drop:addr=10.1.2.3/8", "'10.1.2.3/8'", "did you mean '10.0.0.0/8'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mb_handle *h = (struct mb_handle *)&h;
		int ret = mb_enable(cases[i].spec, MB_SCOPE_THREAD, &h);
		const char *msg = mb_last_error();

		cr_assert_eq(ret, -EINVAL, "\"%s\": %d (%s)", cases[i].spec, ret, msg);
		cr_assert_null(h, "\"%s\": *out must be NULL on failure", cases[i].spec);
		cr_assert(strstr(msg, cases[i].token), "\"%s\": message \"%s\" lacks %s",
			  cases[i].spec, msg, cases[i].token);
		cr_assert(strstr(msg, cases[i].suggestion), "\"%s\": message \"%s\" lacks \"%s\"",
			  cases[i].spec, msg, cases[i].suggestion);
	}
	/* nothing was turned on by any of them */
	cr_assert_eq(try_open(), 0);
}

Test(capi, bad_arguments)
{
	struct mb_handle *h;

	cr_assert_eq(mb_enable(NULL, MB_SCOPE_THREAD, &h), -EINVAL);
	cr_assert_eq(mb_enable("", MB_SCOPE_THREAD, &h), -EINVAL);
	cr_assert_eq(mb_enable("openat:ENOENT", MB_SCOPE_THREAD, NULL), -EINVAL);
	cr_assert_eq(mb_enable("openat:ENOENT", (enum mb_scope)42, &h), -EINVAL);
	cr_assert(strstr(mb_last_error(), "scope"), "%s", mb_last_error());
	cr_assert_eq(mb_disable(NULL), -EINVAL);
	cr_assert_eq(mb_with_failures("openat:ENOENT", NULL, NULL), -EINVAL);
}
