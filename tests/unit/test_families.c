/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscall families (lib/syscall_families.c): what each expands to on
 * x86_64 and aarch64, by the syscall numbers of each ABI (written out
 * here, not read from the tables under test), the grammar of '%', the
 * per-member path argument, the spec checks, the filter that routes every
 * member once, the engine choice, and the libc warning.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "engines/select.h"
#include "lib/libc_hint.h"
#include "lib/name_tables.h"
#include "lib/seccomp_filter.h"
#include "lib/spec_parse.h"
#include "lib/syscall_families.h"

#include "spec_fixture.h"

TestSuite(families, .init = setup);

static int sys_on(enum mb_arch arch, const char *text)
{
	mb_spec_init(&spec, arch);
	return mb_spec_add_syscalls(&spec, "MINDERBINDER_SYSCALL", text, &defs, &err);
}

/* The rule's syscall set is exactly want[0..n). */
static void expect_set(enum mb_arch arch, const char *text, const int *want, int n)
{
	struct mb_nr_set set;
	int i, count = 0, nr;

	cr_assert_eq(sys_on(arch, text), 0, "%s: %s", text, err.msg);
	cr_assert_eq(mb_rule_nr_set(arch, &spec.rules[0], &set), n, "%s on %s", text,
		     mb_arch_name(arch));
	for (i = 0; i < n; i++)
		cr_assert(mb_nr_set_has(&set, want[i]), "%s on %s lacks %d", text,
			  mb_arch_name(arch), want[i]);
	for (nr = 0; nr < MB_NR_SET_MAX; nr++)
		count += mb_nr_set_has(&set, nr);
	cr_assert_eq(count, n, "%s on %s: %d members, want %d", text, mb_arch_name(arch), count,
		     n);
}

#define EXPECT(arch, text, ...)                                                          \
	do {                                                                             \
		static const int w[] = { __VA_ARGS__ };                                  \
		expect_set(arch, text, w, (int)(sizeof(w) / sizeof(w[0])));              \
	} while (0)

Test(families, x86_64_expansion)
{
	EXPECT(MB_ARCH_X86_64, "%open:ENOENT", 2, 257, 437, 85);
	EXPECT(MB_ARCH_X86_64, "%read:EIO", 0, 17, 19, 295, 327);
	EXPECT(MB_ARCH_X86_64, "%write:EIO", 1, 18, 20, 296, 328);
	EXPECT(MB_ARCH_X86_64, "%sync:EIO", 74, 75, 277, 306);
	EXPECT(MB_ARCH_X86_64, "%stat:ENOENT", 4, 6, 5, 262, 332);
	EXPECT(MB_ARCH_X86_64, "%unlink:EACCES", 87, 263, 84);
	EXPECT(MB_ARCH_X86_64, "%rename:EXDEV", 82, 264, 316);
}

/* aarch64 has none of the old path calls: they are simply no members. */
Test(families, aarch64_expansion)
{
	EXPECT(MB_ARCH_AARCH64, "%open:ENOENT", 56, 437);
	EXPECT(MB_ARCH_AARCH64, "%read:EIO", 63, 67, 65, 69, 286);
	EXPECT(MB_ARCH_AARCH64, "%write:EIO", 64, 68, 66, 70, 287);
	EXPECT(MB_ARCH_AARCH64, "%sync:EIO", 82, 83, 84, 267);
	EXPECT(MB_ARCH_AARCH64, "%stat:ENOENT", 80, 79, 291);
	EXPECT(MB_ARCH_AARCH64, "%unlink:EACCES", 35);
	EXPECT(MB_ARCH_AARCH64, "%rename:EXDEV", 38, 276);
}

/* strace's classes, by a few members each must and must not have. */
Test(families, strace_classes)
{
	static const struct {
		const char *fam, *in, *out;
	} c[] = {
		{ "file", "openat", "read" },	  { "file", "execve", "socket" },
		{ "network", "connect", "openat" }, { "network", "sendmsg", "write" },
		{ "desc", "read", "getpid" },	  { "desc", "openat", "brk" },
		{ "process", "clone", "openat" }, { "process", "wait4", "exit_group" },
		{ "memory", "mmap", "read" },	  { "memory", "brk", "clone" },
	};
	enum mb_arch arches[] = { MB_ARCH_X86_64, MB_ARCH_AARCH64 };
	struct mb_nr_set set;
	unsigned a, i;
	char text[64];

	for (a = 0; a < 2; a++) {
		for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			snprintf(text, sizeof(text), "%%%s:EIO", c[i].fam);
			cr_assert_eq(sys_on(arches[a], text), 0, "%s", err.msg);
			cr_assert_gt(mb_rule_nr_set(arches[a], &spec.rules[0], &set), 0);
			cr_assert(mb_nr_set_has(&set, mb_syscall_by_name(arches[a], c[i].in)),
				  "%s on %s lacks %s", text, mb_arch_name(arches[a]), c[i].in);
			cr_assert_not(mb_nr_set_has(&set, mb_syscall_by_name(arches[a], c[i].out)),
				      "%s on %s has %s", text, mb_arch_name(arches[a]), c[i].out);
		}
	}
}

