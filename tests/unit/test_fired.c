/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The words run --expect-faults and mb_expect_fired share. */
#include <criterion/criterion.h>

#include "lib/fired.h"

Test(fired, no_call_matched)
{
	char buf[128];

	mb_never_fired_line(buf, sizeof(buf), 1, "open:ENOENT", 0);
	cr_assert_str_eq(buf, "rule 1 'open:ENOENT' never fired: 0 calls matched");
}

Test(fired, calls_matched_none_faulted)
{
	char buf[128];

	mb_never_fired_line(buf, sizeof(buf), 0, "read:EIO:after=9", 1);
	cr_assert_str_eq(buf, "rule 0 'read:EIO:after=9' never fired: 1 call matched, none faulted");
	mb_never_fired_line(buf, sizeof(buf), 0, "read:EIO:after=9", 12);
	cr_assert_str_eq(buf, "rule 0 'read:EIO:after=9' never fired: 12 calls matched, none faulted");
}
