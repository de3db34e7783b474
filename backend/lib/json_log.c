/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/types.h>

#include "lib/json_log.h"

int mb_log_open(const char *path)
{
	struct stat st;
	mode_t old = umask(022);
	int fd, err;

	/* O_NONBLOCK: a FIFO (or a device) must not park us in open(); no
	 * reader gives ENXIO. Then only a regular file will do. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
				O_NONBLOCK, 0644);
	err = -errno;
	umask(old);
	if (fd < 0)
		return err == -ENXIO ? -ESPIPE : err;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ESPIPE;
	}
	fcntl(fd, F_SETFL, O_APPEND);
	return fd;
}

void put_raw(struct line *l, const char *s, size_t n)
{
	if (l->full || n > l->cap - l->len) {
		l->full = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void put_fmt(struct line *l, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		l->full = true;
	else
		put_raw(l, tmp, (size_t)n);
}

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	__u32 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string: quote, backslash and control characters escaped; a byte
 * that is not UTF-8 (a path may hold any) becomes U+FFFD. */
void put_json_str(struct line *l, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	put_raw(l, "\"", 1);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			put_raw(l, "\\", 1);
			put_raw(l, (const char *)s, 1);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			put_fmt(l, "\\u%04x", *s);
			s++;
		} else if ((n = utf8_len(s)) > 0) {
			put_raw(l, (const char *)s, n);
			s += n;
		} else {
			put_raw(l, "\\ufffd", 6);
			s++;
		}
	}
	put_raw(l, "\"", 1);
}

void put_json_time(struct line *l, const struct timespec *ts)
{
	char stamp[64];
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	put_fmt(l, "\"%s.%06ldZ\"", stamp, ts->tv_nsec / 1000);
}
