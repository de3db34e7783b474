/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder top [--interval SECS] [--once]: the counters `stats` shows,
 * redrawn every interval: per target and per rule the calls/s and
 * faults/s since the last refresh, the totals, and a sparkline of the
 * last HIST faults/s samples. Plain ANSI escapes on the alternate screen;
 * the terminal is in cbreak mode (no echo, no line buffering) while it
 * runs and restored on q, SIGINT, SIGTERM and SIGHUP.
 *
 * The registry is read by mb_snapshot_read (registry/snapshot.h), the walk
 * `stats`, `serve` and `status` use.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stats.h"
#include "cli/top.h"
#include "registry/snapshot.h"

/* --- history: the previous totals and the faults/s samples of each rule --- */

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

const struct hist *mb_top_hist(const struct top *tp, __u32 pid, __u64 start_ticks, __u32 idx)
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
	struct mb_snapshot s;
	struct timespec ts;
	double t = now_s(&ts), dt;
	size_t i, k;
	__u32 j;
	int err = mb_snapshot_read(&s);

	if (err)
		return err;
	dt = tp->have_last ? t - ((double)tp->last.tv_sec + tp->last.tv_nsec / 1e9) : 0;
	for (k = 0; k < tp->n_h; k++)
		tp->h[k].seen = 0;
	for (i = 0; i < s.n; i++) {
		const struct mb_snapshot_target *st = &s.targets[i];

		for (j = 0; j < st->n_rules; j++) {
			const struct mb_snapshot_rule *r = &st->rules[j];
			struct hist *h = hist_find(tp, st->pid, st->t.start_ticks, r->idx);

			if (!h) {
				mb_snapshot_free(&s);
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
	mb_snapshot_free(&tp->s);
	tp->s = s;
	tp->last = ts;
	tp->have_last = 1;
	return 0;
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
	mb_top_write(leave, sizeof(leave) - 1);
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
	return mb_top_write(enter, sizeof(enter) - 1);
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
		err = mb_top_draw(&tp, cols, 0);
		goto out;
	}

	err = term_enter();
	if (err)
		goto out;
	term_size(&cols, &rows);
	err = mb_top_draw(&tp, cols, rows);
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
			err = mb_top_draw(&tp, cols, rows);
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
				err = mb_top_draw(&tp, cols, rows);
			continue;
		}
		if (r == 0) {
			err = cerr = sample(&tp);
			if (err)
				break;
			next += tp.interval;
			if (next < now_s(&ts))
				next = now_s(&ts) + tp.interval;
			err = mb_top_draw(&tp, cols, rows);
		}
	}
	term_restore();
out:
	mb_snapshot_free(&tp.s);
	free(tp.h);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	if (cerr)
		return mb_stats_fail("top", cerr);
	if (err)
		return mb_cli_fail(1, "top: %s", strerror(-err));
	return got_stop ? 128 + got_stop : 0;
}
