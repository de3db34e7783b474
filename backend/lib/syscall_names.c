/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>

#include "lib/name_tables.h"

/* Names inline, not pointers: no relocation for the loader to apply in
 * every process that preloads the agent. */
struct syscall_entry {
	char name[28];
	int nr;
};

/* A generated name that would not fit its slot with its NUL stops the build. */
#define MB_SYSCALL(name, nr) _Static_assert(sizeof(name) <= 28, "syscall name too long: " name);
#include "syscalls_x86_64.inc"
#include "syscalls_aarch64.inc"
#undef MB_SYSCALL

/* Both tables are always built: a spec may name the arch of the process
 * it targets, which need not be the arch we run on. */
static const struct syscall_entry x86_64_table[] = {
#define MB_SYSCALL(name, nr) { name, nr },
#include "syscalls_x86_64.inc"
#undef MB_SYSCALL
};

static const struct syscall_entry aarch64_table[] = {
#define MB_SYSCALL(name, nr) { name, nr },
#include "syscalls_aarch64.inc"
#undef MB_SYSCALL
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct syscall_entry *table_of(enum mb_arch arch, size_t *n)
{
	switch (arch) {
	case MB_ARCH_X86_64:
		*n = ARRAY_SIZE(x86_64_table);
		return x86_64_table;
	case MB_ARCH_AARCH64:
		*n = ARRAY_SIZE(aarch64_table);
		return aarch64_table;
	}
	*n = 0;
	return NULL;
}

enum mb_arch mb_native_arch(void)
{
	/* x32 defines __x86_64__ too, but numbers its calls differently. */
#if defined(__x86_64__) && !defined(__ILP32__)
	return MB_ARCH_X86_64;
#elif defined(__aarch64__) && !defined(__ILP32__)
	return MB_ARCH_AARCH64;
#else
	/* No table for this machine; every lookup then says -EINVAL. */
	return (enum mb_arch)0;
#endif
}

const char *mb_arch_name(enum mb_arch arch)
{
	switch (arch) {
	case MB_ARCH_X86_64:
		return "x86_64";
	case MB_ARCH_AARCH64:
		return "aarch64";
	}
	return NULL;
}

int mb_syscall_by_name(enum mb_arch arch, const char *name)
{
	const struct syscall_entry *t;
	size_t i, n;

	t = table_of(arch, &n);
	if (!t || !name)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].nr;
	return -ENOENT;
}

const char *mb_syscall_name(enum mb_arch arch, int nr)
{
	const struct syscall_entry *t;
	size_t i, n;

	t = table_of(arch, &n);
	for (i = 0; i < n; i++)
		if (t[i].nr == nr)
			return t[i].name;
	return NULL;
}

size_t mb_syscall_count(enum mb_arch arch)
{
	size_t n;

	table_of(arch, &n);
	return n;
}

const char *mb_syscall_name_at(enum mb_arch arch, size_t i)
{
	const struct syscall_entry *t;
	size_t n;

	t = table_of(arch, &n);
	return i < n ? t[i].name : NULL;
}
