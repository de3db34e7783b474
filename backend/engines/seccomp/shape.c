/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Network shaping per call (MB_NET_SHAPE rules: latency=, jitter=,
 * bandwidth=), for kernels without sch_fq. The filter sends us every call
 * that may send on a socket or connect one (mb_shape_syscalls); we take a
 * copy of the descriptor (pidfd_getfd), ask the socket who its peer is,
 * and for the first shaping rule that matches:
 *  - latency= (± jitter=, uniform) holds the call back in the deadline
 *    heap, then lets it run: a request leaves late, so a request/response
 *    round trip takes that much longer. One thread's calls on one socket
 *    are made one after the other, so the held calls never reorder a stream.
 *  - bandwidth= sets SO_MAX_PACING_RATE on the (TCP) socket: the kernel's
 *    own TCP pacing spaces its packets, without fq and without holding the
 *    call.
 * A bystander never gets here: only the target runs under the filter.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <netinet/in.h>

#include "engines/seccomp/supervisor.h"
#include "lib/name_tables.h"
#include "lib/seccomp_filter.h"
#include "minderbinder/rng.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SO_MAX_PACING_RATE
#define SO_MAX_PACING_RATE 47
#endif

/* Where a call's bytes go, as the rules see it. */
struct peer {
	int proto;  /* IPPROTO_TCP, IPPROTO_UDP */
	int family; /* 4 or 6 */
	__u16 port; /* host order */
	__u8 addr[16];
};

void sv_shape_init(struct supervisor *s)
{
	size_t k;

	for (k = 0; k < MAX_SHAPE_SYSCALLS; k++)
		s->shape_nrs[k] = -1;
	for (k = 0; k < MAX_SHAPE_SYSCALLS && mb_shape_syscalls[k]; k++)
		s->shape_nrs[k] = mb_syscall_by_name((enum mb_arch)s->spec.arch,
						     mb_shape_syscalls[k]);
}

static bool shape_rule(const struct supervisor *s, __u32 i, pid_t tid)
{
	const struct mb_rule *r = &s->spec.rules[i];

	if (!s->slots[i].active || (s->slots[i].tid && s->slots[i].tid != tid))
		return false;
	return r->kind == MB_RULE_NET && r->net.action == MB_NET_SHAPE &&
	       s->engines[i] == MB_ENGINE_SECCOMP_NOTIF;
}

bool sv_shape_wants(const struct supervisor *s, int nr, pid_t tid)
{
	size_t k;
	__u32 j;

	for (k = 0; k < MAX_SHAPE_SYSCALLS; k++)
		if (s->shape_nrs[k] >= 0 && s->shape_nrs[k] == nr)
			break;
	if (k == MAX_SHAPE_SYSCALLS)
		return false;
	for (j = 0; j < s->n_order; j++)
		if (shape_rule(s, s->order[j], tid))
			return true;
	return false;
}

/* The target's descriptor fd, as a descriptor of ours: -errno if it is
 * none, or no socket. */
static int their_socket(pid_t tgid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tgid, 0), mine;
	struct stat st;

	if (pidfd < 0)
		return -errno;
	mine = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (mine < 0)
		return -errno;
	if (fstat(mine, &st) || !S_ISSOCK(st.st_mode)) {
		close(mine);
		return -ENOTSOCK;
	}
	return mine;
}

/* A sockaddr (ours or the target's) into p; -EAFNOSUPPORT for anything
 * but IPv4 and IPv6. An IPv4-mapped IPv6 address is IPv4 on the wire. */
