/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One frame of `minderbinder top`: lines cut to the terminal's width,
 * the header, a target's rules with their rates and sparklines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/top.h"
#include "lib/name_tables.h"
#include "registry/snapshot.h"

#define NUM_COLS 40    /* " CALLS/s FAULTS/s      CALLS     FAULTS" */

/* --- lines no wider than the terminal ---------------------------------------- */

struct line {
	char b[LINE_MAX_BYTES];
	size_t len;
	int col, max;
};

/* Printable ASCII as is; any other byte (a comm may hold any) as '?', so
 * one byte is one column. */
static void put(struct line *l, const char *s)
{
	for (; *s && l->col < l->max && l->len + 1 < sizeof(l->b); s++, l->col++)
		l->b[l->len++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	l->b[l->len] = '\0';
}

static void __attribute__((format(printf, 2, 3))) putf(struct line *l, const char *fmt, ...)
{
	char tmp[LINE_MAX_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(l, tmp);
}

/* One glyph of one column, given as UTF-8. */
static void put_glyph(struct line *l, const char *utf8)
{
	size_t n = strlen(utf8);

	if (l->col >= l->max || l->len + n + 1 > sizeof(l->b))
		return;
	memcpy(l->b + l->len, utf8, n + 1);
	l->len += n;
	l->col++;
}

static void pad_to(struct line *l, int col)
{
	while (l->col < col && l->col < l->max && l->len + 1 < sizeof(l->b)) {
		l->b[l->len++] = ' ';
		l->col++;
	}
	l->b[l->len] = '\0';
}

/* s in exactly width columns: cut with an ellipsis when longer. */
static void put_field(struct line *l, const char *s, int width)
{
	int start = l->col;

	if (width <= 0)
		return;
	if ((int)strlen(s) <= width) {
		put(l, s);
	} else {
		char cut[LINE_MAX_BYTES];

		snprintf(cut, sizeof(cut), "%.*s", width - 1, s);
		put(l, cut);
		put_glyph(l, "\xe2\x80\xa6");
	}
	pad_to(l, start + width);
}

struct screen {
	struct line *lines;
	size_t n, cap;
	int cols;
};

static struct line *new_line(struct screen *sc)
{
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 64;
		struct line *v = realloc(sc->lines, cap * sizeof(*v));

		if (!v)
			return NULL;
		sc->lines = v;
		sc->cap = cap;
	}
	memset(&sc->lines[sc->n], 0, sizeof(sc->lines[0]));
	sc->lines[sc->n].max = sc->cols;
	return &sc->lines[sc->n++];
}

/* --- one frame ---------------------------------------------------------------- */

static void fmt_rate(char *buf, size_t len, double v)
{
	if (v < 9999.95)
		snprintf(buf, len, "%.1f", v);
	else if (v < 9999999.5)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1fM", v / 1e6);
}

static void fmt_count(char *buf, size_t len, __u64 v)
{
	if (v < 1000000000ull)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else if (v < 1000000000000ull)
		snprintf(buf, len, "%.2fG", v / 1e9);
	else
		snprintf(buf, len, "%.2fT", v / 1e12);
}

static const char *const bars[8] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};

/* The samples, oldest first, each scaled to the largest shown. */
static void put_sparkline(struct line *l, const struct hist *h)
{
	double max = 0, v;
	unsigned i, k;
	char m[32];

	for (i = 0; i < h->n_samples; i++)
		if (h->samples[i] > max)
			max = h->samples[i];
	for (i = 0; i < h->n_samples; i++) {
		k = (h->head + i) % h->n_samples;
		v = h->samples[k];
		put_glyph(l, bars[max > 0 ? (int)(v / max * 7 + 0.5) : 0]);
	}
	pad_to(l, l->col + (HIST - (int)h->n_samples));
	fmt_rate(m, sizeof(m), max);
	putf(l, " max %s", m);
}

