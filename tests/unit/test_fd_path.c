/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * path= on a syscall whose argument is a descriptor (issue 13, part 1):
 * the table of which argument, the parse, the check of a spec from
 * outside, and the engine choice that sends such a rule to the supervisor.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engines/select.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

static struct mb_spec spec;
static struct mb_error err;

static void setup(void)
{
	memset(&err, 0, sizeof(err));
	mb_spec_init(&spec, MB_ARCH_X86_64);
}

TestSuite(fd_path, .init = setup);

static int add(const char *text)
{
	struct mb_defaults d;

	mb_defaults_init(&d);
	spec.n_rules = 0;
	return mb_spec_add_syscalls(&spec, "MINDERBINDER_SYSCALL", text, &d, &err);
}

Test(fd_path, table_names_the_descriptor_argument)
{
	static const char *const first[] = {
		"read",	     "write",	  "pread64",   "pwrite64",	  "readv",
		"writev",    "preadv",	  "preadv2",   "pwritev",	  "pwritev2",
		"fsync",     "fdatasync", "ftruncate", "fallocate",	  "sync_file_range",
		"fstat",     "lseek",	  "sendfile",  "close",		  "fchmod",
		"fchown",    "flock",	  "fgetxattr", "fsetxattr",	  "fstatfs",
		"fadvise64", NULL,
	};
	size_t i;

	for (i = 0; first[i]; i++) {
		cr_assert_eq(mb_syscall_fd_path_arg(first[i]), 0, "%s", first[i]);
		cr_assert_eq(mb_syscall_path_arg(first[i]), -1, "%s", first[i]);
	}
	/* The transfers match the descriptor they write to. */
	cr_assert_eq(mb_syscall_fd_path_arg("sendfile"), 0);
	cr_assert_eq(mb_syscall_fd_path_arg("copy_file_range"), 2);
	cr_assert_eq(mb_syscall_fd_path_arg("splice"), 2);
	cr_assert_eq(mb_syscall_fd_path_arg("mmap"), 4);
}

Test(fd_path, a_path_argument_wins_and_the_rest_have_none)
{
	/* openat's dirfd is a descriptor, but its path string is what path=
	 * matches, as before. */
	cr_assert_eq(mb_syscall_fd_path_arg("openat"), -1);
	cr_assert_eq(mb_syscall_path_arg("openat"), 1);
	cr_assert_eq(mb_syscall_fd_path_arg("getpid"), -1);
	cr_assert_eq(mb_syscall_fd_path_arg("sendto"), -1);
	cr_assert_eq(mb_syscall_fd_path_arg(NULL), -1);
}

Test(fd_path, parse_sets_the_argument_and_the_flag)
{
	const struct mb_rule *r = &spec.rules[0];

	cr_assert_eq(add("pwrite64:ENOSPC:path=*/t.db"), 0, "%s", err.msg);
	cr_assert_eq(r->sys.path_arg, 0);
	cr_assert(r->flags & MB_F_PATH);
	cr_assert(r->flags & MB_F_PATH_FD);
	cr_assert_str_eq(r->sys.path, "*/t.db");
	cr_assert_eq(mb_spec_validate(&spec, &err), 0, "%s", err.msg);

	cr_assert_eq(add("copy_file_range:EIO:path=/data/*"), 0, "%s", err.msg);
	cr_assert_eq(r->sys.path_arg, 2);
	cr_assert(r->flags & MB_F_PATH_FD);

	cr_assert_eq(add("openat:ENOENT:path=*/app.conf"), 0, "%s", err.msg);
	cr_assert_eq(r->sys.path_arg, 1);
	cr_assert_not(r->flags & MB_F_PATH_FD);

	cr_assert_eq(add("write:EIO"), 0, "%s", err.msg);
	cr_assert_eq(r->sys.path_arg, -1);
	cr_assert_not(r->flags & (MB_F_PATH | MB_F_PATH_FD));
}

Test(fd_path, format_gives_the_rule_back)
{
	char text[512];

	cr_assert_eq(add("write:EIO:path=*/out.txt"), 0, "%s", err.msg);
	cr_assert_gt(mb_rule_format(&spec.rules[0], MB_ARCH_X86_64, text, sizeof(text)), 0);
	cr_assert_str_eq(text, "write:EIO:path=*/out.txt");
}