static int count_file_members(const char *name, int nr, void *ctx)
{
	(void)name;
	(void)nr;
	(*(int *)ctx)++;
	return 0;
}

/* Every family has members on both arches, and some that path= can match;
 * the hand-written families name no syscall x86_64's headers lack (a typo). */
Test(families, every_family_expands)
{
	enum mb_arch arches[] = { MB_ARCH_X86_64, MB_ARCH_AARCH64 };
	unsigned f, a;
	int files;

	for (f = MB_FAMILY_NONE + 1; f < MB_FAMILY_COUNT; f++) {
		cr_assert_not_null(mb_family_name(f));
		cr_assert_eq(mb_family_by_name(mb_family_name(f)), (int)f);
		for (a = 0; a < 2; a++) {
			files = 0;
			cr_assert_gt(mb_family_each(arches[a], f, false, NULL, NULL), 0, "%%%s on %s",
				     mb_family_name(f), mb_arch_name(arches[a]));
			cr_assert_gt(mb_family_each(arches[a], f, true, count_file_members, &files),
				     0);
			cr_assert_gt(files, 0);
		}
	}
	for (f = MB_FAMILY_OPEN; f <= MB_FAMILY_RENAME; f++) {
		const char *want[] = { "open", "read", "write", "sync", "stat", "unlink", "rename" };
		char text[32];

		cr_assert_str_eq(mb_family_name(f), want[f - MB_FAMILY_OPEN]);
		snprintf(text, sizeof(text), "%%%s:EIO", want[f - MB_FAMILY_OPEN]);
		cr_assert_eq(sys_on(MB_ARCH_X86_64, text), 0);
	}
	cr_assert_eq(mb_family_by_name("openat"), -ENOENT);
	cr_assert_null(mb_family_name(MB_FAMILY_COUNT));
	cr_assert_eq(mb_family_each(MB_ARCH_X86_64, MB_FAMILY_COUNT, false, NULL, NULL), -EINVAL);
}

/* --- the grammar ------------------------------------------------------------------------ */

Test(families, one_rule_round_trip)
{
	char buf[512];

	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%write:EIO:after=2:times=1;%open:ENOENT:path=*/x"), 0,
		     "%s", err.msg);
	cr_assert_eq(spec.n_rules, 2);
	cr_assert_eq(spec.rules[0].sys.family, MB_FAMILY_WRITE);
	cr_assert_eq(spec.rules[0].sys.nr, MB_NR_FAMILY);
	cr_assert_eq(spec.rules[0].sys.path_arg, -1);
	cr_assert_gt(mb_rule_format(&spec.rules[0], MB_ARCH_X86_64, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "%write:EIO:after=2:times=1");
	cr_assert_gt(mb_rule_format(&spec.rules[1], MB_ARCH_X86_64, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "%open:ENOENT:path=*/x");
	cr_assert_eq(mb_spec_validate(&spec, &err), 0, "%s", err.msg);
}

/* %file has ~80 members, %desc ~150: each is still one of the 32 rules. */
Test(families, big_families_take_one_slot)
{
	char text[32 * 12] = "";
	int i;

	for (i = 0; i < MB_MAX_RULES; i++)
		strcat(text, i % 2 ? "%desc:EIO;" : "%file:EIO;");
	cr_assert_eq(sys_on(MB_ARCH_X86_64, text), 0, "%s", err.msg);
	cr_assert_eq(spec.n_rules, MB_MAX_RULES);
}

Test(families, unknown_family_names_nearest)
{
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%opne:ENOENT"), -EINVAL);
	cr_assert_str_eq(err.msg, "MINDERBINDER_SYSCALL: unknown syscall family '%opne' at column 1 (did you mean '%open'?)");
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "openat:EIO;%netwrk:EIO"), -EINVAL);
	cr_assert_str_eq(err.msg, "MINDERBINDER_SYSCALL: unknown syscall family '%netwrk' at column 12 (did you mean '%network'?)");
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%:EIO"), -EINVAL);
	cr_assert(strstr(err.msg, "unknown syscall family '%'"), "%s", err.msg);
	cr_assert_eq(spec.n_rules, 0, "a bad rule adds nothing");
}

