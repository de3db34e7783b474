/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <stdio.h>

#include "lib/fired.h"

int mb_never_fired_line(char *buf, size_t len, unsigned idx, const char *text,
			__u64 calls)
{
	/* Zero calls says the rule aimed at nothing the program does (a
	 * syscall its libc never makes, a path it never opens); calls but
	 * no faults say its window (after=, rate=) never opened. */
	if (!calls)
		return snprintf(buf, len, "rule %u '%s' never fired: 0 calls matched", idx, text);
	return snprintf(buf, len, "rule %u '%s' never fired: %llu call%s matched, none faulted",
			idx, text, (unsigned long long)calls, calls == 1 ? "" : "s");
}
