/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A TCP client for the network-fault tests: connects to each ADDR PORT in
 * turn (IPv4 or IPv6, numeric), each with its own connect timeout, and
 * prints one line per connect:
 *
 *   connected ms=N       the handshake completed
 *   timeout ms=N         no answer within the timeout (e.g. the SYN vanished)
 *   errno NAME ms=N      connect() failed with errno NAME
 *
 *   net_tcp_client [-t TIMEOUT_MS] [-m MARK] [-w MS] [-H] ADDR PORT [ADDR PORT]...
 *
 * -m sets SO_MARK on each socket before connecting and prints
 * "mark set=MARK got=N" (getsockopt right after setting) and, after the
 * connect, "mark after=N": the mark must be kept.
 * -w waits MS milliseconds before the first connect.
 * -H prints "held" and waits for a line (or the end) on stdin before the
 * first connect: a test looks at the registered process, then lets it go.
 * The exit status is 0 when every connect completed, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static int sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	long p = strtol(port, NULL, 10);

	if (p <= 0 || p > 65535)
		return -1;
	return target_sockaddr(addr, port, ss, len);
}

static int read_mark(int s)
{
	int m = -1;
	socklen_t l = sizeof(m);

	if (getsockopt(s, SOL_SOCKET, SO_MARK, &m, &l))
		return -errno;
	return m;
}

static int one(const char *addr, const char *port, int timeout_ms, long mark)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long long t0;
	int s, r, err = 0;

	if (sockaddr_of(addr, port, &ss, &len)) {
		printf("bad address %s %s\n", addr, port);
		return 1;
	}
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		printf("socket errno %s\n", ename(errno));
		return 1;
	}
	if (mark >= 0) {
		int m = (int)mark;

		if (setsockopt(s, SOL_SOCKET, SO_MARK, &m, sizeof(m)))
			printf("mark setsockopt errno %s\n", ename(errno));
		printf("mark set=%ld got=%d\n", mark, read_mark(s));
	}
	t0 = now_ms();
	r = connect(s, (struct sockaddr *)&ss, len);
	if (r && errno != EINPROGRESS) {
		err = errno;
	} else if (r) {
		struct pollfd p = { .fd = s, .events = POLLOUT };
		socklen_t l = sizeof(err);

		r = poll(&p, 1, timeout_ms);
		if (r == 0) {
			printf("timeout ms=%lld\n", now_ms() - t0);
			goto out_fail;
		}
		if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l))
			err = errno;
	}
	if (err) {
		printf("errno %s ms=%lld\n", ename(err), now_ms() - t0);
		goto out_fail;
	}
	printf("connected ms=%lld\n", now_ms() - t0);
	if (mark >= 0)
		printf("mark after=%d\n", read_mark(s));
	close(s);
	return 0;
out_fail:
	if (mark >= 0)
		printf("mark after=%d\n", read_mark(s));
	close(s);
	return 1;
}

int main(int argc, char **argv)
{
	int timeout_ms = 1000, o, i, bad = 0;
	long mark = -1, wait_ms = 0;
	int hold = 0;

	while ((o = getopt(argc, argv, "t:m:w:H")) != -1) {
		switch (o) {
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'm':
			mark = strtol(optarg, NULL, 0);
			break;
		case 'w':
			wait_ms = strtol(optarg, NULL, 10);
			break;
		case 'H':
			hold = 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2 || (argc - optind) % 2)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait_ms > 0)
		usleep((useconds_t)wait_ms * 1000);
	if (hold) {
		char line[16];

		printf("held\n");
		if (!fgets(line, sizeof(line), stdin)) {
			/* the end of stdin lets it go as well */
		}
	}
	for (i = optind; i < argc; i += 2)
		bad |= one(argv[i], argv[i + 1], timeout_ms, mark);
	return bad;
usage:
	fprintf(stderr, "usage: %s [-t TIMEOUT_MS] [-m MARK] [-w MS] [-H] ADDR PORT [ADDR PORT]...\n",
		argv[0]);
	return 2;
}
