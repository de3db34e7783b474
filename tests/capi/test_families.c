/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API takes syscall families as any spec string does: "%open" is
 * one rule whose count and times= span open, openat and creat; a family
 * of ~150 members takes one rule and one filter layer; an unknown family
 * is refused naming the nearest.
 */
#include "capi_test.h"

Test(capi, family_counts_as_one_rule)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int fd, e[4];

	/* times=2 over the family: the first two calls of any member fail */
	h = enable(on_file("%open:EACCES:times=2"), MB_SCOPE_THREAD);
	fd = (int)syscall(SYS_openat, AT_FDCWD, file, O_RDONLY);
	e[0] = fd < 0 ? errno : 0;
	fd = (int)syscall(SYS_open, file, O_RDONLY);
	e[1] = fd < 0 ? errno : 0;
	fd = (int)syscall(SYS_creat, file, 0600);
	e[2] = fd < 0 ? errno : (close(fd), 0);
	fd = (int)syscall(SYS_open, file, O_RDONLY);
	e[3] = fd < 0 ? errno : (close(fd), 0);
	cr_assert_eq(e[0], EACCES, "openat: %s", strerror(e[0]));
	cr_assert_eq(e[1], EACCES, "open: %s", strerror(e[1]));
	cr_assert_eq(e[2], 0, "creat, the third call: %s", strerror(e[2]));
	cr_assert_eq(e[3], 0, "open, the fourth: %s", strerror(e[3]));
	cr_assert_eq(mb_stats(h, &st, 1), 1);
	cr_assert_eq(st.calls, 4, "calls %llu", (unsigned long long)st.calls);
	cr_assert_eq(st.faults, 2, "faults %llu", (unsigned long long)st.faults);
	cr_assert_eq(mb_expect_fired(h), 0, "%s", mb_last_error());
	disable(h);
	cr_assert_eq(try_open(), 0, "disabled: the file opens");
}

/* Two big families (%desc has ~150 members, more than the 32 syscalls
 * the API could once route): one filter layer, one rule each. */
Test(capi, big_family_one_rule)
{
	struct mb_rule_stats st[2];
	struct mb_handle *h;
	char spec[400];

	snprintf(spec, sizeof(spec), "%s;%s", on_file("%file:ENOTDIR:times=1"),
		 on_file("%desc:EIO:times=1"));
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_open(), ENOTDIR, "the first rule decides an openat of the file");
	cr_assert_eq(try_open(), EIO, "then %%desc's, its own times=1");
	cr_assert_eq(try_open(), 0);
	cr_assert_eq(mb_stats(h, st, 2), 2);
	cr_assert_eq(st[0].faults, 1);
	cr_assert_eq(st[1].faults, 1);
	disable(h);
}

Test(capi, unknown_family_names_nearest)
{
	struct mb_handle *h = NULL;

	cr_assert_eq(mb_enable("%wrtie:EIO", MB_SCOPE_THREAD, &h), -EINVAL);
	cr_assert_null(h);
	cr_assert(strstr(mb_last_error(), "unknown syscall family '%wrtie'") &&
			  strstr(mb_last_error(), "did you mean '%write'?"),
		  "%s", mb_last_error());
}

static void fired_child(const void *arg)
{
	struct mb_handle *h = NULL;

	(void)arg;
	if (mb_enable("%sync:EIO", MB_SCOPE_PROCESS, &h))
		_exit(3);
	/* no sync call: the rule never fires, and mb_expect_fired says so
	 * with the rule as written */
	if (mb_expect_fired(h) != -ENODATA)
		_exit(4);
	fprintf(stderr, "%s\n", mb_last_error());
	_exit(0);
}

Test(capi, family_in_expect_fired_words)
{
	char err[512];
	int st = child_stderr(fired_child, NULL, err, sizeof(err));

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert(strstr(err, "rule 0 '%sync:EIO' never fired: 0 calls matched"), "%s", err);
}
