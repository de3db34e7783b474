/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include <criterion/criterion.h>

#include "lib/name_tables.h"

static const enum mb_arch arches[] = { MB_ARCH_X86_64, MB_ARCH_AARCH64 };

#define expect_nr(arch, name, want) \
	cr_expect_eq(mb_syscall_by_name(arch, name), want, "%s on %s", name, \
		     mb_arch_name(arch))

/* A name and the number it must give. */
struct named_nr {
	const char *name;
	int nr;
};

#define N_OF(table) (sizeof(table) / sizeof((table)[0]))

static void expect_nrs(enum mb_arch arch, const struct named_nr *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_nr(arch, t[i].name, t[i].nr);
}

static void expect_errnos(const struct named_nr *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_expect_eq(mb_errno_by_name(t[i].name), t[i].nr, "%s", t[i].name);
}

/* The other way: the canonical name printed for a number. */
static void expect_errno_names(const struct named_nr *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_expect_str_eq(mb_errno_name(t[i].nr), t[i].name, "%d", t[i].nr);
}

/* The native table must agree with the macros the C library itself was
 * built against, not just with numbers typed into this test. */
Test(name_tables, native_matches_headers)
{
	enum mb_arch a = mb_native_arch();

#if defined(__x86_64__) && !defined(__ILP32__)
	cr_assert_eq(a, MB_ARCH_X86_64);
#elif defined(__aarch64__)
	cr_assert_eq(a, MB_ARCH_AARCH64);
#endif
	static const struct named_nr native[] = {
		{ "openat", __NR_openat },   { "read", __NR_read },
		{ "write", __NR_write },     { "close", __NR_close },
		{ "getppid", __NR_getppid }, { "connect", __NR_connect },
		{ "execve", __NR_execve },
#ifdef __NR_clone3
		{ "clone3", __NR_clone3 },
#endif
	};

	expect_nrs(a, native, N_OF(native));
	cr_expect_str_eq(mb_syscall_name(a, __NR_openat), "openat");
}

#if defined(__x86_64__) && !defined(__ILP32__)
/* On an x86_64 build host <sys/syscall.h> is <asm/unistd_64.h>, so this
 * checks the generated table entry by entry against the real macros. */
Test(name_tables, x86_64_matches_asm_unistd_64)
{
	static const struct named_nr x86_64[] = {
		{ "read", __NR_read },
		{ "write", __NR_write },
		{ "open", __NR_open },
		{ "close", __NR_close },
		{ "openat", __NR_openat },
		{ "getppid", __NR_getppid },
		{ "connect", __NR_connect },
		{ "execve", __NR_execve },
		{ "clone3", __NR_clone3 },
		{ "arch_prctl", __NR_arch_prctl },
		{ "rt_sigreturn", __NR_rt_sigreturn },
		{ "newfstatat", __NR_newfstatat },
	};

	expect_nrs(MB_ARCH_X86_64, x86_64, N_OF(x86_64));
}
#endif

/* asm-generic numbers are stable ABI; several of them (fcntl, lseek,
 * mmap, newfstatat) only exist through __NR3264_ indirections, which is
 * what the generator has to resolve. */
Test(name_tables, aarch64_fixed_numbers)
{
	static const struct named_nr aarch64[] = {
		{ "io_setup", 0 },    { "fcntl", 25 },	 { "openat", 56 },
		{ "close", 57 },      { "lseek", 62 },	 { "read", 63 },
		{ "write", 64 },      { "newfstatat", 79 }, { "getppid", 173 },
		{ "connect", 203 },   { "execve", 221 }, { "mmap", 222 },
		{ "clone3", 435 },
		/* Legacy calls that arm64 never had. */
		{ "open", -ENOENT },  { "fork", -ENOENT },
	};

	expect_nrs(MB_ARCH_AARCH64, aarch64, N_OF(aarch64));
}

Test(name_tables, non_syscalls_are_skipped)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		expect_nr(arches[i], "syscalls", -ENOENT);
		expect_nr(arches[i], "arch_specific_syscall", -ENOENT);
	}
}

