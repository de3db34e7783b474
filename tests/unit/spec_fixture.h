/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The unit tests' one fixture for parsing specs: a fresh spec (x86_64),
 * defaults and error per test, and the two front doors by their
 * variables' names. Each file that includes it has its own copy. */
#ifndef MB_TESTS_SPEC_FIXTURE_H
#define MB_TESTS_SPEC_FIXTURE_H

#include <string.h>

#include "lib/spec_parse.h"

static struct mb_spec spec;
static struct mb_defaults defs;
static struct mb_error err;

static inline void setup(void)
{
	mb_spec_init(&spec, MB_ARCH_X86_64);
	mb_defaults_init(&defs);
	memset(&err, 0, sizeof(err));
}

static inline int sys(const char *text)
{
	return mb_spec_add_syscalls(&spec, "MINDERBINDER_SYSCALL", text, &defs, &err);
}

static inline int net(const char *text)
{
	return mb_spec_add_net(&spec, "MINDERBINDER_NET", text, &defs, &err);
}

#endif
