/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The registrar: the part of mb-helper that stays root for a C API
 * session, so that its guests (processes started under the session's
 * filter, whose no_new_privs leaves the set-uid helper unprivileged) get
 * a registry entry: `minderbinder status` and `stats` show them, the exit
 * hook forgets them. It talks to the session's supervisor only, over a
 * socketpair made before either ran; the supervisor vouches that the
 * guest said hello through its listener, the kernel says who the guest
 * is (its pidfd, the identity iterator), and this file checks the rest
 * exactly as for a registration of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper/registrar.h"
#include "helper/sanitise.h"
#include "helper/validate.h"
#include "lib/proc_info.h"
#include "lib/seccomp_filter.h"
#include "registry/quota.h"

/* Entries we made, the only ones REMOVE may name. */
#define MAX_MADE 64

struct made {
	__u32 key;
	__u64 start_ticks;
};

/* The guest's pidfd, from the supervisor's message: -1 if none came. */
static ssize_t recv_with_fd(int sock, struct mb_guest_msg *m, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* A guest's registration: 0 with the entry written, or -errno with why. */
static int add(const struct request *session, struct mb_registry *reg,
	       struct mb_identity_reader *reader, const struct mb_guest_msg *q, int pidfd,
	       struct mb_guest_reply *r, struct mb_error *why)
{
	struct request *g = mb_request_new();
	__u32 engines[MB_MAX_RULES], i;
	const char *how = "";
	int ret;

	if (!g) {
		mb_error_set(why, "mb-helper: out of memory");
		return -ENOMEM;
	}
	g->msg = q->reg;
	g->pidfd = pidfd;
	g->reader = *reader;
	g->peer.pid = (pid_t)q->ns_pid;
	ret = mb_register_msg_check(&g->msg, sizeof(g->msg), why);
	if (!ret && g->msg.flags) {
		mb_error_set(why, "mb-helper: bad flags 0x%x for a guest", g->msg.flags);
		ret = -EINVAL;
	}
	for (i = 0; !ret && i < g->msg.spec.n_rules; i++) {
		if (g->msg.spec.rules[i].kind == MB_RULE_SYSCALL && !g->msg.log_path[0])
			continue;
		mb_error_set(why, "mb-helper: a guest has syscall rules only, and no log");
		ret = -EINVAL;
	}
	if (!ret && (ret = mb_identity_read(&g->reader, pidfd, &g->id, &how)))
		mb_error_set(why, "mb-helper cannot identify pid %d: %s%s%s", (int)g->peer.pid,
			     strerror(-ret), *how ? ": " : "", how);
	if (!ret && g->id.uid[0] != mb_caller_uid) {
		mb_error_set(why, "mb-helper refuses to serve uid %u's process (pid %d) under the "
			     "supervisor of uid %u's C API session: another user's",
			     (unsigned)g->id.uid[0], (int)g->peer.pid, (unsigned)mb_caller_uid);
		ret = -EPERM;
	}
	if (!ret)
		ret = mb_request_ids_check(&g->id, mb_caller_uid, why);
	if (!ret && g->id.tgid == session->key) {
		mb_error_set(why, "mb-helper: the session's own process is no guest");
		ret = -EPERM;
	}
	if (!ret)
		ret = mb_quota_configure(why);
	if (ret)
		goto out;
	g->key = g->id.tgid;
	g->target.start_ticks = g->id.start_boottime / MB_NSEC_PER_TICK;
	g->target.uid = mb_caller_uid;
	g->target.scope = g->msg.scope;
	g->target.n_rules = g->msg.spec.n_rules;
	g->target.gate_ip = g->msg.gate_ip;
	g->target.supervisor = q->supervisor;
	if (mb_proc_cgroup_id(g->peer.pid, &g->target.cgroup_id))
		g->target.cgroup_id = 0;
	for (i = 0; i < g->msg.spec.n_rules; i++)
		engines[i] = mb_seccomp_engine_for(&g->msg.spec.rules[i],
						   (enum mb_scope)g->msg.scope);
	ret = mb_registry_add(reg, g->key, &g->target, &g->msg.spec, engines, NULL);
	if (ret) {
		mb_quota_add_error(ret, g->target.uid, g->target.n_rules, (int)g->peer.pid, why);
		goto out;
	}
	/* Written: is it still that process, with those rights? */
	ret = mb_request_reverify(g, "after writing its entry", why);
	if (ret) {
		mb_registry_remove_if(reg, g->key, g->target.start_ticks);
		goto out;
	}
	r->key = g->key;
	r->start_ticks = g->target.start_ticks;
out:
	/* The pidfd and the reader are the caller's to close. */
	g->pidfd = -1;
	g->reader.prog_fd = -1;
	mb_request_free(g);
	return ret;
}

int mb_registrar_run(const struct request *session, struct mb_registry *reg, int sock)
{
	struct mb_identity_reader reader = { -1 };
	struct made made[MAX_MADE];
	struct mb_guest_msg *q = malloc(sizeof(*q));
	int n_made = 0, pidfd, ret, i;
	ssize_t n;

	if (!q)
		return -ENOMEM;
	signal(SIGPIPE, SIG_IGN);
	ret = mb_identity_open(&reader);
	while (!ret) {
		struct mb_guest_reply r = { .hdr = { MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_GUEST_REPLY } };
		struct mb_error why = { "" };

		n = recv_with_fd(sock, q, &pidfd);
		if (n <= 0)
			break; /* the supervisor is gone: so are we */
		if (n != (ssize_t)sizeof(*q) || q->hdr.magic != MB_WIRE_MAGIC ||
		    q->hdr.version != MB_WIRE_VERSION) {
			r.status = -EPROTO;
			mb_error_set(&why, "mb-helper: malformed guest request");
		} else if (q->hdr.type == MB_GUEST_ADD && pidfd >= 0 && n_made < MAX_MADE) {
			r.status = add(session, reg, &reader, q, pidfd, &r, &why);
			if (!r.status)
				made[n_made++] = (struct made){ r.key, r.start_ticks };
		} else if (q->hdr.type == MB_GUEST_ADD) {
			r.status = pidfd < 0 ? -EBADF : -EUSERS;
			mb_error_set(&why, "mb-helper: %s", pidfd < 0 ? "no pidfd of the guest"
								      : "too many guests in one session");
		} else if (q->hdr.type == MB_GUEST_REMOVE) {
			r.status = -ENOENT;
			for (i = 0; i < n_made; i++) {
				if (made[i].key != q->key || made[i].start_ticks != q->start_ticks)
					continue;
				r.status = mb_registry_remove_if(reg, q->key, q->start_ticks);
				made[i] = made[--n_made];
				break;
			}
		} else {
			r.status = -EPROTO;
			mb_error_set(&why, "mb-helper: unknown guest request %u", q->hdr.type);
		}
		if (pidfd >= 0)
			close(pidfd);
		snprintf(r.msg, sizeof(r.msg), "%s", why.msg);
		if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
			break;
	}
	mb_identity_close(&reader);
	free(q);
	return ret;
}
