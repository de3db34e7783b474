/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* MINDERBINDER_LOG lines: a bounded buffer, JSON strings and UTC times,
 * shared by the seccomp supervisor and the network-fault logger. */
#ifndef MB_JSON_LOG_H
#define MB_JSON_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Opens (creating it 0644) the MINDERBINDER_LOG file for appending: the
 * descriptor, or -errno; -ESPIPE when path is not a regular file (a FIFO,
 * a device, a socket), which is refused rather than waited on. */
int mb_log_open(const char *path);

/* A line being built in buf (cap bytes); full once something did not fit:
 * such a line is dropped whole, never written torn. */
struct mb_log_line {
	char *buf;
	size_t len, cap;
	bool full;
};

void mb_log_put(struct mb_log_line *l, const char *s, size_t n);
void mb_log_putf(struct mb_log_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string, quoted, escaped by mb_escape (lib/escape.h): a byte that
 * is not UTF-8 becomes U+FFFD. */
void mb_log_json_str(struct mb_log_line *l, const char *str);
/* "2026-11-23T14:00:00.123456Z" (quoted) for a CLOCK_REALTIME time. */
void mb_log_json_time(struct mb_log_line *l, const struct timespec *ts);

#endif
