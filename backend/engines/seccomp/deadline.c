/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Answers to the target's calls: sent at once, or held back by latency=
 * in a min-heap on their deadline, which the loop flushes as they fall due
 * (the loop never sleeps in a call's latency).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/seccomp/supervisor.h"

int sv_heap_push(struct supervisor *s, const struct pending *p)
{
	size_t i;

	if (s->n_pending == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 16;
		struct pending *h = realloc(s->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->heap_cap = cap;
	}
	i = s->n_pending++;
	while (i > 0 && s->heap[(i - 1) / 2].deadline > p->deadline) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = *p;
	return 0;
}

static void heap_pop(struct supervisor *s, struct pending *out)
{
	struct pending last;
	size_t i = 0, c;

	*out = s->heap[0];
	last = s->heap[--s->n_pending];
	while ((c = 2 * i + 1) < s->n_pending) {
		if (c + 1 < s->n_pending && s->heap[c + 1].deadline < s->heap[c].deadline)
			c++;
		if (last.deadline <= s->heap[c].deadline)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_pending)
		s->heap[i] = last;
}

/* --- answering ---------------------------------------------------------- */

int sv_send_answer(struct supervisor *s, const struct pending *p)
{
	int err;

	memset(s->resp, 0, s->resp_size);
	s->resp->id = p->id;
	s->resp->val = p->val;
	s->resp->error = p->error;
	s->resp->flags = p->flags;
	if (!ioctl(p->fd, SECCOMP_IOCTL_NOTIF_SEND, s->resp))
		return 0;
	err = -errno;
	/* The task was killed, or a signal interrupted its call, while we
	 * decided: there is nobody left to answer. */
	if (err == -ENOENT)
		return 0;
	return err;
}

int sv_answer_continue(struct supervisor *s, int fd, __u64 id)
{
	struct pending p = {.fd = fd, .id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};

	return sv_send_answer(s, &p);
}

int sv_flush_due(struct supervisor *s, __u64 now)
{
	struct pending p;
	int err;

	while (s->n_pending && s->heap[0].deadline <= now) {
		heap_pop(s, &p);
		err = sv_send_answer(s, &p);
		if (err)
			return err;
	}
	return 0;
}

/* Milliseconds until the nearest held-back answer, rounded up; -1 for none. */
int sv_next_timeout(const struct supervisor *s, __u64 now)
{
	__u64 ms;

	if (!s->n_pending)
		return -1;
	if (s->heap[0].deadline <= now)
		return 0;
	ms = (s->heap[0].deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}
