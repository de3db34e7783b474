/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The original project's Big Picture, as a unit test: the handler's failure paths are
 * tested by making the real calls fail, not by mocking them.
 *
 *   MB_WITH_FAILURES("tcp:8080:refuse") {
 *           status = handle_request(...);   // the downstream "is down"
 *   }
 *
 * A real downstream service runs in a child process on loopback. Each
 * Criterion test runs in a process of its own; the rules are thread-scoped,
 * so only the test's own calls see them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <minderbinder.h>

#include "handler.h"

static char config[64];
static int port;
static pid_t server;

/* The downstream service: answers "pong\n" to every request. */
static void serve(int s)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		char req[64];
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		if (recv(c, req, sizeof(req), 0) > 0)
			send(c, "pong\n", 5, MSG_NOSIGNAL);
		close(c);
	}
}

static void start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	FILE *f;
	int s, fd;

	snprintf(config, sizeof(config), "/tmp/handler-XXXXXX.conf");
	fd = mkstemps(config, 5);
	cr_assert(fd >= 0 && (f = fdopen(fd, "w")), "config file: %s", strerror(errno));
	fprintf(f, "greeting=hi from the config\n");
	fclose(f);

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof(a)) && !listen(s, 16) &&
		  !getsockname(s, (struct sockaddr *)&a, &alen), "server socket: %s", strerror(errno));
	port = ntohs(a.sin_port);
	server = fork();
	cr_assert_geq(server, 0);
	if (server == 0)
		serve(s);
	close(s);
}

static void stop(void)
{
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(config);
}

TestSuite(handler, .init = start, .fini = stop, .timeout = 10);

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Test(handler, answers_200_when_all_is_well)
{
	char body[512], want[512];
	int status = handle_request(config, port, body, sizeof(body));

	snprintf(want, sizeof(want), "config: %s\nhi from the config, downstream says: pong\n", config);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(body, want);
}

Test(handler, downstream_refused_is_502)
{
	char spec[64], body[512];
	int status = 0;

	snprintf(spec, sizeof(spec), "tcp:%d:refuse", port);
	MB_WITH_FAILURES(spec) {
		status = handle_request(config, port, body, sizeof(body));
	}
	cr_assert_eq(status, 502);
	cr_assert_str_eq(body, "Downstream service failed\n");

	/* outside the block the service is reachable again */
	cr_assert_eq(handle_request(config, port, body, sizeof(body)), 200);
}

Test(handler, dropped_packets_take_the_timeout_path)
{
	char spec[64], body[512];
	long long t0, ms = 0;
	int status = 0;

	snprintf(spec, sizeof(spec), "tcp:%d:drop", port);
	MB_WITH_FAILURES(spec) {
		t0 = now_ms();
		status = handle_request(config, port, body, sizeof(body));
		ms = now_ms() - t0;
	}
	cr_assert_eq(status, 504, "status %d: %s", status, body);
	cr_assert_str_eq(body, "Downstream service timed out\n");
	cr_assert(ms >= DOWNSTREAM_TIMEOUT_MS - 50 && ms < 3 * DOWNSTREAM_TIMEOUT_MS,
		  "gave up after %lld ms", ms);
	cr_assert_eq(handle_request(config, port, body, sizeof(body)), 200);
}

Test(handler, missing_config_falls_back_to_defaults)
{
	char spec[128], body[512];
	int status = 0;

	snprintf(spec, sizeof(spec), "openat:ENOENT:path=%s", config);
	MB_WITH_FAILURES(spec) {
		status = handle_request(config, port, body, sizeof(body));
	}
	cr_assert_eq(status, 200);
	cr_assert_str_eq(body, "config: defaults\nhello, downstream says: pong\n");
}

/* mb_enable/mb_stats: prove each fault fired exactly once. */
Test(handler, both_faults_fire_exactly_once)
{
	struct mb_rule_stats st[2];
	struct mb_handle *h;
	char spec[160], body[512];
	int status, ret;

	snprintf(spec, sizeof(spec), "openat:EACCES:path=%s;tcp:%d:refuse", config, port);
	ret = mb_enable(spec, MB_SCOPE_THREAD, &h);
	cr_assert_eq(ret, 0, "mb_enable: %s", mb_last_error());
	status = handle_request(config, port, body, sizeof(body));
	ret = mb_stats(h, st, 2);
	mb_disable(h);
	cr_assert_eq(status, 502);
	cr_assert_eq(ret, 2, "mb_stats: %s", mb_last_error());
	cr_assert_eq(st[0].faults, 1, "openat faults: %llu", (unsigned long long)st[0].faults);
	cr_assert_eq(st[1].faults, 1, "connect faults: %llu", (unsigned long long)st[1].faults);
}
