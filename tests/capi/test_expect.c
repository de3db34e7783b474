/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API: mb_expect_fired, "did every rule inject something?", in the
 * words of `minderbinder run --expect-faults`.
 */
#include "capi_test.h"

Test(capi, expect_fired_passes_when_every_rule_fired)
{
	struct mb_handle *h = enable(on_file("openat:ENOENT:times=1"), MB_SCOPE_THREAD);

	cr_assert_eq(try_open(), ENOENT);
	cr_assert_eq(mb_expect_fired(h), 0, "%s", mb_last_error());
	disable(h);
}

Test(capi, expect_fired_names_a_rule_no_call_matched)
{
	struct mb_handle *h = enable(on_file("openat:ENOENT"), MB_SCOPE_THREAD);
	char want[300];

	/* FILE is never opened: the rule sees nothing. */
	cr_assert_eq(mb_expect_fired(h), -ENODATA);
	snprintf(want, sizeof(want), "rule 0 '%s' never fired: 0 calls matched",
		 on_file("openat:ENOENT"));
	cr_assert_str_eq(mb_last_error(), want);
	disable(h);
}

Test(capi, expect_fired_names_the_first_rule_whose_window_never_opened)
{
	char spec[300];
	struct mb_handle *h;

	snprintf(spec, sizeof(spec), "%s;getppid:EIO:after=5;getpid:EIO:after=5",
		 on_file("openat:ENOENT:times=1"));
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_open(), ENOENT);
	cr_assert_neq(syscall(SYS_getppid), -1);
	cr_assert_neq(syscall(SYS_getppid), -1);
	cr_assert_eq(mb_expect_fired(h), -ENODATA);
	cr_assert_str_eq(mb_last_error(),
			 "rule 1 'getppid:EIO:after=5' never fired: 2 calls matched, none faulted");
	disable(h);
}

Test(capi, expect_fired_refuses_a_null_handle)
{
	cr_assert_eq(mb_expect_fired(NULL), -EINVAL);
	cr_assert(strstr(mb_last_error(), "mb_expect_fired: handle is NULL"), "%s", mb_last_error());
}
