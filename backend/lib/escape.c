/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <stdio.h>
#include <string.h>

#include "lib/escape.h"

size_t mb_utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void mb_escape(const char *s, enum mb_escape_how how,
	       void (*put)(void *ctx, const char *piece, size_t len), void *ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), l;
	char u[8];

	for (; n; p += l, n -= l) {
		l = mb_utf8_len(p, n);
		if (!l) {
			if (how == MB_ESC_TEXT)
				put(ctx, "?", 1);
			else
				put(ctx, "\xef\xbf\xbd", 3);
			l = 1;
		} else if (l > 1) {
			put(ctx, (const char *)p, l);
		} else if (how == MB_ESC_TEXT) {
			put(ctx, *p < 0x20 || *p == 0x7f ? "?" : (const char *)p, 1);
		} else if (*p == '\\') {
			put(ctx, "\\\\", 2);
		} else if (*p == '"') {
			put(ctx, "\\\"", 2);
		} else if (*p == '\n') {
			put(ctx, "\\n", 2);
		} else if ((*p < 0x20 || *p == 0x7f) && how == MB_ESC_JSON) {
			snprintf(u, sizeof(u), "\\u%04x", *p);
			put(ctx, u, 6);
		} else {
			/* Prometheus allows other control bytes in label values */
			put(ctx, (const char *)p, 1);
		}
	}
}

static void put_file(void *ctx, const char *piece, size_t len)
{
	fwrite(piece, 1, len, ctx);
}

void mb_escape_file(FILE *out, const char *s, enum mb_escape_how how)
{
	mb_escape(s, how, put_file, out);
}