/* aarch64 has no open: the family of that name is the way. */
Test(families, missing_syscall_suggests_family)
{
	cr_assert_eq(sys_on(MB_ARCH_AARCH64, "open:ENOENT"), -EINVAL);
	cr_assert_str_eq(err.msg, "MINDERBINDER_SYSCALL: unknown syscall 'open' at column 1 (did you mean '%open'?)");
}

/* --- path= per member ------------------------------------------------------------------- */

Test(families, path_per_member)
{
	const struct mb_rule *r;
	struct mb_nr_set set;
	bool fd;

	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%open:ENOENT:path=*/x"), 0, "%s", err.msg);
	r = &spec.rules[0];
	cr_assert_eq(mb_rule_path_arg(MB_ARCH_X86_64, r, 257, &fd), 1); /* openat */
	cr_assert_not(fd);
	cr_assert_eq(mb_rule_path_arg(MB_ARCH_X86_64, r, 2, &fd), 0); /* open */
	cr_assert_eq(mb_rule_path_arg(MB_ARCH_X86_64, r, 85, &fd), 0); /* creat */

	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%write:ENOSPC:path=*/t.db"), 0, "%s", err.msg);
	cr_assert_eq(mb_rule_path_arg(MB_ARCH_X86_64, &spec.rules[0], 18, &fd), 0); /* pwrite64 */
	cr_assert(fd, "a write member matches its descriptor's path");

	/* %stat mixes them: newfstatat's path, fstat's descriptor */
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%stat:ENOENT:path=/etc/*"), 0, "%s", err.msg);
	cr_assert_eq(mb_rule_path_arg(MB_ARCH_X86_64, &spec.rules[0], 262, &fd), 1);
	cr_assert_not(fd);
	cr_assert_eq(mb_rule_path_arg(MB_ARCH_X86_64, &spec.rules[0], 5, &fd), 0);
	cr_assert(fd);

	/* with path=, a member that takes no file (pipe2) is left out */
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%desc:EIO:path=*/t.db"), 0, "%s", err.msg);
	cr_assert_gt(mb_rule_nr_set(MB_ARCH_X86_64, &spec.rules[0], &set), 0);
	cr_assert(mb_nr_set_has(&set, 0)); /* read */
	cr_assert_not(mb_nr_set_has(&set, 293)); /* pipe2 */
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%desc:EIO"), 0, "%s", err.msg);
	cr_assert_gt(mb_rule_nr_set(MB_ARCH_X86_64, &spec.rules[0], &set), 0);
	cr_assert(mb_nr_set_has(&set, 293));

	/* relative globs are refused for families as for syscalls */
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%open:ENOENT:path=x"), -EINVAL);
	cr_assert(strstr(err.msg, "'*/x'"), "%s", err.msg);
}

/* --- a spec from outside ------------------------------------------------------------------ */

