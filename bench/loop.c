/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-call workload of `make bench`:
 *
 *     loop getppid N EXPECT          N calls of syscall(SYS_getppid)
 *     loop open    N EXPECT PATH     N calls of open(PATH, O_RDONLY) (libc)
 *     loop pwrite  N EXPECT PATH     N calls of pwrite64 of 1 byte at 0 to
 *                                    PATH, opened once (bench/fd_path.sh)
 *
 * EXPECT is `ok` (the call must succeed) or an errno name (EIO, ENOENT):
 * every timed call is checked, so a variant whose fault did not fire shows
 * up as such instead of as a fast row. A short untimed warm-up (1000 calls,
 * fewer when N is smaller) goes first; then the N calls run between two
 * clock_gettime(CLOCK_MONOTONIC) (vDSO: no system call inside the window).
 *
 * Prints one line:  ns_per_call=<float> calls=<N> matched=<M>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 1000

static const struct {
	const char *name;
	int value;
} errnos[] = {{"ok", 0}, {"EIO", EIO}, {"ENOENT", ENOENT}, {"EACCES", EACCES}};

static int expect_parse(const char *s, int *out)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		if (!strcmp(s, errnos[i].name)) {
			*out = errnos[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/* One call; 1 when it behaved as EXPECT says. */
static inline int one_getppid(int expect)
{
	long r = syscall(SYS_getppid);

	return expect ? (r == -1 && errno == expect) : r > 0;
}

static inline int one_open(const char *path, int expect)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		close(fd);
		return !expect;
	}
	return expect && errno == expect;
}

static inline int one_pwrite(int fd, int expect)
{
	ssize_t r = pwrite(fd, "x", 1, 0);

	return expect ? (r == -1 && errno == expect) : r == 1;
}

static double ns_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	long n, i, warm, matched = 0;
	int expect, is_open, is_pwrite, fd = -1;
	const char *path = NULL;
	char *end;

	if (argc < 4 || (strcmp(argv[1], "getppid") && strcmp(argv[1], "open") &&
			 strcmp(argv[1], "pwrite"))) {
		fprintf(stderr,
			"usage: loop getppid|open|pwrite N ok|EIO|ENOENT|EACCES [PATH]\n");
		return 2;
	}
	is_open = !strcmp(argv[1], "open");
	is_pwrite = !strcmp(argv[1], "pwrite");
	errno = 0;
	n = strtol(argv[2], &end, 10);
	if (errno || *end || n < 0 || expect_parse(argv[3], &expect) ||
	    ((is_open || is_pwrite) && argc < 5)) {
		fprintf(stderr, "loop: bad arguments\n");
		return 2;
	}
	if (is_open || is_pwrite)
		path = argv[4];
	if (is_pwrite) {
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0) {
			fprintf(stderr, "loop: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	warm = n < WARMUP ? n : WARMUP;

	if (is_open) {
		for (i = 0; i < warm; i++)
			one_open(path, expect);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++)
			matched += one_open(path, expect);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} else if (is_pwrite) {
		for (i = 0; i < warm; i++)
			one_pwrite(fd, expect);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++)
			matched += one_pwrite(fd, expect);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} else {
		for (i = 0; i < warm; i++)
			one_getppid(expect);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++)
			matched += one_getppid(expect);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	}
	printf("ns_per_call=%.2f calls=%ld matched=%ld\n",
	       n ? ns_between(&t0, &t1) / (double)n : 0.0, n, matched);
	return 0;
}
