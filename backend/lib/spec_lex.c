/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The grammar's smallest pieces: a rule split into ':' fields (with the
 * escapes), numbers, rates and durations, and the one way to report a bad
 * token with its column.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

int spec_fail(const struct ctx *c, unsigned col, const char *what,
		const char *token, const char *suggestion)
{
	if (suggestion)
		mb_error_set(c->err, "%s: %s '%s' at column %u (did you mean '%s'?)",
			     c->var, what, token, col, suggestion);
	else
		mb_error_set(c->err, "%s: %s '%s' at column %u", c->var, what,
			     token, col);
	return -EINVAL;
}

/* --- numbers --------------------------------------------------------------- */

int spec_parse_u64(const char *t, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)t[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(t, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * digits[.digits], as one integer and the count of decimals: rate= and
 * bandwidth= read their numbers alike. At most max_frac decimals.
 */
static int scan_decimal(const char **pp, unsigned max_frac, __u64 *digits, unsigned *frac)
{
	const char *p = *pp;
	bool point = false;
	__u64 v = 0;
	unsigned n = 0;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (;; p++) {
		if (*p == '.' && !point) {
			point = true;
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		if (point && n++ == max_frac)
			return -EINVAL;
		if (v > (UINT64_MAX - (unsigned)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*pp = p;
	*digits = v;
	*frac = n;
	return 0;
}

int mb_parse_rate(const char *text, __u32 *ppm)
{
	const char *p = text;
	unsigned frac;
	__u64 v;
	int ret;

	/* ppm of a percent leaves four decimals of resolution */
	ret = scan_decimal(&p, 4, &v, &frac);
	if (ret)
		return ret;
	if (*p == '%')
		p++;
	if (*p)
		return -EINVAL;
	for (; frac < 4; frac++) {
		if (v > MB_RATE_ONE)
			return -ERANGE;
		v *= 10;
	}
	if (v > MB_RATE_ONE)
		return -ERANGE;
	*ppm = (__u32)v;
	return 0;
}

const struct spec_duration_unit spec_duration_units[] = {
	{ "ns", 1ULL },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ "m", 60000000000ULL },
	{ "h", 3600000000000ULL },
};
const size_t spec_n_duration_units =
	sizeof(spec_duration_units) / sizeof(spec_duration_units[0]);

int spec_parse_scaled(const char *text, const struct spec_duration_unit *units, size_t n,
		      __u64 *out)
{
	unsigned long long v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -ERANGE;
	if (!*end)
		return -EDOM; /* a number without a unit */
	for (i = 0; i < n; i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v > UINT64_MAX / units[i].ns)
			return -ERANGE;
		*out = v * units[i].ns;
		return 0;
	}
	return -EINVAL;
}

/*
 * bandwidth=: tc's units (tc(8), "RATES"), case-insensitive as there:
 * bit, kbit, mbit, gbit, tbit (powers of 1000), kibit ... tibit (1024),
 * and bps, kbps, mbps, gbps, tbps, kibps ... tibps for bytes per second.
 * In bits per second of one unit. The formatter reads the first five.
 */
const struct spec_rate_unit spec_rate_units[] = {
	{ "tbit", 1000000000000ULL }, { "gbit", 1000000000ULL }, { "mbit", 1000000ULL },
	{ "kbit", 1000ULL },	      { "bit", 1ULL },		 { "tibit", 1ULL << 40 },
	{ "gibit", 1ULL << 30 },      { "mibit", 1ULL << 20 },	 { "kibit", 1ULL << 10 },
	{ "tbps", 8000000000000ULL }, { "gbps", 8000000000ULL }, { "mbps", 8000000ULL },
	{ "kbps", 8000ULL },	      { "bps", 8ULL },		 { "tibps", 8ULL << 40 },
	{ "gibps", 8ULL << 30 },      { "mibps", 8ULL << 20 },	 { "kibps", 8ULL << 10 },
};
const size_t spec_n_rate_units = sizeof(spec_rate_units) / sizeof(spec_rate_units[0]);

int mb_parse_bandwidth(const char *text, __u64 *bytes_per_s)
{
	unsigned __int128 num, den = 1, bits;
	const char *p = text;
	unsigned frac;
	__u64 v;
	size_t i;
	int ret;

	ret = scan_decimal(&p, 6, &v, &frac); /* six decimals is plenty */
	if (ret)
		return ret;
	num = v;
	while (frac--)
		den *= 10;
	if (!*p)
		return -EDOM; /* a number without a unit */
	for (i = 0; i < spec_n_rate_units; i++) {
		if (strcasecmp(p, spec_rate_units[i].unit))
			continue;
		bits = num * spec_rate_units[i].bits;
		if (bits % den)
			return -ENOTSUP; /* a fraction of a bit */
		bits /= den;
		if (bits % 8)
			return -ENOTSUP; /* the rate is kept in whole bytes */
		if (!bits)
			return -ERANGE;
		if (bits > UINT64_MAX) /* printed in bits, it must fit */
			return -ERANGE;
		*bytes_per_s = (__u64)(bits / 8);
		return 0;
	}
	return -EINVAL;
}

int mb_parse_duration(const char *text, __u64 *ns)
{
	return spec_parse_scaled(text, spec_duration_units, spec_n_duration_units, ns);
}

/* --- tokenising ------------------------------------------------------------ */

static void trim(struct field *f)
{
	size_t n = strlen(f->text), lead = 0;

	while (n && isspace((unsigned char)f->text[n - 1]))
		f->text[--n] = '\0';
	while (isspace((unsigned char)f->text[lead]))
		lead++;
	if (lead) {
		memmove(f->text, f->text + lead, n - lead + 1);
		f->col += lead;
	}
}

/*
 * Splits one rule (from *pos up to an unescaped ';') into fields. Leaves
 * *pos after the ';'. Returns the number of fields or -EINVAL.
 */
int spec_split_rule(const struct ctx *c, const char *text, size_t *pos,
		      struct field *fields)
{
	size_t i = *pos, len = 0;
	int n = 0, bracket = 0;

	fields[0].col = (unsigned)i + 1;
	fields[0].text[0] = '\0';
	for (;; i++) {
		char ch = text[i];

		if (ch == '\\' && text[i + 1]) {
			ch = text[++i];
		} else if (ch == '[' || ch == ']') {
			/* addr=[fd00::]/8: an IPv6 address keeps its colons */
			bracket = ch == '[';
		} else if ((ch == ':' && !bracket) || ch == ';' || ch == '\0') {
			fields[n].text[len] = '\0';
			trim(&fields[n]);
			n++;
			if (ch != ':') {
				*pos = ch ? i + 1 : i;
				return n;
			}
			if (n == MAX_FIELDS) {
				char tok[2] = ":";
				return spec_fail(c, (unsigned)i + 1,
					    "too many ':' fields in one rule near", tok,
					    NULL);
			}
			fields[n].col = (unsigned)i + 2;
			len = 0;
			continue;
		}
		if (len + 1 >= TOKEN_MAX) {
			fields[n].text[len] = '\0';
			return spec_fail(c, fields[n].col, "token too long", fields[n].text,
				    NULL);
		}
		fields[n].text[len++] = ch;
	}
}

int spec_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}