/* The body: everything below the column titles. */
static int build_body(const struct top *tp, struct screen *sc)
{
	int rw = sc->cols - NUM_COLS;
	struct line *l;
	size_t i;
	__u32 j;

	if (rw < 16)
		rw = 16;
	if (!tp->s.loaded) {
		if (!(l = new_line(sc)))
			return -ENOMEM;
		put(l, "registry not loaded: no target since boot or since `minderbinder unload`");
		return 0;
	}
	if (!tp->s.n) {
		if (!(l = new_line(sc)))
			return -ENOMEM;
		put(l, "no targets: start one with LD_PRELOAD=libmbpreload.so or `minderbinder run`");
		return 0;
	}
	for (i = 0; i < tp->s.n; i++) {
		const struct mb_snapshot_target *t = &tp->s.targets[i];

		if (i && !(l = new_line(sc)))
			return -ENOMEM;
		if (!(l = new_line(sc)))
			return -ENOMEM;
		putf(l, "pid %u (", t->pid);
		put(l, t->comm);
		putf(l, ") uid %u scope %s", t->t.uid, mb_snapshot_scope_name(t->t.scope));
		if (t->t.parent)
			putf(l, " parent %u", t->t.parent);
		putf(l, " rules %u", t->n_rules);
		/* Its container on a line of its own, as stats shows it: a
		 * pod's cgroup path is long. */
		if (mb_snapshot_contained(t)) {
			char pidns[64];

			if (!(l = new_line(sc)))
				return -ENOMEM;
			mb_snapshot_pidns_text(t, pidns, sizeof(pidns));
			put(l, "  cgroup ");
			put(l, t->where.cgroup[0] ? t->where.cgroup : "?");
			putf(l, " %s", pidns);
		}
		for (j = 0; j < t->n_rules; j++) {
			const struct mb_snapshot_rule *r = &t->rules[j];
			const struct hist *h = mb_top_hist(tp, t->pid, t->t.start_ticks, r->idx);
			const char *seen, *faults;
			char a[32], b[32];

			if (!(l = new_line(sc)))
				return -ENOMEM;
			putf(l, "  [%u] ", r->idx);
			put_field(l, r->text, rw - l->col);
			if (r->how == MB_IN_FILTER) {
				put(l, " not counted (in the seccomp filter)");
				continue;
			}
			if (r->how == MB_AT_ANCESTOR) {
				putf(l, " counted with pid %u (whole tree)", r->counted_at);
				continue;
			}
			if (h && h->have_rate) {
				fmt_rate(a, sizeof(a), h->calls_rate);
				fmt_rate(b, sizeof(b), h->faults_rate);
			} else {
				snprintf(a, sizeof(a), "-");
				snprintf(b, sizeof(b), "-");
			}
			putf(l, " %8s %8s", a, b);
			fmt_count(a, sizeof(a), r->calls);
			fmt_count(b, sizeof(b), r->faults);
			putf(l, " %10s %10s", a, b);

			if (!(l = new_line(sc)))
				return -ENOMEM;
			mb_snapshot_meaning(r->engine, &seen, &faults);
			putf(l, "      %s/s ", faults);
			if (h && h->n_samples)
				put_sparkline(l, h);
			else
				put(l, "(after the next refresh)");
		}
	}
	return 0;
}

static void build_head(const struct top *tp, struct screen *sc, struct line *head,
		       struct line *titles)
{
	char when[16];
	time_t now = time(NULL);
	struct tm tm;

	memset(head, 0, sizeof(*head));
	memset(titles, 0, sizeof(*titles));
	head->max = titles->max = sc->cols;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	putf(head, "minderbinder top  %s  targets: %zu  every %gs  q quits", when, tp->s.n,
	     tp->interval);
	put(titles, "  RULE");
	pad_to(titles, (sc->cols - NUM_COLS < 16 ? 16 : sc->cols - NUM_COLS));
	put(titles, "  CALLS/s FAULTS/s      CALLS     FAULTS");
}

int mb_top_write(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int mb_top_draw(struct top *tp, int cols, int rows)
{
	struct screen sc = { .cols = cols };
	struct line head, titles;
	char *out = NULL;
	size_t len = 0, i, body_rows, first;
	FILE *f;
	int err;

	err = build_body(tp, &sc);
	if (err)
		goto done;
	build_head(tp, &sc, &head, &titles);
	f = open_memstream(&out, &len);
	if (!f) {
		err = -errno;
		goto done;
	}
	if (!rows) {
		fprintf(f, "%s\n%s\n", head.b, titles.b);
		for (i = 0; i < sc.n; i++)
			fprintf(f, "%s\n", sc.lines[i].b);
	} else {
		body_rows = rows > HEAD_ROWS ? (size_t)rows - HEAD_ROWS : 0;
		fprintf(f, "\033[H%s\033[K\r\n\033[7m%s", head.b, titles.b);
		fprintf(f, "%*s\033[m\033[K", cols > titles.col ? cols - titles.col : 0, "");
		if (sc.n > body_rows && body_rows) {
			size_t shown = body_rows - 1; /* the last row is the marker */

			if (tp->scroll > sc.n - shown)
				tp->scroll = sc.n - shown;
			first = tp->scroll;
			for (i = 0; i < shown; i++)
				fprintf(f, "\r\n%s\033[K", sc.lines[first + i].b);
			{
				struct line m = { .max = cols };

				putf(&m, "-- lines %zu-%zu of %zu: j/k, arrows, space, b scroll --",
				     first + 1, first + shown, sc.n);
				fprintf(f, "\r\n\033[7m%s\033[m\033[K", m.b);
			}
		} else {
			tp->scroll = 0;
			for (i = 0; i < sc.n && i < body_rows; i++)
				fprintf(f, "\r\n%s\033[K", sc.lines[i].b);
		}
		fputs("\033[J", f);
	}
	if (fclose(f)) {
		err = -ENOMEM;
		goto done;
	}
	err = mb_top_write(out, len);
done:
	free(out);
	free(sc.lines);
	return err;
}
