/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API: mb_with_failures, and the MB_WITH_FAILURES block on every way out.
 */
#include "capi_test.h"

/* ---- mb_with_failures and MB_WITH_FAILURES ----------------------------- */

struct probe {
	int called, err;
};

static void probe_open(void *arg)
{
	struct probe *p = arg;

	p->called++;
	p->err = try_open();
}

Test(capi, with_failures_runs_fn_with_faults_on)
{
	struct probe p = { 0, -1 };
	int ret;

	ret = mb_with_failures(on_file("openat:ENOENT"), probe_open, &p);
	cr_assert_eq(ret, 0, "%d: %s", ret, mb_last_error());
	cr_assert_eq(p.called, 1);
	cr_assert_eq(p.err, ENOENT);
	cr_assert_eq(try_open(), 0, "faults are off after mb_with_failures returns");

	p.called = 0;
	ret = mb_with_failures("opennat:ENOENT", probe_open, &p);
	cr_assert_eq(ret, -EINVAL);
	cr_assert_eq(p.called, 0, "fn is not called when the spec is bad");
	cr_assert(strstr(mb_last_error(), "did you mean"), "%s", mb_last_error());
}

Test(capi, block_off_after_falling_off_the_end)
{
	int inside = -1;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		inside = try_open();
	}
	cr_assert_eq(inside, ENOENT);
	cr_assert_eq(try_open(), 0);
}

Test(capi, block_runs_exactly_once)
{
	int runs = 0;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		runs++;
	}
	cr_assert_eq(runs, 1);
}

Test(capi, block_off_after_break)
{
	int inside = -1, after_break = 0;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		inside = try_open();
		if (inside)
			break;
		after_break = 1;
	}
	cr_assert_eq(inside, ENOENT);
	cr_assert_eq(after_break, 0);
	cr_assert_eq(try_open(), 0, "break left the block with the faults on");
}

Test(capi, block_break_and_continue_leave_only_the_block)
{
	int inside[3] = { -1, -1, -1 }, after[3] = { -1, -1, -1 };
	int rounds = 0, i;

	for (i = 0; i < 3; i++) {
		MB_WITH_FAILURES(on_file("openat:ENOENT")) {
			inside[i] = try_open();
			if (i == 1)
				continue;
			break;
		}
		after[i] = try_open();
		rounds++;
	}
	cr_assert_eq(rounds, 3, "break/continue in the block must not leave the outer loop");
	for (i = 0; i < 3; i++) {
		cr_assert_eq(inside[i], ENOENT, "round %d inside", i);
		cr_assert_eq(after[i], 0, "round %d after", i);
	}
}

static int open_and_return_from_block(void)
{
	MB_WITH_FAILURES(on_file("openat:EACCES")) {
		return try_open();
	}
	return -1;
}

Test(capi, block_off_after_return)
{
	cr_assert_eq(open_and_return_from_block(), EACCES);
	cr_assert_eq(try_open(), 0, "return from inside the block left the faults on");
	cr_assert_eq(open_and_return_from_block(), EACCES, "and a second time");
	cr_assert_eq(try_open(), 0);
}

Test(capi, block_off_after_goto)
{
	int inside = -1;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		inside = try_open();
		goto out;
	}
	cr_assert_fail("goto did not leave the block");
out:
	cr_assert_eq(inside, ENOENT);
	cr_assert_eq(try_open(), 0);
}

/* Nested blocks in one function: built with -Wshadow -Werror like the rest,
 * so the macro's variables must be unique per use. */
Test(capi, block_nested)
{
	int outer = -1, inner = -1, outer_again = -1;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		outer = try_open();
		MB_WITH_FAILURES(on_file("openat:EACCES")) {
			inner = try_open();
		}
		outer_again = try_open();
	}
	cr_assert_eq(outer, ENOENT);
	cr_assert_eq(inner, EACCES);
	cr_assert_eq(outer_again, ENOENT);
	cr_assert_eq(try_open(), 0);
}

/* A block whose rules cannot be turned on must not run: the process
 * says why on stderr and aborts. */
static void bad_block(const void *arg)
{
	(void)arg;
	signal(SIGABRT, SIG_DFL);
	MB_WITH_FAILURES("opennat:ENOENT") {
		_exit(0); /* must not be reached */
	}
	_exit(1);
}

Test(capi, block_aborts_loudly_on_a_bad_spec)
{
	char msg[1024] = "";
	int status = child_stderr(bad_block, NULL, msg, sizeof(msg));

	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		  "child status 0x%x, stderr: %s", status, msg);
	cr_assert(strstr(msg, "MB_WITH_FAILURES"), "%s", msg);
	cr_assert(strstr(msg, __FILE__ ":"), "names the file and line: %s", msg);
	cr_assert(strstr(msg, "'opennat'"), "%s", msg);
	cr_assert(strstr(msg, "did you mean 'openat'"), "%s", msg);
}
