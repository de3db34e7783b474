/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API: Network rules through the C API.
 */
#include "capi_test.h"

/* ---- network rules ----------------------------------------------------- */

/* A listener on 127.0.0.1, any free port: connects complete in the kernel
 * (backlog) without accept. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 64), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* 0 when a TCP connect to 127.0.0.1:PORT completes within 300 ms,
 * ETIMEDOUT when it does not, else connect's errno. */
static int try_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = 0;
	socklen_t len = sizeof(err);
	struct pollfd pfd = { .fd = s, .events = POLLOUT };

	if (s < 0)
		return errno;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
		goto out;
	err = errno;
	if (err != EINPROGRESS)
		goto out;
	err = 0;
	if (poll(&pfd, 1, 300) == 0)
		err = ETIMEDOUT;
	else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
out:
	close(s);
	return err;
}

struct conn {
	int port, err;
};

static void *connect_once(void *arg)
{
	struct conn *c = arg;

	c->err = try_connect(c->port);
	return NULL;
}

static int connect_from_other_thread(int port)
{
	struct conn c = { port, -1 };
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, connect_once, &c), 0);
	pthread_join(t, NULL);
	return c.err;
}

Test(capi, net_refuse_thread_scope)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int port, s = listener(&port), other;
	char spec[64];

	cr_assert_eq(try_connect(port), 0, "the server answers without rules");
	snprintf(spec, sizeof(spec), "tcp:%d:refuse", port);
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_connect(port), ECONNREFUSED);
	other = connect_from_other_thread(port);
	cr_assert_eq(other, 0, "another thread's connect: %s", strerror(other));
	cr_assert_eq(try_connect(port), ECONNREFUSED);
	cr_assert_eq(mb_stats(h, &st, 1), 1, "%s", mb_last_error());
	cr_assert_eq(st.faults, 2, "faults %llu", (unsigned long long)st.faults);
	disable(h);
	cr_assert_eq(try_connect(port), 0, "connects again after mb_disable");
	close(s);
}

Test(capi, net_refuse_process_scope)
{
	struct mb_handle *h;
	int port, s = listener(&port), other;
	char spec[64];

	snprintf(spec, sizeof(spec), "tcp:%d:refuse", port);
	h = enable(spec, MB_SCOPE_PROCESS);
	cr_assert_eq(try_connect(port), ECONNREFUSED);
	other = connect_from_other_thread(port);
	cr_assert_eq(other, ECONNREFUSED, "another thread's connect: %s", strerror(other));
	disable(h);
	cr_assert_eq(try_connect(port), 0);
	close(s);
}

Test(capi, net_drop_times_out)
{
	struct mb_handle *h;
	int port, s = listener(&port), other;
	char spec[64];

	snprintf(spec, sizeof(spec), "tcp:%d:drop", port);
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_connect(port), ETIMEDOUT, "the SYN must vanish");
	other = connect_from_other_thread(port);
	cr_assert_eq(other, 0, "another thread's socket: %s", strerror(other));
	disable(h);
	cr_assert_eq(try_connect(port), 0);
	close(s);
}

Test(capi, mixed_spec_stats_in_order)
{
	struct mb_rule_stats st[2];
	struct mb_handle *h;
	int port, s = listener(&port);
	char spec[300];

	snprintf(spec, sizeof(spec), "tcp:%d:ECONNRESET;%s", port, on_file("openat:ENOENT:times=1"));
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_connect(port), ECONNRESET);
	cr_assert_eq(try_open(), ENOENT);
	cr_assert_eq(try_open(), 0);
	cr_assert_eq(mb_stats(h, st, 2), 2, "%s", mb_last_error());
	cr_assert_eq(st[0].faults, 1, "network rule first: faults %llu",
		     (unsigned long long)st[0].faults);
	cr_assert_eq(st[1].calls, 2);
	cr_assert_eq(st[1].faults, 1);
	disable(h);
	cr_assert_eq(try_connect(port), 0);
	close(s);
}
