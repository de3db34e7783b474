/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A checking UDP server for the corrupt and duplicate tests: binds ADDR
 * PORT, prints "ready", reads net_udp_send's datagrams ("seq N") until
 * SIGTERM (or -T seconds), drains what is queued and prints
 *
 *   received N intact I changed C duplicates D
 *
 * A datagram is intact when it is exactly "seq " and digits; anything
 * else is changed (corrupt inverts a byte, and every byte of "seq N" is
 * ASCII, so an inverted one never is). A duplicate is an intact sequence
 * number seen before.
 *
 *   net_udp_check [-T SECONDS] ADDR PORT
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

#define MAX_SEQ 100000

static volatile sig_atomic_t stop;
static unsigned char seen[MAX_SEQ];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct tally {
	long received, intact, changed, duplicates;
};

static int take(int s, int flags, struct tally *t)
{
	char buf[2048];
	ssize_t n = recv(s, buf, sizeof(buf) - 1, flags);
	long seq;
	ssize_t i;
	int ok;

	if (n < 0)
		return errno == EINTR && !(flags & MSG_DONTWAIT);
	t->received++;
	ok = n > 4 && !memcmp(buf, "seq ", 4);
	for (i = 4; ok && i < n; i++)
		ok = isdigit((unsigned char)buf[i]);
	if (!ok) {
		t->changed++;
		return 1;
	}
	t->intact++;
	buf[n] = '\0';
	seq = strtol(buf + 4, NULL, 10);
	if (seq >= 0 && seq < MAX_SEQ && seen[seq]++)
		t->duplicates++;
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	int o, s, secs = 60, big = 16 << 20, one = 1;
	struct tally t = { 0 };
	struct sigaction sa;
	socklen_t len;

	while ((o = getopt(argc, argv, "T:")) != -1) {
		if (o != 'T')
			goto usage;
		secs = atoi(optarg);
	}
	if (argc - optind != 2 || target_sockaddr(argv[optind], argv[optind + 1], &ss, &len))
		goto usage;
	s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 1;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len)) {
		fprintf(stderr, "bind %s %s: %s\n", argv[optind], argv[optind + 1], strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: recv returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)secs);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		take(s, 0, &t);
	while (take(s, MSG_DONTWAIT, &t))
		;
	printf("received %ld intact %ld changed %ld duplicates %ld\n", t.received, t.intact,
	       t.changed, t.duplicates);
	return 0;
usage:
	fprintf(stderr, "usage: %s [-T SECONDS] ADDR PORT\n", argv[0]);
	return 2;
}
