/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder top [--interval SECS] [--once]: the counters `stats` shows,
 * redrawn every interval: per target and per rule the calls/s and
 * faults/s since the last refresh, the totals, and a sparkline of the
 * last HIST faults/s samples. Plain ANSI escapes on the alternate screen;
 * the terminal is in cbreak mode (no echo, no line buffering) while it
 * runs and restored on q, SIGINT, SIGTERM and SIGHUP.
 *
 * The registry is read by mb_stats_collect (registry/snapshot.h), the same walk
 * `stats` and `serve` use.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/name_tables.h"
#include "registry/snapshot.h"

#define HIST 30        /* faults/s samples kept per rule */
#define HEAD_ROWS 2    /* the header line and the column titles */
#define NUM_COLS 40    /* " CALLS/s FAULTS/s      CALLS     FAULTS" */
#define LINE_MAX_BYTES 4096

/* --- history: the previous totals and the faults/s samples of each rule --- */

struct hist {
	__u32 pid;
	__u64 start_ticks; /* with pid: this process, not a later one */
	__u32 idx;
	__u64 calls, faults; /* at the previous sample */
	int have_rate;
	double calls_rate, faults_rate;
	double samples[HIST]; /* faults/s, a ring: oldest at head once full */
	unsigned n_samples, head;
	int seen;
};

struct top {
	double interval;
	struct snapshot s;
	struct hist *h;
	size_t n_h, cap_h;
	struct timespec last;
	int have_last;
	size_t scroll;
};

static double now_s(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	return (double)ts->tv_sec + ts->tv_nsec / 1e9;
}

static struct hist *hist_find(struct top *tp, __u32 pid, __u64 start_ticks, __u32 idx)
{
	size_t i;

	for (i = 0; i < tp->n_h; i++)
		if (tp->h[i].pid == pid && tp->h[i].start_ticks == start_ticks && tp->h[i].idx == idx)
			return &tp->h[i];
	if (tp->n_h == tp->cap_h) {
		size_t cap = tp->cap_h ? tp->cap_h * 2 : 32;
		struct hist *v = realloc(tp->h, cap * sizeof(*v));

		if (!v)
			return NULL;
		tp->h = v;
		tp->cap_h = cap;
	}
	memset(&tp->h[tp->n_h], 0, sizeof(tp->h[0]));
	tp->h[tp->n_h].pid = pid;
	tp->h[tp->n_h].start_ticks = start_ticks;
	tp->h[tp->n_h].idx = idx;
	tp->h[tp->n_h].calls = (__u64)-1; /* no previous sample yet */
	return &tp->h[tp->n_h++];
}

static const struct hist *hist_get(const struct top *tp, __u32 pid, __u64 start_ticks, __u32 idx)
{
	size_t i;

	for (i = 0; i < tp->n_h; i++)
		if (tp->h[i].pid == pid && tp->h[i].start_ticks == start_ticks && tp->h[i].idx == idx)
			return &tp->h[i];
	return NULL;
}

static double rate(__u64 now, __u64 before, double dt)
{
	return now >= before ? (double)(now - before) / dt : 0;
}

/* Reads the registry again; the rates are over the time since the last
 * sample. Rules of targets that went away are forgotten. */
static int sample(struct top *tp)
{
	struct snapshot s;
	struct timespec ts;
	double t = now_s(&ts), dt;
	size_t i, k;
	__u32 j;
	int err = mb_stats_collect(&s);

	if (err)
		return err;
	dt = tp->have_last ? t - ((double)tp->last.tv_sec + tp->last.tv_nsec / 1e9) : 0;
	for (k = 0; k < tp->n_h; k++)
		tp->h[k].seen = 0;
	for (i = 0; i < s.n; i++) {
		const struct stat_target *st = &s.targets[i];

		for (j = 0; j < st->n_rules; j++) {
			const struct stat_rule *r = &st->rules[j];
			struct hist *h = hist_find(tp, st->pid, st->t.start_ticks, r->idx);

			if (!h) {
				mb_stats_free(&s);
				return -ENOMEM;
			}
			h->seen = 1;
			if (h->calls != (__u64)-1 && dt > 0) {
				h->calls_rate = rate(r->calls, h->calls, dt);
				h->faults_rate = rate(r->faults, h->faults, dt);
				h->have_rate = 1;
				if (h->n_samples < HIST) {
					h->samples[h->n_samples++] = h->faults_rate;
				} else {
					h->samples[h->head] = h->faults_rate;
					h->head = (h->head + 1) % HIST;
				}
			}
			h->calls = r->calls;
			h->faults = r->faults;
		}
	}
	for (k = 0; k < tp->n_h;)
		if (!tp->h[k].seen)
			tp->h[k] = tp->h[--tp->n_h];
		else
			k++;
	mb_stats_free(&tp->s);
	tp->s = s;
	tp->last = ts;
	tp->have_last = 1;
	return 0;
}

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

