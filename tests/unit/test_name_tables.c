/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include <criterion/criterion.h>

#include "lib/name_tables.h"

static const char *errno_at(void *ctx, size_t i)
{
	(void)ctx;
	return mb_errno_name_at(i);
}

static const char *syscall_at(void *ctx, size_t i)
{
	return mb_syscall_name_at(*(enum mb_arch *)ctx, i);
}

static const char *list_at(void *ctx, size_t i)
{
	return ((const char **)ctx)[i];
}

static const enum mb_arch arches[] = { MB_ARCH_X86_64, MB_ARCH_AARCH64 };

#define expect_nr(arch, name, want) \
	cr_expect_eq(mb_syscall_by_name(arch, name), want, "%s on %s", name, \
		     mb_arch_name(arch))

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
	expect_nr(a, "openat", __NR_openat);
	expect_nr(a, "read", __NR_read);
	expect_nr(a, "write", __NR_write);
	expect_nr(a, "close", __NR_close);
	expect_nr(a, "getppid", __NR_getppid);
	expect_nr(a, "connect", __NR_connect);
	expect_nr(a, "execve", __NR_execve);
#ifdef __NR_clone3
	expect_nr(a, "clone3", __NR_clone3);
#endif
	cr_expect_str_eq(mb_syscall_name(a, __NR_openat), "openat");
}

#if defined(__x86_64__) && !defined(__ILP32__)
/* On an x86_64 build host <sys/syscall.h> is <asm/unistd_64.h>, so this
 * checks the generated table entry by entry against the real macros. */
Test(name_tables, x86_64_matches_asm_unistd_64)
{
	expect_nr(MB_ARCH_X86_64, "read", __NR_read);
	expect_nr(MB_ARCH_X86_64, "write", __NR_write);
	expect_nr(MB_ARCH_X86_64, "open", __NR_open);
	expect_nr(MB_ARCH_X86_64, "close", __NR_close);
	expect_nr(MB_ARCH_X86_64, "openat", __NR_openat);
	expect_nr(MB_ARCH_X86_64, "getppid", __NR_getppid);
	expect_nr(MB_ARCH_X86_64, "connect", __NR_connect);
	expect_nr(MB_ARCH_X86_64, "execve", __NR_execve);
	expect_nr(MB_ARCH_X86_64, "clone3", __NR_clone3);
	expect_nr(MB_ARCH_X86_64, "arch_prctl", __NR_arch_prctl);
	expect_nr(MB_ARCH_X86_64, "rt_sigreturn", __NR_rt_sigreturn);
	expect_nr(MB_ARCH_X86_64, "newfstatat", __NR_newfstatat);
}
#endif

/* asm-generic numbers are stable ABI; several of them (fcntl, lseek,
 * mmap, newfstatat) only exist through __NR3264_ indirections, which is
 * what the generator has to resolve. */
Test(name_tables, aarch64_fixed_numbers)
{
	expect_nr(MB_ARCH_AARCH64, "io_setup", 0);
	expect_nr(MB_ARCH_AARCH64, "fcntl", 25);
	expect_nr(MB_ARCH_AARCH64, "openat", 56);
	expect_nr(MB_ARCH_AARCH64, "close", 57);
	expect_nr(MB_ARCH_AARCH64, "lseek", 62);
	expect_nr(MB_ARCH_AARCH64, "read", 63);
	expect_nr(MB_ARCH_AARCH64, "write", 64);
	expect_nr(MB_ARCH_AARCH64, "newfstatat", 79);
	expect_nr(MB_ARCH_AARCH64, "getppid", 173);
	expect_nr(MB_ARCH_AARCH64, "connect", 203);
	expect_nr(MB_ARCH_AARCH64, "execve", 221);
	expect_nr(MB_ARCH_AARCH64, "mmap", 222);
	expect_nr(MB_ARCH_AARCH64, "clone3", 435);
	/* Legacy calls that arm64 never had. */
	expect_nr(MB_ARCH_AARCH64, "open", -ENOENT);
	expect_nr(MB_ARCH_AARCH64, "fork", -ENOENT);
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
	cr_expect_eq(mb_errno_by_name("ENOENT"), ENOENT);
	cr_expect_eq(mb_errno_by_name("EACCES"), EACCES);
	cr_expect_eq(mb_errno_by_name("ENOSPC"), ENOSPC);
	cr_expect_eq(mb_errno_by_name("ECONNREFUSED"), ECONNREFUSED);
	cr_expect_eq(mb_errno_by_name("EHWPOISON"), EHWPOISON);
	cr_expect_str_eq(mb_errno_name(ENOENT), "ENOENT");
	cr_expect_str_eq(mb_errno_name(ECONNREFUSED), "ECONNREFUSED");
}