static int from_sockaddr(const struct sockaddr_storage *ss, struct peer *p)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		p->family = 4;
		p->port = ntohs(a->sin_port);
		memcpy(p->addr, &a->sin_addr, 4);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		p->port = ntohs(a->sin6_port);
		if (!memcmp(&a->sin6_addr, mapped, sizeof(mapped))) {
			p->family = 4;
			memcpy(p->addr, (const __u8 *)&a->sin6_addr + 12, 4);
		} else {
			p->family = 6;
			memcpy(p->addr, &a->sin6_addr, 16);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* Whom the call sends to: the address it names (connect, sendto,
 * sendmsg), else the socket's peer. */
static int peer_of(const struct supervisor *s, const struct seccomp_notif *req, int sock,
		   struct peer *p)
{
	int nr = req->data.nr, proto = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(proto);
	__u64 name = 0, name_len = 0;

	if (getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return -errno;
	p->proto = proto;
	if (nr == s->shape_nrs[0]) { /* connect(fd, addr, len) */
		name = req->data.args[1];
		name_len = req->data.args[2];
	} else if (nr == s->shape_nrs[1]) { /* sendto(fd, buf, n, flags, addr, len) */
		name = req->data.args[4];
		name_len = req->data.args[5];
	} else if (nr == s->shape_nrs[2]) { /* sendmsg(fd, msghdr, flags) */
		struct msghdr mh;

		if (!sv_remote_copy((pid_t)req->pid, req->data.args[1], &mh, sizeof(mh), false)) {
			name = (__u64)(unsigned long)mh.msg_name;
			name_len = mh.msg_namelen;
		}
	}
	memset(&ss, 0, sizeof(ss));
	if (name && name_len >= sizeof(sa_family_t)) {
		if (name_len > sizeof(ss))
			name_len = sizeof(ss);
		if (sv_remote_copy((pid_t)req->pid, name, &ss, (size_t)name_len, false))
			return -EFAULT;
	} else {
		len = sizeof(ss);
		if (getpeername(sock, (struct sockaddr *)&ss, &len))
			return -errno; /* not connected: nobody to send to */
	}
	return from_sockaddr(&ss, p);
}

static bool addr_match(const struct mb_net_rule *n, const struct peer *p)
{
	unsigned bits = n->prefix_len, i;

	if (!n->family)
		return true;
	if (n->family != p->family)
		return false;
	for (i = 0; i < 16 && bits; i++) {
		__u8 mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));

		if ((n->addr[i] ^ p->addr[i]) & mask)
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static bool flow_match(const struct mb_net_rule *n, const struct peer *p)
{
	if (n->proto != MB_PROTO_ANY && n->proto != p->proto)
		return false;
	if (p->port < n->port_lo || p->port > n->port_hi)
		return false;
	return addr_match(n, p);
}

/* latency ± jitter, uniform over [-jitter, +jitter], from the rule's own
 * stream (seed= makes it repeatable). */
static __u64 delay_of(const struct mb_rule *r, struct rule_state *st)
{
	__u64 span, off;

	if (!(r->flags & MB_F_JITTER) || !r->net.jitter_ns)
		return r->latency_ns;
	span = 2 * r->net.jitter_ns + 1;
	off = (__u64)(((unsigned __int128)mb_rng_next(&st->rng) * span) >> 32);
	return r->latency_ns - r->net.jitter_ns + off;
}

int sv_shape_decide(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	struct pending p = { .fd = fd, .id = req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	__u64 now = sv_now_ns(), called = 0, faulted = 0, delay = 0, id = req->id;
	pid_t tid = (pid_t)req->pid;
	struct peer peer = { 0 };
	struct tid_info *t;
	__u32 k, i, hit = 0;
	int sock, err, roll;

	t = sv_tid_lookup(s, tid, now);
	if (!t->subject)
		return 1;
	if (!t->tgid && sv_proc_tgid(tid, &t->tgid))
		return 1;
	sock = their_socket(t->tgid, (int)req->data.args[0]);
	if (sock < 0)
		return 1;
	err = peer_of(s, req, sock, &peer);
	/* What we read belongs to the caller only while its call is live. */
	if (!err && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		err = -ENOENT;
	if (err) {
		close(sock);
		return err == -ENOENT ? 0 : 1;
	}
	for (k = 0; k < s->n_order; k++) {
		const struct mb_rule *r = &s->spec.rules[i = s->order[k]];
		struct rule_state *st = &s->rules[i];

		if (!shape_rule(s, i, tid) || !flow_match(&r->net, &peer))
			continue;
		roll = sv_rule_roll(s, i, t, now, &called, &faulted);
		if (roll < 0)
			continue;
		if (roll) {
			hit = i;
			if (r->flags & MB_F_LATENCY)
				delay = delay_of(r, st);
			if ((r->flags & MB_F_BANDWIDTH) && peer.proto == IPPROTO_TCP) {
				/* The kernel's unit is bytes per second too. */
				unsigned long rate = (unsigned long)r->net.bandwidth_bps;

				setsockopt(sock, SOL_SOCKET, SO_MAX_PACING_RATE, &rate,
					   sizeof(rate));
			}
		}
		break;
	}
	close(sock);
	if (!called)
		return 1;
	return sv_answer_decided(s, req, t, called, faulted, hit, delay, &p, now);
}