static const char *scope_word(__u32 scope)
{
	return scope == MB_SCOPE_TREE ? "tree" : scope == MB_SCOPE_PROCESS ? "process"
		: scope == MB_SCOPE_THREAD ? "thread" : "unknown";
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
		const struct stat_target *t = &tp->s.targets[i];

		if (i && !(l = new_line(sc)))
			return -ENOMEM;
		if (!(l = new_line(sc)))
			return -ENOMEM;
		putf(l, "pid %u (", t->pid);
		put(l, t->comm);
		putf(l, ") uid %u scope %s", t->t.uid, scope_word(t->t.scope));
		if (t->t.parent)
			putf(l, " parent %u", t->t.parent);
		putf(l, " rules %u", t->n_rules);
		for (j = 0; j < t->n_rules; j++) {
			const struct stat_rule *r = &t->rules[j];
			const struct hist *h = hist_get(tp, t->pid, t->t.start_ticks, r->idx);
			const char *seen, *faults;
			char a[32], b[32];

			if (!(l = new_line(sc)))
				return -ENOMEM;
			putf(l, "  [%u] ", r->idx);
			put_field(l, r->text, rw - l->col);
			if (r->how == IN_FILTER) {
				put(l, " not counted (in the seccomp filter)");
				continue;
			}
			if (r->how == AT_ANCESTOR) {
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
			mb_stats_meaning(r->engine, &seen, &faults);
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

static int write_all(const char *p, size_t n)
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

/* rows 0: all the lines, plain (--once); else exactly rows rows, drawn
 * over the previous frame, with a scroll marker when the body is cut. */
static int draw(struct top *tp, int cols, int rows)
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
	err = write_all(out, len);
done:
	free(out);
	free(sc.lines);
	return err;
}

/* --- the terminal ------------------------------------------------------------- */

static volatile sig_atomic_t got_stop, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_stop = sig;
}

static void term_size(int *cols, int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
	if (*cols > LINE_MAX_BYTES / 4)
		*cols = LINE_MAX_BYTES / 4;
}

static struct termios saved_tio;
static int tio_saved;

static void term_restore(void)
{
	static const char leave[] = "\033[?25h\033[?1049l";

	if (!tio_saved)
		return;
	write_all(leave, sizeof(leave) - 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
}

static int term_enter(void)
{
	static const char enter[] = "\033[?1049h\033[?25l\033[H\033[2J";
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tio))
		return -errno;
	t = saved_tio;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t))
		return -errno;
	tio_saved = 1;
	return write_all(enter, sizeof(enter) - 1);
}

enum key_result { KEY_NONE, KEY_REDRAW, KEY_QUIT };

static enum key_result keys(struct top *tp, const char *b, size_t n, int page)
{
	enum key_result res = KEY_NONE;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] == 'q' || b[i] == 'Q')
			return KEY_QUIT;
		if (b[i] == '\033' && i + 2 < n && b[i + 1] == '[' &&
		    (b[i + 2] == 'A' || b[i + 2] == 'B')) {
			if (b[i + 2] == 'B')
				tp->scroll++;
			else if (tp->scroll)
				tp->scroll--;
			i += 2;
			res = KEY_REDRAW;
		} else if (b[i] == 'j') {
			tp->scroll++;
			res = KEY_REDRAW;
		} else if (b[i] == 'k') {
			if (tp->scroll)
				tp->scroll--;
			res = KEY_REDRAW;
		} else if (b[i] == ' ') {
			tp->scroll += (size_t)page;
			res = KEY_REDRAW;
		} else if (b[i] == 'b') {
			tp->scroll = tp->scroll > (size_t)page ? tp->scroll - (size_t)page : 0;
			res = KEY_REDRAW;
		}
	}
	return res;
}

