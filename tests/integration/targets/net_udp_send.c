/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A UDP sender for the network-fault tests. Each datagram carries its
 * sequence number ("seq N"). Datagrams go out with sendto() and an
 * address on an unconnected socket (or, with -c, send() on a connected
 * one), in bursts: N@MS sends N datagrams MS milliseconds after main()
 * began (N alone: right away).
 *
 *   net_udp_send [-a] [-c] [-u USEC] [-p PAUSE_MS] ADDR PORT BURST...
 *
 * -u sleeps USEC microseconds after each datagram (pacing);
 * -p keeps the process alive PAUSE_MS milliseconds after the last
 * datagram, so a test can read the per-process counters meanwhile.
 * -a prints "age SEQ MS" before each burst: MS is how long after the
 * process started (the clock a rule's delay= counts on) its first
 * datagram SEQ goes out, so a test can tell a slow start from a fault.
 * Prints "sent OK FAILED" and, if a send failed, "errno NAME" (the first
 * errno), then "done", and exits 0 when every send succeeded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/proc_info.h"
#include "sockaddr.h"

/* Milliseconds since this process started, on CLOCK_BOOTTIME (10 ms
 * steps: the start time is in clock ticks); -1 when unknown. */
static long long age_ms(void)
{
	struct timespec ts;
	__u64 ticks;
	long hz = sysconf(_SC_CLK_TCK);

	if (hz <= 0 || mb_proc_start_ticks(getpid(), &ticks))
		return -1;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	       (long long)(ticks * 1000 / (__u64)hz);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	long long t0 = now_ms();
	long pause_ms = 0, usec = 0, ok = 0, failed = 0;
	int o, s, conn = 0, first_err = 0, i, ages = 0;
	unsigned seq = 0;
	socklen_t len;

	while ((o = getopt(argc, argv, "acu:p:")) != -1) {
		switch (o) {
		case 'a':
			ages = 1;
			break;
		case 'c':
			conn = 1;
			break;
		case 'u':
			usec = strtol(optarg, NULL, 10);
			break;
		case 'p':
			pause_ms = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 3)
		goto usage;
	if (target_sockaddr(argv[optind], argv[optind + 1], &ss, &len))
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		printf("socket errno %s\n", strerrorname_np(errno));
		return 1;
	}
	if (conn && connect(s, (struct sockaddr *)&ss, len)) {
		printf("connect errno %s\n", strerrorname_np(errno));
		return 1;
	}
	for (i = optind + 2; i < argc; i++) {
		char *at = strchr(argv[i], '@');
		long n = strtol(argv[i], NULL, 10), k;

		if (at) {
			long long when = t0 + strtol(at + 1, NULL, 10);

			while (now_ms() < when)
				usleep(1000);
		}
		if (ages)
			printf("age %u %lld\n", seq, age_ms());
		for (k = 0; k < n; k++) {
			char buf[32];
			int l = snprintf(buf, sizeof(buf), "seq %u", seq++);
			ssize_t r = conn ? send(s, buf, (size_t)l, 0)
					 : sendto(s, buf, (size_t)l, 0, (struct sockaddr *)&ss, len);

			if (r == l) {
				ok++;
			} else {
				if (!first_err)
					first_err = errno;
				failed++;
			}
			if (usec)
				usleep((useconds_t)usec);
		}
	}
	printf("sent %ld %ld\n", ok, failed);
	if (first_err)
		printf("errno %s\n", strerrorname_np(first_err));
	printf("done\n");
	if (pause_ms > 0)
		usleep((useconds_t)pause_ms * 1000);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s [-a] [-c] [-u USEC] [-p PAUSE_MS] ADDR PORT N[@MS]...\n", argv[0]);
	return 2;
}
