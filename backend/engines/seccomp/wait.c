/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Waiting for the next call at the kernel's floor (issue 18). With one
 * listener, no answer held back by latency= and no C API control socket,
 * there is nothing to wait for but the next notification: block in
 * SECCOMP_IOCTL_NOTIF_RECV itself, where the synchronous wake-up hands the
 * calling thread over directly, and skip poll(), one system call fewer per
 * call. Anything else (several listeners, deadlines, control messages)
 * goes through the poll loop in supervise.c.
 *
 * The one thing RECV may not tell us is that every task using the filter
 * is gone: kernels since 2024 return ENOENT then, older ones sleep on. A
 * one-second interval timer interrupts such a sleep (EINTR); each time
 * RECV returns without a call we ask poll() once whether it was the end.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "engines/seccomp/supervisor.h"

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt RECV */
}

void sv_wait_init(struct supervisor *s)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_interval = { .tv_sec = 1 }, .it_value = { .tv_sec = 1 } };

	/* The C API's supervisor always has its control socket to wait
	 * for: the poll loop, and no timer to interrupt anything. */
	if (s->control_fd >= 0)
		return;
	/* No SA_RESTART: the point is that RECV returns. Without the timer
	 * we would not know that it will; then the poll loop it is. */
	sigemptyset(&sa.sa_mask);
	s->block_in_recv = !sigaction(SIGALRM, &sa, NULL) && !setitimer(ITIMER_REAL, &it, NULL);
}

static int only_live(const struct supervisor *s, const int *live)
{
	int i, found = -1;

	for (i = 0; i < s->n_listeners; i++) {
		if (!live[i])
			continue;
		if (found >= 0)
			return -1;
		found = i;
	}
	return found;
}

bool sv_wait_blocking(const struct supervisor *s, const int *live)
{
	/* The in-process path's counts want a flush every SHARED_FLUSH_MS,
	 * which only poll()'s timeout gives (shared.c). */
	return s->block_in_recv && s->control_fd < 0 && !s->n_pending && !s->shared &&
	       only_live(s, live) >= 0;
}

int sv_wait_recv(struct supervisor *s, int *live)
{
	int i = only_live(s, live), fd, err;
	struct pollfd p;

	if (i < 0)
		return 0;
	fd = s->listeners[i];
	/* The kernel refuses a buffer that is not all zeroes. */
	memset(s->req, 0, s->req_size);
	if (!ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, s->req))
		return sv_decide(s, fd, s->req);
	err = -errno;
	/* The timer, a call that went away before we took it, or the end. */
	if (err != -EINTR && err != -ENOENT)
		return err;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLNVAL)) && !(p.revents & POLLIN))
		live[i] = 0;
	return 0;
}