Test(name_tables, syscall_round_trip)
{
	size_t i, j, n;
	const char *name;
	int nr;

	for (j = 0; j < 2; j++) {
		n = mb_syscall_count(arches[j]);
		cr_assert_geq(n, 250, "%s has %zu syscalls",
			      mb_arch_name(arches[j]), n);
		for (i = 0; i < n; i++) {
			name = mb_syscall_name_at(arches[j], i);
			cr_assert_not_null(name);
			nr = mb_syscall_by_name(arches[j], name);
			cr_assert_geq(nr, 0, "%s", name);
			cr_assert_str_eq(mb_syscall_name(arches[j], nr), name);
		}
		cr_expect_null(mb_syscall_name_at(arches[j], n));
	}
}

Test(name_tables, errno_matches_headers)
{
	static const struct named_nr by_name[] = {
		{ "ENOENT", ENOENT },		  { "EACCES", EACCES },
		{ "ENOSPC", ENOSPC },		  { "ECONNREFUSED", ECONNREFUSED },
		{ "EHWPOISON", EHWPOISON },
	};
	static const struct named_nr names[] = {
		{ "ENOENT", ENOENT },
		{ "ECONNREFUSED", ECONNREFUSED },
	};

	expect_errnos(by_name, N_OF(by_name));
	expect_errno_names(names, N_OF(names));
}

Test(name_tables, errno_aliases)
{
	static const struct named_nr by_name[] = {
		{ "EAGAIN", EAGAIN },	      { "EWOULDBLOCK", EWOULDBLOCK },
		{ "EOPNOTSUPP", EOPNOTSUPP }, { "ENOTSUP", ENOTSUP },
		{ "EDEADLK", EDEADLK },	      { "EDEADLOCK", EDEADLOCK },
	};
	/* An alias never becomes the printed name. */
	static const struct named_nr names[] = {
		{ "EAGAIN", EWOULDBLOCK },
		{ "EOPNOTSUPP", ENOTSUP },
		{ "EDEADLK", EDEADLOCK },
	};

	expect_errnos(by_name, N_OF(by_name));
	expect_errno_names(names, N_OF(names));
}

Test(name_tables, errno_round_trip)
{
	size_t i, n = mb_errno_count();
	const char *name, *canon;
	int nr;

	cr_assert_geq(n, 100);
	for (i = 0; i < n; i++) {
		name = mb_errno_name_at(i);
		cr_assert_not_null(name);
		nr = mb_errno_by_name(name);
		cr_assert(nr > 0 && nr <= MB_ERRNO_MAX, "%s -> %d", name, nr);
		canon = mb_errno_name(nr);
		cr_assert_not_null(canon, "%s", name);
		cr_assert_eq(mb_errno_by_name(canon), nr);
		cr_assert_str_eq(strerror(nr), strerror(mb_errno_by_name(name)));
	}
	cr_expect_null(mb_errno_name_at(n));
}

Test(name_tables, unknown_names)
{
	cr_expect_eq(mb_syscall_by_name(MB_ARCH_X86_64, "nosuchcall"), -ENOENT);
	cr_expect_eq(mb_syscall_by_name(MB_ARCH_AARCH64, ""), -ENOENT);
	cr_expect_eq(mb_syscall_by_name(MB_ARCH_X86_64, "OPENAT"), -ENOENT);
	cr_expect_eq(mb_errno_by_name("ENOSUCHERR"), -ENOENT);
	cr_expect_eq(mb_errno_by_name("enoent"), -ENOENT);
	cr_expect_eq(mb_errno_by_name(""), -ENOENT);
	cr_expect_null(mb_errno_name(0));
	cr_expect_null(mb_errno_name(-1));
	cr_expect_null(mb_errno_name(MB_ERRNO_MAX + 1));
	cr_expect_null(mb_syscall_name(MB_ARCH_X86_64, -1));
	cr_expect_null(mb_syscall_name(MB_ARCH_AARCH64, 300));
}

