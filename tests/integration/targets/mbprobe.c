/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A target for the integration tests: makes exactly the calls it is told
 * to, through syscall(2) so that libc adds none of its own, and reports
 * what each one returned. The report goes out with writev(2), which no
 * test rule names, so a rule on write or openat cannot silence it.
 *
 *   mbprobe [-n N] [-i USEC] [-w MSEC] [-D MSEC] [-d DIR] [-o FILE] [-H] OP ARG...
 *
 *   open PATH...   openat(AT_FDCWD or DIR, PATH, O_RDONLY), N times per PATH
 *   mkdir PATH...  mkdirat(...), removing the directory again on success
 *   write TEXT     write(1, TEXT, strlen(TEXT)), N times
 *   env            the MINDERBINDER_* variables and LD_PRELOAD it sees
 *   none           no call: only the facts below
 *
 * Report, one "key value" per line:
 *   pid, euid, stdfds_at_start (bit N set: fd N was open before any
 *   library's constructor ran), calls, faults, pattern (one char per call: 0 ok, 1 failed),
 *   errnos (0 or the errno of each call), ret (raw return values),
 *   us (microseconds each call took), and with -D the calls sorted by
 *   when they ran against process start + MSEC:
 *   "delay early_faults=A early_ok=B late_faults=C late_ok=D"
 *   (a call that straddles the boundary counts for neither), then
 *   seccomp (filters on this thread) and nnp (no_new_privs), read from
 *   /proc after the calls so that they add no openat before them.
 * -H then holds the process until its stdin reaches end of file, so a
 * test can read the registry while the target is still alive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "thread_status.h"

#define MAX_CALLS 100000

extern char **environ;

static unsigned long long start_ticks;
static long clk_tck = 100;
static int stdfds_at_start; /* bit N: descriptor N was open */

/* Runs before any library's constructor, the agent's included: the only
 * moment a rule on openat cannot spoil reading /proc/self/stat, and the
 * moment to see which standard descriptors the program was given. */
static void read_start(int argc, char **argv, char **envp)
{
	char buf[1024], *p;
	ssize_t n;
	int fd, field;

	(void)argc, (void)argv, (void)envp;
	for (fd = 0; fd < 3; fd++)
		if (syscall(SYS_fcntl, fd, F_GETFD) >= 0)
			stdfds_at_start |= 1 << fd;
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p)
		return;
	/* ") S ppid ..." : field 3 is the state; starttime is field 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start_ticks = strtoull(p + 1, NULL, 10);
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **,
									       char **) = read_start;

static char *report;
static size_t report_len, report_cap;

static void say(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(report + report_len, report_cap - report_len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < report_cap - report_len) {
			report_len += (size_t)n;
			return;
		}
		report_cap = report_cap * 2 + (size_t)n + 4096;
		report = realloc(report, report_cap);
		if (!report)
			abort();
		report[report_len] = '\0';
	}
}

static void emit(int fd)
{
	size_t off = 0;

	while (off < report_len) {
		struct iovec v = { report + off, report_len - off };
		ssize_t n = syscall(SYS_writev, fd, &v, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	long n = 1, interval_us = 0, wait_ms = 0, delay_ms = -1;
	const char *dir = NULL, *out = NULL, *op;
	long *ret, *err;
	unsigned long long *t0, *t1;
	long calls = 0, faults = 0, i, k;
	int c, hold = 0, dirfd = AT_FDCWD, fd = 1;

	while ((c = getopt(argc, argv, "+n:i:w:D:d:o:H")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'i': interval_us = atol(optarg); break;
		case 'w': wait_ms = atol(optarg); break;
		case 'D': delay_ms = atol(optarg); break;
		case 'd': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'H': hold = 1; break;
		default: return 2;
		}
	}
	if (optind >= argc || n < 0) {
		fprintf(stderr, "usage: mbprobe [-n N] [-i USEC] [-w MSEC] [-D MSEC] [-d DIR] [-o FILE] [-H] OP ARG...\n");
		return 2;
	}
	op = argv[optind++];
	clk_tck = sysconf(_SC_CLK_TCK);
	if (clk_tck <= 0)
		clk_tck = 100;
	ret = calloc(MAX_CALLS, sizeof(*ret));
	err = calloc(MAX_CALLS, sizeof(*err));
	t0 = calloc(MAX_CALLS, sizeof(*t0));
	t1 = calloc(MAX_CALLS, sizeof(*t1));
	if (!ret || !err || !t0 || !t1)
		return 1;
	if (dir) {
		dirfd = (int)syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			perror(dir);
			return 1;
		}
	}
	if (wait_ms)
		sleep_us(wait_ms * 1000);

	say("pid %d\n", (int)getpid());
	say("euid %d\n", (int)geteuid());
	say("stdfds_at_start %d\n", stdfds_at_start);
	if (!strcmp(op, "env")) {
		char **e;

		for (e = environ; *e; e++)
			if (!strncmp(*e, "MINDERBINDER_", 13) || !strncmp(*e, "LD_PRELOAD=", 11))
				say("env %s\n", *e);
		say("env-end\n");
	} else if (!strcmp(op, "open") || !strcmp(op, "mkdir") || !strcmp(op, "write")) {
		for (k = optind; k < argc; k++) {
			for (i = 0; i < n && calls < MAX_CALLS; i++, calls++) {
				long r;

				if (i && interval_us)
					sleep_us(interval_us);
				t0[calls] = now_ns();
				if (op[0] == 'o')
					r = syscall(SYS_openat, dirfd, argv[k], O_RDONLY | O_CLOEXEC);
				else if (op[0] == 'm')
					r = syscall(SYS_mkdirat, dirfd, argv[k], 0700);
				else
					r = syscall(SYS_write, 1, argv[k], strlen(argv[k]));
				err[calls] = r < 0 ? errno : 0;
				t1[calls] = now_ns();
				ret[calls] = r < 0 ? -err[calls] : r;
				if (r < 0)
					faults++;
				else if (op[0] == 'o')
					syscall(SYS_close, (int)r);
				else if (op[0] == 'm')
					syscall(SYS_unlinkat, dirfd, argv[k], AT_REMOVEDIR);
			}
		}
		say("calls %ld\nfaults %ld\npattern ", calls, faults);
		for (i = 0; i < calls; i++)
			say("%c", err[i] ? '1' : '0');
		say("\nerrnos");
		for (i = 0; i < calls; i++)
			say(" %ld", err[i]);
		say("\nret");
		for (i = 0; i < calls; i++)
			say(" %ld", ret[i]);
		say("\nus");
		for (i = 0; i < calls; i++)
			say(" %llu", (t1[i] - t0[i]) / 1000);
		say("\n");
		if (delay_ms >= 0) {
			unsigned long long edge = start_ticks * (1000000000ULL / (unsigned long long)clk_tck) +
						  (unsigned long long)delay_ms * 1000000ULL;
			long ef = 0, eo = 0, lf = 0, lo = 0;

			for (i = 0; i < calls; i++) {
				if (t1[i] < edge && err[i])
					ef++;
				else if (t1[i] < edge)
					eo++;
				else if (t0[i] >= edge && err[i])
					lf++;
				else if (t0[i] >= edge)
					lo++;
			}
			say("delay early_faults=%ld early_ok=%ld late_faults=%ld late_ok=%ld start_ticks=%llu\n",
			    ef, eo, lf, lo, start_ticks);
		}
	} else if (strcmp(op, "none")) {
		fprintf(stderr, "mbprobe: unknown op '%s'\n", op);
		return 2;
	}
	/* After the calls: reading /proc is an openat of its own. */
	say("seccomp %ld\n", thread_status_field("Seccomp_filters:"));
	say("nnp %ld\n", thread_status_field("NoNewPrivs:"));
	say("done\n");
	if (out) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return 3;
	}
	emit(fd);
	if (hold) {
		char b[64];
		ssize_t r;

		do
			r = syscall(SYS_read, 0, b, sizeof(b));
		while (r > 0 || (r < 0 && errno == EINTR));
	}
	return 0;
}
