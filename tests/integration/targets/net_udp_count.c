/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A counting UDP server for the network-fault tests: binds ADDR PORT
 * with a large receive buffer (so the kernel drops nothing on its own),
 * prints "ready", counts datagrams until SIGTERM (or -T seconds, 900 by
 * default: past any one test script on a loaded guest), drains what is queued and prints
 *
 *   received N
 *   seqs A,B,C,...      (with -l: the sequence numbers, in arrival order)
 *   rcvbuf_drops N      (datagrams the socket itself dropped, from SO_RXQ_OVFL)
 *
 *   net_udp_count [-l] [-T SECONDS] ADDR PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

#define MAX_SEQS 100000

static volatile sig_atomic_t stop;
static unsigned seqs[MAX_SEQS];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One datagram; returns 1 when one was read, 0 otherwise. */
static int take(int s, int flags, long *n, unsigned *ovfl)
{
	char buf[256], cbuf[CMSG_SPACE(sizeof(unsigned))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	unsigned seq;
	ssize_t r = recvmsg(s, &m, flags);

	if (r < 0)
		return 0;
	buf[r] = '\0';
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(ovfl, CMSG_DATA(c), sizeof(*ovfl));
	if (sscanf(buf, "seq %u", &seq) == 1 && *n < MAX_SEQS)
		seqs[*n] = seq;
	(*n)++;
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	int o, s, list = 0, secs = 900, big = 16 << 20, one = 1;
	struct sigaction sa;
	unsigned ovfl = 0;
	long port, n = 0, i;
	socklen_t len;

	while ((o = getopt(argc, argv, "lT:")) != -1) {
		switch (o) {
		case 'l':
			list = 1;
			break;
		case 'T':
			secs = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	port = strtol(argv[optind + 1], NULL, 10);
	if (target_sockaddr(argv[optind], argv[optind + 1], &ss, &len))
		goto usage;
	s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 1;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len)) {
		fprintf(stderr, "bind %s %ld: %s\n", argv[optind], port, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: recvmsg returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)secs);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		take(s, 0, &n, &ovfl);
	while (take(s, MSG_DONTWAIT, &n, &ovfl))
		;
	printf("received %ld\n", n);
	if (list) {
		printf("seqs ");
		for (i = 0; i < n && i < MAX_SEQS; i++)
			printf("%s%u", i ? "," : "", seqs[i]);
		printf("\n");
	}
	printf("rcvbuf_drops %u\n", ovfl);
	return 0;
usage:
	fprintf(stderr, "usage: %s [-l] [-T SECONDS] ADDR PORT\n", argv[0]);
	return 2;
}