/* Waits until deadline (CLOCK_MONOTONIC seconds) or a signal or, when
 * fd >= 0, input; returns poll's result (0: the deadline passed). */
static int wait_until(double deadline, int fd, const sigset_t *unblocked)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts, to;
	double left = deadline - now_s(&ts);

	if (left < 0)
		left = 0;
	to.tv_sec = (time_t)left;
	to.tv_nsec = (long)((left - (double)to.tv_sec) * 1e9);
	return ppoll(&p, fd >= 0 ? 1 : 0, &to, unblocked);
}

static const char top_usage[] =
	"Usage: minderbinder top [--interval SECS] [--once]\n"
	"A live view of what `stats` shows, redrawn every SECS seconds (default 1,\n"
	"0.1 to 3600): per target and per rule the calls/s and faults/s since the last\n"
	"refresh, the totals, and a sparkline of the last 30 faults/s samples.\n"
	"Keys: q quits; j/k or the arrows scroll by a line, space/b by a page.\n"
	"--once: sample twice, SECS apart, print one plain frame (80 columns when\n"
	"stdout is not a terminal) and exit; needs no terminal. Needs root.\n";

int mb_cli_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct top tp = { .interval = 1 };
	struct sigaction sa;
	sigset_t block, unblocked;
	struct timespec ts;
	double next;
	int c, once = 0, err = 0, cerr = 0, cols, rows;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hi:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			tp.interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(tp.interval >= 0.1) ||
			    tp.interval > 3600)
				return mb_cli_fail(2, "top: --interval: want seconds from 0.1 to 3600, not '%s'",
						   optarg);
			break;
		case '1':
			once = 1;
			break;
		case 'h':
			fputs(top_usage, stdout);
			return 0;
		default:
			fputs(top_usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(top_usage, stderr);
		return mb_cli_fail(2, "top: unexpected argument '%s'", argv[optind]);
	}
	if (!once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		return mb_cli_fail(2, "top: needs a terminal on stdin and stdout (--once prints one frame without)");
	if (geteuid() != 0)
		return mb_cli_fail(1, "top: needs root: the registry under %s is readable by root only",
				   MB_BPFFS_ROOT);

	/* The signals are handled only inside ppoll: no race with the checks. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGHUP);
	sigdelset(&unblocked, SIGWINCH);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);

	err = cerr = sample(&tp);
	if (err)
		goto out;
	next = now_s(&ts) + tp.interval;

	if (once) {
		while (!got_stop && wait_until(next, -1, &unblocked) < 0 && errno == EINTR)
			;
		if (got_stop)
			goto out;
		err = cerr = sample(&tp);
		if (err)
			goto out;
		term_size(&cols, &rows);
		if (!isatty(STDOUT_FILENO))
			cols = 80;
		err = draw(&tp, cols, 0);
		goto out;
	}

	err = term_enter();
	if (err)
		goto out;
	term_size(&cols, &rows);
	err = draw(&tp, cols, rows);
	while (!err && !got_stop) {
		int r = wait_until(next, STDIN_FILENO, &unblocked);

		if (r < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (got_stop)
			break;
		if (got_winch) {
			got_winch = 0;
			term_size(&cols, &rows);
			err = draw(&tp, cols, rows);
			continue;
		}
		if (r > 0) {
			char buf[64];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			enum key_result k;

			if (n <= 0 && !(n < 0 && errno == EINTR))
				break; /* the terminal went away */
			k = n > 0 ? keys(&tp, buf, (size_t)n, rows > HEAD_ROWS + 2 ? rows - HEAD_ROWS - 2 : 1)
				  : KEY_NONE;
			if (k == KEY_QUIT)
				break;
			if (k == KEY_REDRAW)
				err = draw(&tp, cols, rows);
			continue;
		}
		if (r == 0) {
			err = cerr = sample(&tp);
			if (err)
				break;
			next += tp.interval;
			if (next < now_s(&ts))
				next = now_s(&ts) + tp.interval;
			err = draw(&tp, cols, rows);
		}
	}
	term_restore();
out:
	mb_stats_free(&tp.s);
	free(tp.h);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	if (cerr)
		return mb_stats_fail("top", cerr);
	if (err)
		return mb_cli_fail(1, "top: %s", strerror(-err));
	return got_stop ? 128 + got_stop : 0;
}
