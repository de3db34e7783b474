/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <string.h>

#include "lib/name_tables.h"

/* Longer than any errno or syscall name; anything past it is not a typo
 * we can help with, and the bound keeps the work on the stack. */
#define NEAREST_MAX_LEN 64
#define NEAREST_MAX_DIST 3

/* ASCII only, on purpose: tolower() follows the locale, and a process we
 * are preloaded into may run under one (tr_TR) where 'I' does not fold
 * to 'i'. */
static int fold(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : (unsigned char)c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Optimal string alignment distance: Levenshtein plus swapping two
 * neighbours, the commonest typo ("raed" for "read"). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t rows[3][NEAREST_MAX_LEN + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *tmp;
	size_t i, j, cost;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cost = fold(a[i - 1]) != fold(b[j - 1]);
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1,
				      prev[j - 1] + cost);
			if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
			    fold(a[i - 2]) == fold(b[j - 1]) &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

const char *mb_nearest(const char *word, size_t n,
		       const char *(*name_at)(void *ctx, size_t i), void *ctx)
{
	const char *best = NULL, *cand;
	size_t wlen, clen, limit, best_dist, d, i;

	if (!word || !name_at)
		return NULL;
	wlen = strnlen(word, NEAREST_MAX_LEN + 1);
	if (wlen == 0 || wlen > NEAREST_MAX_LEN)
		return NULL;

	/* A third of the word may be wrong, so short names only get one
	 * slip and no suggestion ever rewrites a word wholesale. */
	limit = wlen / 3;
	if (limit < 1)
		limit = 1;
	if (limit > NEAREST_MAX_DIST)
		limit = NEAREST_MAX_DIST;

	best_dist = limit + 1;
	for (i = 0; i < n; i++) {
		cand = name_at(ctx, i);
		if (!cand)
			continue;
		clen = strnlen(cand, NEAREST_MAX_LEN + 1);
		if (clen > NEAREST_MAX_LEN)
			continue;
		/* The length gap alone is a lower bound on the distance. */
		if ((clen > wlen ? clen - wlen : wlen - clen) >= best_dist)
			continue;
		d = edit_distance(word, wlen, cand, clen);
		/* Strictly less: on a tie the earlier entry wins. */
		if (d < best_dist) {
			best = cand;
			best_dist = d;
			if (d == 0)
				break;
		}
	}
	return best;
}

const char *mb_nearest_errno_at(void *ctx, size_t i)
{
	(void)ctx;
	return mb_errno_name_at(i);
}

const char *mb_nearest_syscall_at(void *ctx, size_t i)
{
	return mb_syscall_name_at(*(enum mb_arch *)ctx, i);
}

const char *mb_nearest_list_at(void *ctx, size_t i)
{
	return ((const char *const *)ctx)[i];
}
