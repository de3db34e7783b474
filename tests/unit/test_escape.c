/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The one escaper (lib/escape.c) and its one rule for bytes that are not
 * UTF-8, in each of its three forms, and through a log line. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/escape.h"
#include "lib/json_log.h"

struct buf {
	char b[256];
	size_t n;
};

static void put(void *ctx, const char *piece, size_t len)
{
	struct buf *b = ctx;

	cr_assert_lt(b->n + len, sizeof(b->b));
	memcpy(b->b + b->n, piece, len);
	b->n += len;
	b->b[b->n] = '\0';
}

static const char *esc(const char *s, enum mb_escape_how how)
{
	static struct buf b;

	memset(&b, 0, sizeof(b));
	mb_escape(s, how, put, &b);
	return b.b;
}

Test(escape, utf8_len)
{
	cr_assert_eq(mb_utf8_len((const unsigned char *)"a", 1), 1);
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xc3\xa9", 1), 0, "cut short");
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xe2\x80\xa6", 3), 3);
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xc0\xaf", 2), 0, "overlong");
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xe0\x80\xaf", 3), 0, "overlong");
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0, "surrogate");
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0, "past U+10FFFF");
	cr_assert_eq(mb_utf8_len((const unsigned char *)"\x80", 1), 0, "lone continuation");
}

Test(escape, json)
{
	cr_assert_str_eq(esc("a\"b\\c\nd", MB_ESC_JSON), "a\\\"b\\\\c\\nd");
	cr_assert_str_eq(esc("\x01\t\x7f", MB_ESC_JSON), "\\u0001\\u0009\\u007f");
	cr_assert_str_eq(esc("caf\xc3\xa9", MB_ESC_JSON), "caf\xc3\xa9", "UTF-8 is kept");
	cr_assert_str_eq(esc("a\xff" "b\xc3", MB_ESC_JSON), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}

Test(escape, prometheus)
{
	cr_assert_str_eq(esc("a\"b\\c\nd", MB_ESC_PROM), "a\\\"b\\\\c\\nd");
	cr_assert_str_eq(esc("\x01\t", MB_ESC_PROM), "\x01\t", "the format allows them");
	cr_assert_str_eq(esc("x\xfe", MB_ESC_PROM), "x\xef\xbf\xbd");
}

Test(escape, text)
{
	cr_assert_str_eq(esc("a\"b\\c\nd\x7f", MB_ESC_TEXT), "a\"b\\c?d?");
	cr_assert_str_eq(esc("caf\xc3\xa9\xff", MB_ESC_TEXT), "caf\xc3\xa9?");
}

Test(escape, log_line)
{
	char buf[64];
	struct mb_log_line l = { .buf = buf, .cap = sizeof(buf) - 1 };

	mb_log_json_str(&l, "p\"\n\xff");
	buf[l.len] = '\0';
	cr_assert(!l.full);
	cr_assert_str_eq(buf, "\"p\\\"\\n\xef\xbf\xbd\"");
}

Test(escape, log_line_full)
{
	char buf[8];
	struct mb_log_line l = { .buf = buf, .cap = sizeof(buf) - 1 };

	mb_log_json_str(&l, "0123456789");
	cr_assert(l.full, "a line that does not fit is dropped whole");
}
