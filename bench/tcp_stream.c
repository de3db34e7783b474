/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One TCP stream over loopback: sends N MiB from a client thread to a
 * server thread and prints the throughput in MiB/s. The workload of the
 * "non-opted traffic under the TC filter" benchmark.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listener;

static void *serve(void *arg)
{
	static char buf[1 << 16];
	int c = accept(listener, NULL, NULL);

	(void)arg;
	while (c >= 0 && read(c, buf, sizeof(buf)) > 0)
		;
	if (c >= 0)
		close(c);
	return NULL;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	long mib = argc > 1 ? atol(argv[1]) : 1024, left;
	struct timespec t0, t1;
	pthread_t th;
	double s;
	int c;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listener, 1) || getsockname(listener, (struct sockaddr *)&a, &alen))
		return perror("listen"), 1;
	pthread_create(&th, NULL, serve, NULL);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)))
		return perror("connect"), 1;
	memset(buf, 'x', sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (left = mib * 16; left > 0; left--) {
		size_t off = 0;

		while (off < sizeof(buf)) {
			ssize_t n = write(c, buf + off, sizeof(buf) - off);

			if (n <= 0)
				return perror("write"), 1;
			off += (size_t)n;
		}
	}
	close(c);
	pthread_join(th, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.1f\n", (double)mib / s);
	return 0;
}
