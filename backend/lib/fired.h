/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* "Did it fire?": the one wording run --expect-faults, its warnings and
 * mb_expect_fired share. */
#ifndef MB_LIB_FIRED_H
#define MB_LIB_FIRED_H

#include <stddef.h>
#include <linux/types.h>

/* "rule IDX 'TEXT' never fired: 0 calls matched" or "...: N calls
 * matched, none faulted" (IDX as stats and mb_stats number rules, from 0).
 * Returns what snprintf does. */
int mb_never_fired_line(char *buf, size_t len, unsigned idx, const char *text,
			__u64 calls);

#endif
