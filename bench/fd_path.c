/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The workload of bench/fd_path.sh: what path= on a descriptor costs.
 *
 *     fd_path N EXPECT FILE      N calls of pwrite64(fd of FILE, 1 byte, 0)
 *
 * EXPECT is `ok` or `EIO`; every timed call is checked, as in loop.c, so a
 * rule that did not fire (or fired where it should not) shows up. 1000
 * untimed warm-up calls (fewer when N is smaller) go first.
 *
 * Prints one line:  ns_per_call=<float> calls=<N> matched=<M>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 1000

static inline int one(int fd, int expect)
{
	ssize_t r = pwrite(fd, "x", 1, 0);

	return expect ? (r == -1 && errno == expect) : r == 1;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	long n, i, warm, matched = 0;
	int expect, fd;
	char *end;

	if (argc != 4 || (strcmp(argv[2], "ok") && strcmp(argv[2], "EIO"))) {
		fprintf(stderr, "usage: fd_path N ok|EIO FILE\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno || *end || n < 0) {
		fprintf(stderr, "fd_path: bad N '%s'\n", argv[1]);
		return 2;
	}
	expect = strcmp(argv[2], "ok") ? EIO : 0;
	fd = open(argv[3], O_WRONLY | O_CREAT, 0644);
	if (fd < 0) {
		fprintf(stderr, "fd_path: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	warm = n < WARMUP ? n : WARMUP;
	for (i = 0; i < warm; i++)
		one(fd, expect);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		matched += one(fd, expect);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ns_per_call=%.2f calls=%ld matched=%ld\n",
	       n ? ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			   (double)n
		 : 0.0,
	       n, matched);
	return 0;
}
