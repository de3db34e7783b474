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

/* ---- a drop rule and the sockets held before it ------------------------ */

/* One byte from c to its peer a: 0 when it arrives within ms, ETIMEDOUT
 * when it does not. */
static int one_byte(int from, int to, char b, int ms)
{
	struct pollfd pfd = { .fd = to, .events = POLLIN };
	char got = 0;

	if (b && send(from, &b, 1, MSG_NOSIGNAL) != 1)
		return errno;
	if (poll(&pfd, 1, ms) == 0)
		return ETIMEDOUT;
	if (recv(to, &got, 1, 0) != 1)
		return errno ? errno : EPIPE;
	return 0;
}

/* A connected pair on 127.0.0.1:PORT made before any rule: c the client,
 * *a the accepted side (both in this process). */
static int held_pair(int *port, int *l, int *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int c;

	*l = listener(port);
	sa.sin_port = htons((unsigned short)*port);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(c, 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	*a = accept4(*l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(*a, 0, "%s", strerror(errno));
	return c;
}

/*
 * The connection exists before the first mb_enable (a pool, a client made
 * in setup): the drop rule applies to it all the same, from the next
 * packet, and stops with mb_disable. What is dropped while the rule holds
 * is retransmitted after it: the byte sent during the fault arrives once
 * it is disabled, as over a real network that came back.
 */
static void held_socket_dropped(enum mb_scope scope)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int port, l, a, c = held_pair(&port, &l, &a), e;
	char spec[64];

	cr_assert_eq(one_byte(c, a, 'a', 2000), 0, "a round trip before any rule");
	cr_assert_eq(one_byte(a, c, 'b', 2000), 0, "and back");
	snprintf(spec, sizeof(spec), "tcp:%d:drop", port);
	h = enable(spec, scope);
	/* Dropped, and so is every retransmission while the rule holds. */
	e = one_byte(c, a, 'c', 600);
	cr_assert_eq(e, ETIMEDOUT, "the held socket's data must vanish: %s", strerror(e));
	cr_assert_eq(mb_stats(h, &st, 1), 1, "%s", mb_last_error());
	cr_assert_geq(st.faults, 1, "faults %llu", (unsigned long long)st.faults);
	/* The other way (to an ephemeral port) is no flow of the rule. */
	cr_assert_eq(one_byte(a, c, 'd', 2000), 0, "the reply direction is not the rule's");
	disable(h);
	/* TCP retransmits the dropped byte (backoff 0.2 s, 0.4 s, ...). */
	e = one_byte(c, a, 0, 10000);
	cr_assert_eq(e, 0, "the dropped byte arrives after mb_disable: %s", strerror(e));
	cr_assert_eq(one_byte(c, a, 'e', 2000), 0, "a round trip after mb_disable");
	cr_assert_eq(one_byte(a, c, 'f', 2000), 0, "and back");
	close(c);
	close(a);
	close(l);
}

Test(capi, net_drop_socket_held_before_enable_thread)
{
	held_socket_dropped(MB_SCOPE_THREAD);
}

Test(capi, net_drop_socket_held_before_enable_process)
{
	held_socket_dropped(MB_SCOPE_PROCESS);
}

/*
 * A listener held before mb_enable: what it accepts afterwards is the
 * target's too (the kernel runs no socket-creation hook for accept). The
 * client's port is bound first so that the rule can name it: the accepted
 * side's replies go to that port, and only they match.
 */
Test(capi, net_drop_reaches_connections_a_held_listener_accepts)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct mb_handle *h;
	int port, l = listener(&port), c, a, e;
	char spec[64];

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(c, 0);
	cr_assert_eq(bind(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(c, (struct sockaddr *)&sa, &len), 0);
	snprintf(spec, sizeof(spec), "tcp:%d:drop", ntohs(sa.sin_port));
	h = enable(spec, MB_SCOPE_PROCESS);
	sa.sin_port = htons((unsigned short)port);
	cr_assert_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(a, 0, "%s", strerror(errno));
	cr_assert_eq(one_byte(c, a, 'a', 2000), 0, "to the listener's port: not the rule's flow");
	e = one_byte(a, c, 'b', 600);
	cr_assert_eq(e, ETIMEDOUT, "the accepted side's reply must vanish: %s", strerror(e));
	disable(h);
	cr_assert_eq(one_byte(a, c, 0, 10000), 0, "the dropped byte arrives after mb_disable");
	close(c);
	close(a);
	close(l);
}

/* ---- reset: the connections held when the rule is enabled --------------- */

/*
 * A connection opened before mb_enable("tcp:PORT:reset") is reset when
 * the call returns: the socket-tagging iterator destroys it
 * (bpf_sock_destroy), so the client's next call fails with ECONNABORTED
 * and its peer, which got the kernel's reset, reads ECONNRESET. The
 * accepted side's flow is to an ephemeral port: not the rule's, kept
 * until the reset reaches it.
 */
static void held_socket_reset(enum mb_scope scope)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int port, l, a, c = held_pair(&port, &l, &a), e;
	char spec[64], b;
	ssize_t n;

	cr_assert_eq(one_byte(c, a, 'a', 2000), 0, "a round trip before any rule");
	cr_assert_eq(one_byte(a, c, 'b', 2000), 0, "and back");
	snprintf(spec, sizeof(spec), "tcp:%d:reset", port);
	h = enable(spec, scope);
	n = recv(c, &b, 1, MSG_DONTWAIT);
	e = errno;
	cr_assert_eq(n, -1, "the held connection must be gone, recv returned %zd", n);
	cr_assert_eq(e, ECONNABORTED, "the client's errno: %s", strerror(e));
	n = recv(a, &b, 1, 0);
	e = errno;
	cr_assert(n == -1 && e == ECONNRESET, "the peer reads a reset: %zd %s", n, strerror(e));
	cr_assert_eq(mb_stats(h, &st, 1), 1, "%s", mb_last_error());
	cr_assert_eq(st.faults, 1, "one connection reset: faults %llu",
		     (unsigned long long)st.faults);
	disable(h);
	close(c);
	close(a);
	close(l);
}

Test(capi, net_reset_socket_held_before_enable_thread)
{
	held_socket_reset(MB_SCOPE_THREAD);
}

Test(capi, net_reset_socket_held_before_enable_process)
{
	held_socket_reset(MB_SCOPE_PROCESS);
}
