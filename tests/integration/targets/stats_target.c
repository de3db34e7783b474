/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A target for the stats tests that keeps running: makes a known number
 * of calls, prints what each kind returned, prints "ready" and sleeps
 * until killed (a target's counters live as long as the target).
 *
 *   stats_target [-g N] [-o N] [-c PORT] [-n N] [-N NAME]
 *
 * -g N  getppid N times (default 10): "getppid ok=A failed=B errno=E"
 * -o N  open("/nonexistent/x") N times (default 3): "open failed=B errno=E"
 * -c P  connect to 127.0.0.1:P, -n N times (default 4):
 *       "connect refused=A other=B"
 * -N    set the process name (comm) first: any bytes, for escaping tests
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return e ? (n ? n : "E?") : "-";
}

int main(int argc, char **argv)
{
	int getppids = 10, opens = 3, connects = 4, port = 0, c, i, ok = 0, bad = 0, err = 0;

	while ((c = getopt(argc, argv, "g:o:c:n:N:")) != -1) {
		switch (c) {
		case 'g':
			getppids = atoi(optarg);
			break;
		case 'o':
			opens = atoi(optarg);
			break;
		case 'c':
			port = atoi(optarg);
			break;
		case 'n':
			connects = atoi(optarg);
			break;
		case 'N':
			if (prctl(PR_SET_NAME, optarg, 0, 0, 0))
				perror("prctl");
			break;
		default:
			fprintf(stderr, "usage: stats_target [-g N] [-o N] [-c PORT] [-n N] [-N NAME]\n");
			return 2;
		}
	}
	for (i = 0; i < getppids; i++) {
		if (syscall(SYS_getppid) < 0) {
			bad++;
			err = errno;
		} else {
			ok++;
		}
	}
	printf("getppid ok=%d failed=%d errno=%s\n", ok, bad, ename(err));
	bad = 0;
	err = 0;
	for (i = 0; i < opens; i++) {
		int fd = open("/nonexistent/x", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			close(fd);
		} else {
			bad++;
			err = errno;
		}
	}
	printf("open failed=%d errno=%s\n", bad, ename(err));
	if (port > 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = bad = 0;
		for (i = 0; i < connects; i++) {
			int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

			if (s < 0) {
				bad++;
				continue;
			}
			if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) && errno == ECONNREFUSED)
				ok++;
			else
				bad++;
			close(s);
		}
		printf("connect refused=%d other=%d\n", ok, bad);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
