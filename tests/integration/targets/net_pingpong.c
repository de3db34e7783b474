/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP round trips and a bulk transfer, for the shaping tests and bench:
 *
 *   net_pingpong serve ADDR PORT
 *       prints "ready", then serves every connection in a thread: its
 *       first byte 'e' makes it an echo, 's' a sink that answers the byte
 *       count (8 bytes) once the client shut down its side.
 *   net_pingpong ping ADDR PORT ROUNDS [BURST]
 *       each round writes BURST (1) 16-byte messages, one write each, and
 *       reads their echoes; prints "connect_us=N", one "rtt_us=N" per round
 *       (first write to last echo), then
 *       "rounds=N min_us=N median_us=N p99_us=N max_us=N ordered=yes|no":
 *       ordered says every echo came back in the order it was written.
 *   net_pingpong bulk ADDR PORT BYTES
 *       sends BYTES in 64 KiB writes, shuts down, waits for the count;
 *       prints "bulk bytes=N ms=N" (connect to count).
 * Exit status 0, or 1 on any error (said on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr.h"

#define MSG 16
#define MAX_ROUNDS 100000
#define MAX_BURST 64

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int full_read(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int full_write(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static void *serve_one(void *arg)
{
	static __thread char buf[1 << 16];
	int c = (int)(long)arg, one = 1;
	unsigned long long total = 0;
	char mode;
	ssize_t n;

	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (full_read(c, &mode, 1) == 0) {
		while ((n = read(c, buf, sizeof(buf))) > 0) {
			total += (unsigned long long)n;
			if (mode == 'e' && full_write(c, buf, (size_t)n))
				break;
		}
		if (mode == 's')
			full_write(c, &total, sizeof(total));
	}
	close(c);
	return NULL;
}

static int serve(const struct sockaddr_storage *ss, socklen_t len)
{
	int l = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (const struct sockaddr *)ss, len) || listen(l, 64))
		return perror("net_pingpong: listen"), 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		pthread_t th;

		if (c < 0)
			continue;
		if (pthread_create(&th, NULL, serve_one, (void *)(long)c))
			close(c);
		else
			pthread_detach(th);
	}
}

static int dial(const struct sockaddr_storage *ss, socklen_t len, char mode)
{
	int c = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (c < 0 || connect(c, (const struct sockaddr *)ss, len))
		return perror("net_pingpong: connect"), -1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (full_write(c, &mode, 1))
		return perror("net_pingpong: write"), -1;
	return c;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int ping(const struct sockaddr_storage *ss, socklen_t len, long rounds, long burst)
{
	static long long rtt[MAX_ROUNDS];
	unsigned char msg[MSG], back[MSG * MAX_BURST];
	long long t0 = now_us(), t;
	unsigned seq = 0, want = 0;
	int c = dial(ss, len, 'e'), ordered = 1;
	long i, k;

	if (c < 0)
		return 1;
	printf("connect_us=%lld\n", now_us() - t0);
	for (i = 0; i < rounds; i++) {
		t = now_us();
		for (k = 0; k < burst; k++) {
			memset(msg, 0, sizeof(msg));
			memcpy(msg, &seq, sizeof(seq));
			seq++;
			if (full_write(c, msg, sizeof(msg)))
				return perror("net_pingpong: write"), 1;
		}
		if (full_read(c, back, (size_t)(MSG * burst)))
			return fprintf(stderr, "net_pingpong: echo lost\n"), 1;
		rtt[i] = now_us() - t;
		for (k = 0; k < burst; k++) {
			unsigned got;

			memcpy(&got, back + k * MSG, sizeof(got));
			if (got != want++)
				ordered = 0;
		}
		printf("rtt_us=%lld\n", rtt[i]);
	}
	close(c);
	qsort(rtt, (size_t)rounds, sizeof(rtt[0]), cmp);
	printf("rounds=%ld min_us=%lld median_us=%lld p99_us=%lld max_us=%lld ordered=%s\n", rounds,
	       rtt[0], rtt[(rounds - 1) / 2], rtt[(rounds * 99 + 99) / 100 - 1], rtt[rounds - 1],
	       ordered ? "yes" : "no");
	return 0;
}

static int bulk(const struct sockaddr_storage *ss, socklen_t len, unsigned long long bytes)
{
	static char buf[1 << 16];
	unsigned long long left = bytes, count = 0;
	long long t0 = now_us();
	int c = dial(ss, len, 's');

	if (c < 0)
		return 1;
	memset(buf, 'x', sizeof(buf));
	while (left) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);

		if (full_write(c, buf, n))
			return perror("net_pingpong: write"), 1;
		left -= n;
	}
	shutdown(c, SHUT_WR);
	if (full_read(c, &count, sizeof(count)) || count != bytes)
		return fprintf(stderr, "net_pingpong: the sink counted %llu\n", count), 1;
	printf("bulk bytes=%llu ms=%lld\n", bytes, (now_us() - t0) / 1000);
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long rounds, burst = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || target_sockaddr(argv[2], argv[3], &ss, &len)) {
		fprintf(stderr, "usage: net_pingpong serve|ping|bulk ADDR PORT [N [BURST]]\n");
		return 2;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(&ss, len);
	if (argc < 5)
		return 2;
	if (!strcmp(argv[1], "bulk"))
		return bulk(&ss, len, strtoull(argv[4], NULL, 10));
	rounds = atol(argv[4]);
	if (argc > 5)
		burst = atol(argv[5]);
	if (strcmp(argv[1], "ping") || rounds < 1 || rounds > MAX_ROUNDS || burst < 1 ||
	    burst > MAX_BURST)
		return 2;
	return ping(&ss, len, rounds, burst);
}
