/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The code under test: a small HTTP handler with the two error paths the
 * original project's Big Picture talks about, a config file that may be
 * missing and a downstream service that may fail or hang.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "handler.h"

struct config {
	char greeting[64];
	int from_file;
};

/* "greeting=..." lines; anything unreadable means the defaults. */
static void load_config(const char *path, struct config *c)
{
	char buf[512], *line, *save = NULL;
	ssize_t n;
	int fd;

	snprintf(c->greeting, sizeof(c->greeting), "hello");
	c->from_file = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* fall back to the defaults */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "greeting=", 9))
			snprintf(c->greeting, sizeof(c->greeting), "%s", line + 9);
	c->from_file = 1;
}

enum { DS_OK, DS_FAILED, DS_TIMEOUT };

/* Sends "GET\n", reads the answer (up to EOF) into out. */
static int call_downstream(int port, char *out, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 0, DOWNSTREAM_TIMEOUT_MS * 1000 };
	struct pollfd pfd = { .events = POLLOUT };
	int s, err = 0, ret = DS_FAILED;
	socklen_t elen = sizeof(err);
	size_t got = 0;
	ssize_t n;

	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return DS_FAILED;
	pfd.fd = s;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		goto out; /* refused, unreachable, ... */
	n = poll(&pfd, 1, DOWNSTREAM_TIMEOUT_MS);
	if (n == 0) {
		ret = DS_TIMEOUT; /* the handshake never completed */
		goto out;
	}
	if (n < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen) || err)
		goto out;
	/* connected: blocking I/O with the same deadline per call */
	if (fcntl(s, F_SETFL, 0) || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		goto out;
	if (send(s, "GET\n", 4, MSG_NOSIGNAL) != 4) {
		ret = errno == EAGAIN ? DS_TIMEOUT : DS_FAILED;
		goto out;
	}
	while (got < len - 1 && (n = recv(s, out + got, len - 1 - got, 0)) > 0)
		got += (size_t)n;
	if (n < 0) {
		ret = errno == EAGAIN ? DS_TIMEOUT : DS_FAILED;
		goto out;
	}
	out[got] = '\0';
	ret = DS_OK;
out:
	close(s);
	return ret;
}

int handle_request(const char *config_path, int downstream_port, char *body, size_t len)
{
	struct config cfg;
	char answer[256];

	load_config(config_path, &cfg);
	switch (call_downstream(downstream_port, answer, sizeof(answer))) {
	case DS_FAILED:
		snprintf(body, len, "Downstream service failed\n");
		return 502;
	case DS_TIMEOUT:
		snprintf(body, len, "Downstream service timed out\n");
		return 504;
	}
	snprintf(body, len, "config: %s\n%s, downstream says: %s", cfg.from_file ? config_path : "defaults",
		 cfg.greeting, answer);
	return 200;
}