Test(name_tables, errno_aliases)
{
	cr_expect_eq(mb_errno_by_name("EAGAIN"), EAGAIN);
	cr_expect_eq(mb_errno_by_name("EWOULDBLOCK"), EWOULDBLOCK);
	cr_expect_eq(mb_errno_by_name("EOPNOTSUPP"), EOPNOTSUPP);
	cr_expect_eq(mb_errno_by_name("ENOTSUP"), ENOTSUP);
	cr_expect_eq(mb_errno_by_name("EDEADLK"), EDEADLK);
	cr_expect_eq(mb_errno_by_name("EDEADLOCK"), EDEADLOCK);
	/* An alias never becomes the printed name. */
	cr_expect_str_eq(mb_errno_name(EWOULDBLOCK), "EAGAIN");
	cr_expect_str_eq(mb_errno_name(ENOTSUP), "EOPNOTSUPP");
	cr_expect_str_eq(mb_errno_name(EDEADLOCK), "EDEADLK");
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

	cr_expect_str_eq(mb_nearest("opennat", ns, syscall_at, &a), "openat");
	cr_expect_str_eq(mb_nearest("raed", ns, syscall_at, &a), "read");
	cr_expect_str_eq(mb_nearest("OPENAT", ns, syscall_at, &a), "openat");
	cr_expect_str_eq(mb_nearest("ENOENTT", ne, errno_at, NULL), "ENOENT");
	cr_expect_str_eq(mb_nearest("enoent", ne, errno_at, NULL), "ENOENT");
	cr_expect_str_eq(mb_nearest("ECONREFUSED", ne, errno_at, NULL),
			 "ECONNREFUSED");
}

Test(name_tables, nearest_nothing_close)
{
	enum mb_arch a = MB_ARCH_AARCH64;
	char longword[200];

	cr_expect_null(mb_nearest("zzzzzzzz", mb_syscall_count(a), syscall_at,
				  &a));
	cr_expect_null(mb_nearest("zzzzzzzz", mb_errno_count(), errno_at, NULL));
	cr_expect_null(mb_nearest("", mb_errno_count(), errno_at, NULL));
	cr_expect_null(mb_nearest(NULL, mb_errno_count(), errno_at, NULL));
	cr_expect_null(mb_nearest("ENOENT", 0, errno_at, NULL));

	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	cr_expect_null(mb_nearest(longword, mb_errno_count(), errno_at, NULL));
}

Test(name_tables, nearest_threshold_and_ties)
{
	const char *ties[] = { "bat", "cut", "cat2" };
	const char *far[] = { "abcxyz" };
	const char *near[] = { "abcdxy", NULL, "abcdez" };

	/* Both are one edit away: the earlier entry wins. */
	cr_expect_str_eq(mb_nearest("cat", 3, list_at, ties), "bat");
	/* Six letters allow two edits, not three. */
	cr_expect_null(mb_nearest("abcdef", 1, list_at, far));
	cr_expect_str_eq(mb_nearest("abcdef", 3, list_at, near), "abcdez");
	/* Short words still get one slip. */
	cr_expect_str_eq(mb_nearest("x", 1, list_at, (const char *[]){ "y" }),
			 "y");
	/* Never more than three, however long the word. */
	cr_expect_null(mb_nearest("abcdefghijklmnop", 1, list_at,
				  (const char *[]){ "abcdefghijklwxyz" }));
	cr_expect_str_eq(mb_nearest("abcdefghijklmnop", 1, list_at,
				    (const char *[]){ "abcdefghijklmxyz" }),
			 "abcdefghijklmxyz");
}