Test(fd_path, no_path_and_no_descriptor_is_refused_by_name)
{
	cr_assert_eq(add("getpid:EIO:path=*/x"), -EINVAL);
	cr_assert(strstr(err.msg, "MINDERBINDER_SYSCALL: option 'path' at column 12"), "%s", err.msg);
	cr_assert(strstr(err.msg, "a file descriptor argument (write, pwrite64"), "%s", err.msg);
	cr_assert(strstr(err.msg, "'getpid' has none"), "%s", err.msg);
	cr_assert_eq(spec.n_rules, 0);
}

Test(fd_path, validate_refuses_a_forged_descriptor_rule)
{
	struct mb_rule *r = &spec.rules[0];

	cr_assert_eq(add("write:EIO:path=*/x"), 0, "%s", err.msg);
	r->sys.path_arg = 1; /* write's descriptor is argument 0 */
	cr_assert_eq(mb_spec_validate(&spec, &err), -EINVAL);
	cr_assert(strstr(err.msg, "bad path argument"), "%s", err.msg);

	cr_assert_eq(add("write:EIO:path=*/x"), 0, "%s", err.msg);
	r->flags &= ~MB_F_PATH_FD; /* a string at argument 0 of write: no */
	cr_assert_eq(mb_spec_validate(&spec, &err), -EINVAL);

	cr_assert_eq(add("openat:EIO:path=*/x"), 0, "%s", err.msg);
	r->flags |= MB_F_PATH_FD; /* openat has no descriptor path */
	cr_assert_eq(mb_spec_validate(&spec, &err), -EINVAL);

	cr_assert_eq(add("write:EIO"), 0, "%s", err.msg);
	r->flags |= MB_F_PATH_FD; /* the flag without path= */
	cr_assert_eq(mb_spec_validate(&spec, &err), -EINVAL);
}

Test(fd_path, bpf_engines_hand_it_to_the_supervisor)
{
	struct mb_engine_answers answers;
	struct mb_select sel;
	struct mb_engine_choice choice;
	enum mb_engine cand[2];
	int n;

	memset(&answers, 0, sizeof(answers));
	memset(&sel, 0, sizeof(sel));
	answers.ok[MB_ENGINE_FMOD_RET] = 1;
	answers.ok[MB_ENGINE_KPROBE] = 1;
	sel.answers = &answers;
	sel.scope = MB_SCOPE_TREE;
	cr_assert_eq(add("pwrite64:ENOSPC:path=*/t.db"), 0, "%s", err.msg);

	cr_assert_not(mb_engine_can_express(MB_ENGINE_FMOD_RET, &spec.rules[0], &err));
	cr_assert_str_eq(err.msg, "path= on a file descriptor needs the supervisor (seccomp)");
	cr_assert_not(mb_engine_can_express(MB_ENGINE_KPROBE, &spec.rules[0], &err));

	n = mb_engine_candidates(&sel, cand, &err);
	cr_assert_eq(n, 2);
	cr_assert_eq(mb_engine_choose(&sel, cand, n, &spec.rules[0], &choice, &err), 0);
	cr_assert_eq(choice.n_bpf, 0);
	cr_assert_eq(choice.engine, MB_ENGINE_SECCOMP_NOTIF);

	/* A forced BPF engine falls back on the supervisor too, as for
	 * latency=; watch has no filter to fall back on and says why. */
	sel.wish = MB_WISH_FMOD_RET;
	n = mb_engine_candidates(&sel, cand, &err);
	cr_assert_eq(mb_engine_choose(&sel, cand, n, &spec.rules[0], &choice, &err), 0);
	cr_assert_eq(choice.engine, MB_ENGINE_SECCOMP_NOTIF);
	sel.wish = MB_WISH_AUTO;
	sel.watch = true;
	n = mb_engine_candidates(&sel, cand, &err);
	cr_assert_eq(mb_engine_choose(&sel, cand, n, &spec.rules[0], &choice, &err),
		     -EOPNOTSUPP);
	cr_assert(strstr(err.msg, "path= on a file descriptor needs the supervisor"), "%s",
		  err.msg);
}