Test(families, validate_refuses_forged_family)
{
	struct mb_spec good;

	cr_assert_eq(sys_on(MB_ARCH_X86_64, "%open:ENOENT:path=*/x"), 0, "%s", err.msg);
	good = spec;
#define REJECT(change, what)                                                           \
	do {                                                                           \
		spec = good;                                                           \
		change;                                                                \
		cr_assert_eq(mb_spec_validate(&spec, &err), -EINVAL, "%s", #change);   \
		cr_assert(strstr(err.msg, what), "%s: %s", #change, err.msg);          \
	} while (0)
	REJECT(spec.rules[0].sys.family = MB_FAMILY_COUNT, "syscall family");
	REJECT(spec.rules[0].sys.family = 0xffff, "syscall family");
	REJECT(spec.rules[0].sys.nr = 257, "syscall family");
	REJECT(spec.rules[0].sys.path_arg = 1, "path argument");
	REJECT(spec.rules[0].flags |= MB_F_PATH_FD, "path argument");
	REJECT(spec.rules[0].sys.pad = 1, "padding");
	REJECT((spec.rules[0].sys.family = 0, spec.rules[0].sys.nr = MB_NR_FAMILY), "syscall number");
#undef REJECT
}

/* --- the filter: each member routed once, by its first rule -------------------------- */

static int jeq_count(const struct sock_filter *prog, int len, __u32 nr, __u32 *action)
{
	int i, n = 0;

	/* after the head, rules are pairs: JEQ nr, 0, 1; RET action */
	for (i = 16; i + 1 < len; i++) {
		if (prog[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && prog[i].k == nr &&
		    prog[i + 1].code == (BPF_RET | BPF_K)) {
			n++;
			*action = prog[i + 1].k;
		}
	}
	return n;
}

Test(families, filter_routes_every_member_once)
{
	struct sock_filter prog[MB_FILTER_MAX];
	__u32 engines[MB_MAX_RULES], action = 0;
	int len;

	mb_spec_init(&spec, mb_native_arch());
	cr_assert_eq(mb_spec_add_syscalls(&spec, "t", "openat:EACCES:times=1;%open:ENOENT", &defs,
					  &err),
		     0, "%s", err.msg);
	engines[0] = MB_ENGINE_SECCOMP_NOTIF;
	engines[1] = MB_ENGINE_SECCOMP_ERRNO;
	len = mb_seccomp_build(&spec, engines, 0, prog, MB_FILTER_MAX);
	cr_assert_gt(len, 0);
	cr_assert_eq(jeq_count(prog, len, (__u32)mb_syscall_by_name(mb_native_arch(), "openat"),
			       &action), 1);
	cr_assert_eq(action, SECCOMP_RET_USER_NOTIF, "openat's first rule decides");
	cr_assert_eq(jeq_count(prog, len, (__u32)mb_syscall_by_name(mb_native_arch(), "openat2"),
			       &action), 1);
	cr_assert_eq(action, SECCOMP_RET_ERRNO | ENOENT);
	cr_assert_eq(prog[len - 1].k, SECCOMP_RET_ALLOW);
}

/* The C API's layer for 32 big families fits: every syscall at most once. */
Test(families, routed_layer_fits)
{
	struct sock_filter prog[MB_FILTER_MAX];
	struct mb_nr_set all;
	int nr, n = 0, len;

	memset(&all, 0, sizeof(all));
	for (nr = 0; nr < (int)mb_syscall_count(mb_native_arch()); nr++) {
		int k = mb_syscall_by_name(mb_native_arch(),
					   mb_syscall_name_at(mb_native_arch(), (size_t)nr));

		mb_nr_set_add(&all, k);
		n++;
	}
	len = mb_seccomp_build_routed(&all, prog, MB_FILTER_MAX);
	cr_assert_gt(len, 2 * n, "every syscall routed: %d instructions", len);
}

/* --- the engines -------------------------------------------------------------------------- */

Test(families, bpf_engines_hand_families_to_seccomp)
{
	struct mb_engine_answers answers;
	struct mb_select sel = { .wish = MB_WISH_AUTO, .scope = MB_SCOPE_TREE, .answers = &answers };
	enum mb_engine cand[2] = { MB_ENGINE_FMOD_RET, MB_ENGINE_KPROBE };
	struct mb_engine_choice ch;

	memset(&answers, 0, sizeof(answers));
	answers.ok[MB_ENGINE_FMOD_RET] = answers.ok[MB_ENGINE_KPROBE] = 1;
	mb_spec_init(&spec, mb_native_arch());
	cr_assert_eq(mb_spec_add_syscalls(&spec, "t", "%sync:EIO:times=1", &defs, &err), 0);
	cr_assert_not(mb_engine_can_express(MB_ENGINE_FMOD_RET, &spec.rules[0], &err));
	cr_assert_str_eq(err.msg, "a syscall family (%sync) needs the supervisor (seccomp)");
	cr_assert_eq(mb_engine_choose(&sel, cand, 2, &spec.rules[0], &ch, &err), 0);
	cr_assert_eq(ch.n_bpf, 0);
	cr_assert_eq(ch.engine, MB_ENGINE_SECCOMP_NOTIF);
	sel.wish = MB_WISH_KPROBE; /* forced: still the supervisor, as path= on a descriptor */
	cr_assert_eq(mb_engine_choose(&sel, cand + 1, 1, &spec.rules[0], &ch, &err), 0);
	cr_assert_eq(ch.engine, MB_ENGINE_SECCOMP_NOTIF);
	sel.wish = MB_WISH_AUTO;
	sel.watch = true; /* watch has no supervisor: refused, saying why */
	cr_assert_eq(mb_engine_choose(&sel, cand, 2, &spec.rules[0], &ch, &err), -EOPNOTSUPP);
	cr_assert(strstr(err.msg, "a syscall family (%sync) needs the supervisor"), "%s", err.msg);
}

/* --- the libc warning ------------------------------------------------------------------- */

Test(families, libc_hint)
{
	struct mb_error w;
	__u32 i = 0;

	cr_assert_eq(sys_on(MB_ARCH_X86_64, "openat:EIO;open:ENOENT;%open:ENOENT;stat:ENOENT:times=2"),
		     0);
	cr_assert_eq(mb_libc_hint_next(&spec, &i, "MINDERBINDER_SYSCALL", &w), 1);
	cr_assert_str_eq(w.msg, "MINDERBINDER_SYSCALL: rule 1 'open:ENOENT': glibc on x86_64 opens files (open, fopen) with openat; use '%open' to cover open, openat, openat2 and creat");
	cr_assert_eq(mb_libc_hint_next(&spec, &i, "MINDERBINDER_SYSCALL", &w), 1);
	cr_assert_str_eq(w.msg, "MINDERBINDER_SYSCALL: rule 3 'stat:ENOENT:times=2': glibc on x86_64 stats a path with newfstatat; use '%stat' to cover stat, lstat, fstat, newfstatat and statx");
	cr_assert_eq(mb_libc_hint_next(&spec, &i, "MINDERBINDER_SYSCALL", &w), 0);

	/* glibc makes these itself: no word */
	i = 0;
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "creat:EIO;rename:EIO;unlink:EIO;openat:ENOENT"), 0);
	cr_assert_eq(mb_libc_hint_next(&spec, &i, "t", &w), 0);
	i = 0;
	cr_assert_eq(sys_on(MB_ARCH_X86_64, "pipe:EMFILE"), 0);
	cr_assert_eq(mb_libc_hint_next(&spec, &i, "t", &w), 1);
	cr_assert_str_eq(w.msg, "t: rule 0 'pipe:EMFILE': glibc on x86_64 makes pipes with pipe2; use 'pipe2'");

	cr_assert_eq(mb_libc_hint_wanted(NULL, 1, &err), 1);
	cr_assert_eq(mb_libc_hint_wanted("", 0, &err), 0);
	cr_assert_eq(mb_libc_hint_wanted("0", 1, &err), 0);
	cr_assert_eq(mb_libc_hint_wanted("1", 0, &err), 1);
	cr_assert_eq(mb_libc_hint_wanted("yes", 0, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "MINDERBINDER_WARN: bad value 'yes' (want 0 or 1)");
}

/* A syscall a family routes to the filter is not also served in BPF by
 * another rule: the filter would answer first whatever the rule order. */
Test(families, bpf_rule_on_a_family_member_goes_to_seccomp)
{
	struct mb_engine_answers answers;
	struct mb_select sel = { .wish = MB_WISH_AUTO, .scope = MB_SCOPE_TREE, .answers = &answers };
	enum mb_engine cand[2] = { MB_ENGINE_FMOD_RET, MB_ENGINE_KPROBE };
	struct mb_engine_choice ch[3];
	__u32 i;

	memset(&answers, 0, sizeof(answers));
	answers.ok[MB_ENGINE_FMOD_RET] = answers.ok[MB_ENGINE_KPROBE] = 1;
	mb_spec_init(&spec, mb_native_arch());
	cr_assert_eq(mb_spec_add_syscalls(&spec, "t", "openat:EACCES:path=*/x;%open:ENOENT:path=*/x;getppid:EIO",
					  &defs, &err),
		     0, "%s", err.msg);
	for (i = 0; i < 3; i++)
		cr_assert_eq(mb_engine_choose(&sel, cand, 2, &spec.rules[i], &ch[i], &err), 0);
	cr_assert_eq(ch[0].n_bpf, 2, "alone, openat could go to fmod_ret");
	mb_engine_align(&sel, &spec, ch);
	cr_assert_eq(ch[0].n_bpf, 0, "openat is a member of %%open: the filter's");
	cr_assert_eq(ch[0].engine, MB_ENGINE_SECCOMP_NOTIF);
	cr_assert_eq(ch[2].n_bpf, 2, "getppid is no member: it keeps its BPF engine");
	/* a forced engine is what was asked for: it holds */
	sel.wish = MB_WISH_FMOD_RET;
	cr_assert_eq(mb_engine_choose(&sel, cand, 1, &spec.rules[0], &ch[0], &err), 0);
	mb_engine_align(&sel, &spec, ch);
	cr_assert_eq(ch[0].n_bpf, 1);
}