Test(name_tables, bad_arch)
{
	enum mb_arch bad = (enum mb_arch)99;

	cr_expect_eq(mb_syscall_by_name(bad, "openat"), -EINVAL);
	cr_expect_eq(mb_syscall_by_name((enum mb_arch)0, "openat"), -EINVAL);
	cr_expect_eq(mb_syscall_count(bad), 0);
	cr_expect_null(mb_syscall_name(bad, 0));
	cr_expect_null(mb_syscall_name_at(bad, 0));
	cr_expect_null(mb_arch_name(bad));
	cr_expect_str_eq(mb_arch_name(MB_ARCH_X86_64), "x86_64");
	cr_expect_str_eq(mb_arch_name(MB_ARCH_AARCH64), "aarch64");
}

Test(name_tables, nearest_typos)
{
	enum mb_arch a = MB_ARCH_X86_64;
	size_t ns = mb_syscall_count(a), ne = mb_errno_count();

	cr_expect_str_eq(mb_nearest("opennat", ns, mb_nearest_syscall_at, &a), "openat");
	cr_expect_str_eq(mb_nearest("raed", ns, mb_nearest_syscall_at, &a), "read");
	cr_expect_str_eq(mb_nearest("OPENAT", ns, mb_nearest_syscall_at, &a), "openat");
	cr_expect_str_eq(mb_nearest("ENOENTT", ne, mb_nearest_errno_at, NULL), "ENOENT");
	cr_expect_str_eq(mb_nearest("enoent", ne, mb_nearest_errno_at, NULL), "ENOENT");
	cr_expect_str_eq(mb_nearest("ECONREFUSED", ne, mb_nearest_errno_at, NULL),
			 "ECONNREFUSED");
}

Test(name_tables, nearest_nothing_close)
{
	enum mb_arch a = MB_ARCH_AARCH64;
	char longword[200];

	cr_expect_null(mb_nearest("zzzzzzzz", mb_syscall_count(a), mb_nearest_syscall_at,
				  &a));
	cr_expect_null(mb_nearest("zzzzzzzz", mb_errno_count(), mb_nearest_errno_at, NULL));
	cr_expect_null(mb_nearest("", mb_errno_count(), mb_nearest_errno_at, NULL));
	cr_expect_null(mb_nearest(NULL, mb_errno_count(), mb_nearest_errno_at, NULL));
	cr_expect_null(mb_nearest("ENOENT", 0, mb_nearest_errno_at, NULL));

	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	cr_expect_null(mb_nearest(longword, mb_errno_count(), mb_nearest_errno_at, NULL));
}

Test(name_tables, nearest_threshold_and_ties)
{
	const char *ties[] = { "bat", "cut", "cat2" };
	const char *far[] = { "abcxyz" };
	const char *near[] = { "abcdxy", NULL, "abcdez" };

	/* Both are one edit away: the earlier entry wins. */
	cr_expect_str_eq(mb_nearest("cat", 3, mb_nearest_list_at, ties), "bat");
	/* Six letters allow two edits, not three. */
	cr_expect_null(mb_nearest("abcdef", 1, mb_nearest_list_at, far));
	cr_expect_str_eq(mb_nearest("abcdef", 3, mb_nearest_list_at, near), "abcdez");
	/* Short words still get one slip. */
	cr_expect_str_eq(mb_nearest("x", 1, mb_nearest_list_at, (const char *[]){ "y" }),
			 "y");
	/* Never more than three, however long the word. */
	cr_expect_null(mb_nearest("abcdefghijklmnop", 1, mb_nearest_list_at,
				  (const char *[]){ "abcdefghijklwxyz" }));
	cr_expect_str_eq(mb_nearest("abcdefghijklmnop", 1, mb_nearest_list_at,
				    (const char *[]){ "abcdefghijklmxyz" }),
			 "abcdefghijklmxyz");
}
