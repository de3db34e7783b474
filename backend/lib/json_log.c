/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/escape.h"
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

void mb_log_put(struct mb_log_line *l, const char *s, size_t n)
{
	if (l->full || n > l->cap - l->len) {
		l->full = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void mb_log_putf(struct mb_log_line *l, const char *fmt, ...)
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
		mb_log_put(l, tmp, (size_t)n);
}

static void put_piece(void *ctx, const char *piece, size_t len)
{
	mb_log_put(ctx, piece, len);
}

void mb_log_json_str(struct mb_log_line *l, const char *str)
{
	mb_log_put(l, "\"", 1);
	mb_escape(str, MB_ESC_JSON, put_piece, l);
	mb_log_put(l, "\"", 1);
}

void mb_log_json_time(struct mb_log_line *l, const struct timespec *ts)
{
	char stamp[64];
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	mb_log_putf(l, "\"%s.%06ldZ\"", stamp, ts->tv_nsec / 1000);
}
