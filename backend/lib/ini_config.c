/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The INI form of the original project's config.yaml (see ini_config.h).
 *
 * inih splits lines into key/value pairs; everything else happens in the
 * phases that ini_internal.h lists. This file reads the file and runs them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "lib/ini_internal.h"

#define FILE_MAX (1024 * 1024) /* a config, not a data set */

void ini_fail_at(struct ini_state *st, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st->failed)
		return;
	st->failed = true;
	st->ret = -EINVAL;
	n = snprintf(st->err.msg, sizeof(st->err.msg), "%s:%u: ", st->file, line);
	if (n < 0 || (size_t)n >= sizeof(st->err.msg))
		return;
	va_start(ap, fmt);
	vsnprintf(st->err.msg + n, sizeof(st->err.msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* --- entry points ---------------------------------------------------------- */

static int load_text(const char *file, const char *text, enum mb_arch arch,
		     struct mb_ini_config *cfg, struct mb_error *err)
{
	struct ini_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (!st) {
		mb_error_set(err, "%s: out of memory", file);
		return -ENOMEM;
	}
	st->file = file;
	st->arch = arch;
	/* Skipped here so that the header check sees what inih sees. */
	if (!strncmp(text, "\xEF\xBB\xBF", 3))
		text += 3;
	st->pos = text;
	st->prev_key = -1;
	mb_defaults_init(&st->defaults);

	ret = ini_parse_stream(ini_read_line, st, ini_on_key, st);
	if (!st->failed && ret == -2) {
		mb_error_set(&st->err, "%s: out of memory", file);
		st->failed = true;
		st->ret = -ENOMEM;
	} else if (!st->failed && ret) {
		/* The reader applies inih's rules, so this is only a backstop. */
		ini_fail_at(st, (unsigned)ret, "syntax error");
	}
	if (!st->failed)
		ini_finish_section(st);
	if (st->failed) {
		ret = st->ret ? st->ret : -EINVAL;
		if (err)
			*err = st->err;
	} else {
		memcpy(cfg, &st->cfg, sizeof(*cfg));
		ret = 0;
	}
	free(st);
	return ret;
}

int mb_ini_load_string(const char *name, const char *text, enum mb_arch arch,
		       struct mb_ini_config *cfg, struct mb_error *err)
{
	if (!name)
		name = "<string>";
	if (!text || !cfg) {
		mb_error_set(err, "%s: no text or no config to fill", name);
		return -EINVAL;
	}
	return load_text(name, text, arch, cfg, err);
}

/* Reads a whole file (a pipe too, e.g. <(...)) into a NUL-terminated buffer. */
static int read_all(const char *path, char **out, size_t *out_len,
		    struct mb_error *err)
{
	size_t len = 0, cap = 4096;
	struct stat sb;
	char *buf, *nbuf;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		mb_error_set(err, "failed to open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		mb_error_set(err, "failed to read %s: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		mb_error_set(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		if (cap - len < 2) {
			if (cap > FILE_MAX) {
				mb_error_set(err, "%s: file too large (at most %d bytes)",
					     path, FILE_MAX);
				ret = -EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				mb_error_set(err, "%s: out of memory", path);
				ret = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			mb_error_set(err, "failed to read %s: %s", path, strerror(-ret));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return ret;
}

int mb_ini_load(const char *path, enum mb_arch arch, struct mb_ini_config *cfg,
		struct mb_error *err)
{
	const char *nul;
	size_t len = 0;
	char *buf = NULL;
	int ret;

	if (!path || !cfg) {
		mb_error_set(err, "no file or no config to fill");
		return -EINVAL;
	}
	ret = read_all(path, &buf, &len, err);
	if (ret)
		return ret;
	nul = memchr(buf, '\0', len);
	if (nul) {
		unsigned line = 1;
		const char *p;

		for (p = buf; p < nul; p++)
			line += *p == '\n';
		mb_error_set(err, "%s:%u: NUL byte in the file (not a text file?)",
			     path, line);
		ret = -EINVAL;
	} else {
		ret = load_text(path, buf, arch, cfg, err);
	}
	free(buf);
	return ret;
}
