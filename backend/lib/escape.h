/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one escaper for text that may hold any byte (a comm, a path, a
 * rule): as a JSON string, a Prometheus label value, or terminal text.
 *
 * The rule for bytes that are not UTF-8, the same everywhere: a byte that
 * does not start a well-formed UTF-8 sequence (overlong forms, surrogates
 * and code points past U+10FFFF included) becomes U+FFFD, written as the
 * character itself (there is no \u in Prometheus' format), or '?' on a
 * terminal. Well-formed UTF-8 is copied as it is, so the output is always
 * valid UTF-8.
 */
#ifndef MB_LIB_ESCAPE_H
#define MB_LIB_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

enum mb_escape_how {
	MB_ESC_JSON, /* ", \ and \n as \", \\, \n; other controls as \u00XX */
	MB_ESC_PROM, /* ", \ and \n as \", \\, \n; other bytes as they are */
	MB_ESC_TEXT, /* control characters (and not-UTF-8 bytes) as '?' */
};

/* Length of the well-formed UTF-8 sequence at p (at most n bytes): 1..4,
 * or 0 when there is none. */
size_t mb_utf8_len(const unsigned char *p, size_t n);

/* s escaped (without quotes), handed over in pieces: put(ctx, piece, len). */
void mb_escape(const char *s, enum mb_escape_how how,
	       void (*put)(void *ctx, const char *piece, size_t len), void *ctx);

/* s escaped (without quotes) onto out. */
void mb_escape_file(FILE *out, const char *s, enum mb_escape_how how);

#endif
