/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A TCP server for the network-fault tests: listens on each ADDR PORT,
 * prints "ready" once every socket listens, then accepts and closes
 * connections until SIGTERM (or -T seconds, 900 by default: a safety net
 * past any one test script on a loaded guest, where 60 s was not), and prints
 * "accepted N" on the way out.
 *
 *   net_tcp_server [-T SECONDS] ADDR PORT [ADDR PORT]...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

#define MAX_LISTEN 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int listen_on(const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s, one = 1;

	if (target_sockaddr(addr, port, &ss, &len)) {
		fprintf(stderr, "bad address %s\n", addr);
		return -1;
	}
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) || listen(s, 128)) {
		fprintf(stderr, "bind/listen %s %s: %s\n", addr, port, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

int main(int argc, char **argv)
{
	struct pollfd p[MAX_LISTEN];
	struct sigaction sa;
	int n = 0, i, o, secs = 900;
	long accepted = 0;

	while ((o = getopt(argc, argv, "T:")) != -1) {
		if (o != 'T')
			goto usage;
		secs = atoi(optarg);
	}
	if (argc - optind < 2 || (argc - optind) % 2 || (argc - optind) / 2 > MAX_LISTEN)
		goto usage;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	for (i = optind; i < argc; i += 2) {
		p[n].fd = listen_on(argv[i], argv[i + 1]);
		if (p[n].fd < 0)
			return 1;
		p[n].events = POLLIN;
		n++;
	}
	alarm((unsigned)secs);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		for (i = 0; i < n; i++) {
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				accepted++;
				close(c);
			}
		}
	}
	printf("accepted %ld\n", accepted);
	return 0;
usage:
	fprintf(stderr, "usage: %s [-T SECONDS] ADDR PORT [ADDR PORT]...\n", argv[0]);
	return 2;
}
