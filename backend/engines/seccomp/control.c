/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API's control socket: which rules are in force for which handle
 * and thread (enable, disable, stats), and new listeners as the C API adds
 * filter layers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "lib/spec_parse.h"

/* A handle's rule slots, in the order of its spec. */
static __u32 handle_slots(const struct supervisor *s, __u32 handle, __u32 *idx)
{
	__u32 n = 0, i, j;

	for (i = 0; i < MB_MAX_RULES; i++) {
		if (!s->slots[i].active || s->slots[i].guest || s->slots[i].handle != handle)
			continue;
		for (j = n; j > 0 && s->slots[idx[j - 1]].pos > s->slots[i].pos; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	return n;
}

static void ctl_reply(struct supervisor *s, int status, __u32 handle, const char *msg)
{
	struct mb_ctl_reply r;
	__u32 idx[MB_MAX_RULES], i;

	memset(&r, 0, sizeof(r));
	r.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_CTL_REPLY };
	r.status = status;
	if (!status) {
		r.n_rules = handle_slots(s, handle, idx);
		for (i = 0; i < r.n_rules; i++) {
			r.stats[i].calls = s->rules[idx[i]].calls;
			r.stats[i].faults = s->rules[idx[i]].faults;
		}
	}
	snprintf(r.msg, sizeof(r.msg), "%.*s", (int)sizeof(r.msg) - 1, msg);
	send(s->control_fd, &r, sizeof(r), MSG_NOSIGNAL);
}

void sv_unorder(struct supervisor *s, __u32 slot)
{
	__u32 k;

	for (k = 0; k < s->n_order; k++) {
		if (s->order[k] != slot)
			continue;
		memmove(&s->order[k], &s->order[k + 1],
			(s->n_order - k - 1) * sizeof(s->order[0]));
		s->n_order--;
		return;
	}
}

static int ctl_enable(struct supervisor *s, const struct mb_ctl_msg *m)
{
	__u32 free_slots[MB_MAX_RULES], n_free = 0, idx[MB_MAX_RULES], i;
	struct mb_error err;

	if (mb_spec_validate(&m->spec, &err) || m->spec.arch != s->spec.arch) {
		ctl_reply(s, -EINVAL, 0, err.msg);
		return 0;
	}
	if (!m->handle || handle_slots(s, m->handle, idx) ||
	    (m->scope != MB_SCOPE_THREAD && m->scope != MB_SCOPE_PROCESS)) {
		ctl_reply(s, -EINVAL, 0, "bad handle or scope");
		return 0;
	}
	for (i = 0; i < m->spec.n_rules; i++) {
		if (m->spec.rules[i].kind != MB_RULE_SYSCALL) {
			ctl_reply(s, -EINVAL, 0, "only syscall rules go to the supervisor");
			return 0;
		}
	}
	for (i = 0; i < MB_MAX_RULES; i++)
		if (!s->slots[i].active && !s->slots[i].guest)
			free_slots[n_free++] = i;
	if (n_free < m->spec.n_rules) {
		ctl_reply(s, -E2BIG, 0, "too many rules enabled at once (at most 32 in all)");
		return 0;
	}
	/* The newest handle's rules go first: the innermost block decides. */
	memmove(&s->order[m->spec.n_rules], &s->order[0], s->n_order * sizeof(s->order[0]));
	for (i = 0; i < m->spec.n_rules; i++) {
		__u32 slot = free_slots[i];

		s->spec.rules[slot] = m->spec.rules[i];
		s->engines[slot] = MB_ENGINE_SECCOMP_NOTIF;
		s->slots[slot] = (struct slot){ .active = true, .handle = m->handle,
						.tid = m->scope == MB_SCOPE_THREAD ? m->tid : 0,
						.pos = i };
		sv_seed_rule(s, slot);
		sv_cover_rule(s, slot);
		s->order[i] = slot;
	}
	s->n_order += m->spec.n_rules;
	ctl_reply(s, 0, m->handle, "ok");
	return 0;
}

static void ctl_disable(struct supervisor *s, __u32 handle)
{
	__u32 idx[MB_MAX_RULES], n, i;

	n = handle_slots(s, handle, idx);
	if (!n) {
		ctl_reply(s, -ENOENT, 0, "no such handle");
		return;
	}
	/* The reply carries the final counts: stats of a disabled handle. */
	ctl_reply(s, 0, handle, "ok");
	for (i = 0; i < n; i++) {
		s->slots[idx[i]].active = false;
		sv_unorder(s, idx[i]);
	}
}

static bool is_seccomp_listener(int fd)
{
	char path[64], link[64] = "";

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return readlink(path, link, sizeof(link) - 1) > 0 &&
	       !strcmp(link, "anon_inode:seccomp notify");
}

/* One control message. Returns -ECONNRESET when the C API side is gone. */
int sv_control(struct supervisor *s)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct mb_ctl_msg *m = s->ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd = -1;
	ssize_t n;

	n = recvmsg(s->control_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -ECONNRESET;
	if (n == 0)
		return -ECONNRESET;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if ((size_t)n != sizeof(*m) || m->hdr.magic != MB_WIRE_MAGIC ||
	    m->hdr.version != MB_WIRE_VERSION) {
		if (fd >= 0)
			close(fd);
		ctl_reply(s, -EPROTO, 0, "malformed control message");
		return 0;
	}
	if (fd >= 0 && (!m->has_listener || !is_seccomp_listener(fd) ||
			sv_add_listener(s, fd))) {
		close(fd);
		ctl_reply(s, -EBADF, 0, "bad listener");
		return 0;
	}
	/* What a guest's supervised rules may use from now on. */
	if (fd >= 0)
		memcpy(s->routed, m->routed, sizeof(s->routed));
	switch (m->hdr.type) {
	case MB_CTL_ENABLE:
		return ctl_enable(s, m);
	case MB_CTL_DISABLE:
		ctl_disable(s, m->handle);
		return 0;
	case MB_CTL_RELEASE: {
		char why[MB_WIRE_MSG_MAX];

		/* A guest's routed calls would get ENOSYS for good. */
		if (sv_guests_hold_listener(s, why, sizeof(why))) {
			ctl_reply(s, -EBUSY, 0, why);
			return 0;
		}
		/* The kernel allows one listener per filter chain: the C API
		 * must detach ours before it installs a wider layer. Answers
		 * still held back for them have nobody to go to. */
		for (int i = 0; i < s->n_listeners; i++)
			close(s->listeners[i]);
		s->n_listeners = 0;
		s->n_pending = 0;
		memset(s->routed, 0, sizeof(s->routed));
		ctl_reply(s, 0, 0, "ok");
		return 0;
	}
	case MB_CTL_STATS:
		if (handle_slots(s, m->handle, (__u32[MB_MAX_RULES]){ 0 }))
			ctl_reply(s, 0, m->handle, "ok");
		else
			ctl_reply(s, -ENOENT, 0, "no such handle");
		return 0;
	}
	ctl_reply(s, -EPROTO, 0, "unknown control message");
	return 0;
}

/* The C API side went away: nothing it enabled stays in force. Its
 * guests' rules do, while they live (they still call through us). */
void sv_control_gone(struct supervisor *s)
{
	__u32 i;

	close(s->control_fd);
	s->control_fd = -1;
	for (i = 0; i < MB_MAX_RULES; i++) {
		if (!s->slots[i].active || s->slots[i].guest)
			continue;
		s->slots[i].active = false;
		sv_unorder(s, i);
	}
}
