/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every byte the caller sends is hostile, and who it is comes from the
 * kernel (SO_PEERCRED, a pidfd, a task iterator), never from a message.
 * The pidfd holds the identity for the whole registration: the pid number
 * is only a key, checked again through the pidfd after each write.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/request.h"
#include "helper/sanitise.h"
#include "helper/validate.h"
#include "lib/proc_info.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

struct request *mb_request_new(void)
{
	struct request *rq = calloc(1, sizeof(*rq));

	if (rq) {
		rq->pidfd = -1;
		rq->reader.prog_fd = -1;
	}
	return rq;
}

void mb_request_free(struct request *rq)
{
	if (!rq)
		return;
	mb_identity_close(&rq->reader);
	if (rq->pidfd >= 0)
		close(rq->pidfd);
	free(rq);
}

int mb_request_wait_ms(const struct request *rq)
{
	__u32 ms = rq->msg.timeout_ms ? rq->msg.timeout_ms : MB_REGISTRY_LOCK_WAIT_MS + 1000;

	return (int)(ms > 2000 ? ms - 1000 : ms / 2);
}

/*
 * Whether the caller's next message came within ms: 0 or -ETIMEDOUT. A
 * caller that says nothing must not keep us (a root process, which its
 * RLIMIT_NPROC no longer counts) alive for ever.
 */
static int readable(int ms)
{
	struct pollfd p = { .fd = SOCK, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r < 0 ? -errno : -ETIMEDOUT;
}

int mb_request_read(struct request *rq, struct mb_error *err)
{
	ssize_t n;
	int ret;

	/* The agent sends it at once; its own timeout is not known yet. */
	ret = readable(MB_REGISTRY_LOCK_WAIT_MS);
	if (ret)
		return ret;
	do
		n = recv(SOCK, &rq->msg, sizeof(rq->msg), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return mb_register_msg_check(&rq->msg, (size_t)n, err);
}

/* A pidfd of the peer: SO_PEERPIDFD (6.5+), else one of our parent, which
 * is the peer only while the parent's pid is the peer's (checked after). */
static int peer_pidfd(const struct request *rq)
{
	socklen_t len = sizeof(int);
	int fd = -1;

	if (!getsockopt(SOCK, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) && fd >= 0)
		return fd;
	/* The daemon's peer is no relative whose pid we could check. */
	if (rq->policy)
		return -EOPNOTSUPP;
	fd = (int)syscall(SYS_pidfd_open, rq->peer.pid, 0);
	return fd < 0 ? -errno : fd;
}

/*
 * Reads the caller's identity through its pidfd again and compares it
 * with the one it registered with: alive, the same process (tgid, start
 * time), the same real, effective, saved and filesystem ids and the same
 * capabilities (an exec that raised privilege changes them). Called after
 * every write that the caller's identity justifies.
 */
int mb_request_reverify(struct request *rq, const char *when, struct mb_error *err)
{
	struct mb_identity now;
	const char *why = "";
	int ret;

	ret = mb_identity_read(&rq->reader, rq->pidfd, &now, &why);
	if (!ret && !mb_identity_same(&now, &rq->id)) {
		ret = -EPERM;
		why = now.tgid != rq->id.tgid || now.start_boottime != rq->id.start_boottime
			      ? "it is another process now"
			      : "its ids or capabilities changed (a set-uid or file-capability exec?)";
	}
	if (ret)
		mb_error_set(err, "mb-helper refuses pid %d %s: %s", (int)rq->peer.pid, when, why);
	return ret;
}

/* A thread-scoped rule names a tid as the caller sees it; the BPF
 * programs see the global one. The kernel translates, and says whether it
 * is the caller's thread at all. */
static int translate_tids(struct request *rq, struct mb_error *err)
{
	int i, ret;

	for (i = 0; i < (int)rq->msg.spec.n_rules; i++) {
		__u32 tid = 0;

		if (rq->msg.tids[i] == 0)
			continue;
		ret = rq->msg.tids[i] < 0 ? -ESRCH
					  : mb_identity_thread(&rq->reader, rq->pidfd,
							       (__u32)rq->msg.tids[i], &tid);
		if (ret) {
			mb_error_set(err, "mb-helper: tid %d is not a thread of the caller",
				     (int)rq->msg.tids[i]);
			return ret;
		}
		rq->msg.tids[i] = (__s32)tid;
	}
	return 0;
}

static int read_interfaces(struct request *rq, struct mb_error *err)
{
	char list[MB_IFACES_MAX], *name, *save = NULL;
	int n = 0;

	memcpy(list, rq->msg.interfaces, sizeof(list));
	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		unsigned idx = if_nametoindex(name);

		if (!idx || n == MB_MAX_TARGET_IFACES) {
			mb_error_set(err, "MINDERBINDER_INTERFACES: %s '%s' (at most %d)",
				     idx ? "too many interfaces at" : "no interface", name,
				     MB_MAX_TARGET_IFACES);
			return -EINVAL;
		}
		rq->target.ifindex[n++] = idx;
	}
	return 0;
}

int mb_request_ids_check(const struct mb_identity *id, uid_t uid, struct mb_error *err)
{
	int i;

	/* A caller that changed identity (a set-uid exec) since it made the
	 * socket is not the caller any more; one with capabilities would get
	 * no fault from the BPF programs' use-time checks. */
	for (i = 0; i < MB_ID_COUNT; i++) {
		if (id->uid[i] != uid || id->gid[i] != id->gid[0]) {
			mb_error_set(err,
				     "mb-helper refuses a process whose user or group ids differ (set-uid or set-gid)");
			return -EPERM;
		}
	}
	if (uid != 0 && id->cap_effective && id->userns_level == 0) {
		mb_error_set(err,
			     "mb-helper refuses a process with effective capabilities (%#llx) run by uid %u",
			     (unsigned long long)id->cap_effective, (unsigned)uid);
		return -EPERM;
	}
	return 0;
}

/*
 * The daemon's caller: what its policy asks of it, read from /proc by a
 * number that is the caller's only while the caller lives (checked after,
 * through the pidfd); then the daemon works in the caller's network
 * namespace, where its interfaces and its network rules' filters are.
 */
static int daemon_peer(struct request *rq, struct mb_error *err)
{
	struct mb_policy_caller c = { .uid = rq->peer.uid };
	char cgroup[MB_POLICY_CGROUP_MAX * 2] = "";
	__u64 ours = 0, theirs = 0;
	int ret;

	ret = mb_proc_cgroup_path(rq->peer.pid, cgroup, sizeof(cgroup));
	if (ret && ret != -ENOENT) {
		mb_error_set(err, "mb-helper cannot read pid %d's cgroup: %s", (int)rq->peer.pid,
			     strerror(-ret));
		return ret;
	}
	c.cgroup = cgroup;
	c.nested_userns = rq->id.userns_level > 0;
	ret = mb_proc_ns(rq->peer.pid, "user", &c.userns);
	if (!ret)
		ret = mb_proc_ns(0, "net", &ours);
	if (!ret)
		ret = mb_proc_ns(rq->peer.pid, "net", &theirs);
	if (ret) {
		mb_error_set(err, "mb-helper cannot read pid %d's namespaces: %s",
			     (int)rq->peer.pid, strerror(-ret));
		return ret;
	}
	rq->host_netns = ours == theirs;
	if (rq->msg.log_path[0]) {
		ret = mb_proc_ns(0, "mnt", &ours);
		if (!ret)
			ret = mb_proc_ns(rq->peer.pid, "mnt", &theirs);
		if (!ret && ours != theirs) {
			mb_error_set(err, "MINDERBINDER_LOG: the daemon cannot open %s in the caller's "
				     "mount namespace (a container's files are not the daemon's); "
				     "leave it unset, or use the set-uid helper", rq->msg.log_path);
			return -EPERM;
		}
	}
	ret = mb_request_reverify(rq, "while reading its cgroup and namespaces", err);
	if (!ret)
		ret = mb_policy_check(rq->policy, &c, err);
	if (ret)
		return ret;
	if (!rq->host_netns && setns(rq->pidfd, CLONE_NEWNET)) {
		ret = -errno;
		mb_error_set(err, "mb-helper cannot enter pid %d's network namespace: %s",
			     (int)rq->peer.pid, strerror(-ret));
	}
	return ret;
}

int mb_request_policy_net(const struct request *rq, struct mb_error *err)
{
	int i;

	if (!rq->policy || !rq->host_netns)
		return 0;
	for (i = 0; i < (int)rq->msg.spec.n_rules; i++)
		if (rq->engines[i] == MB_ENGINE_TC)
			return mb_policy_check_host_ifaces(rq->policy, err);
	return 0;
}

/* The caller as the kernel knows it, and whether it may register. */
static int identify_peer(struct request *rq, struct mb_error *err)
{
	socklen_t len = sizeof(rq->peer);
	const char *why = "";
	int ret;

	if (getsockopt(SOCK, SOL_SOCKET, SO_PEERCRED, &rq->peer, &len))
		return -errno;
	if (rq->policy && rq->peer.pid <= 0) {
		mb_error_set(err, "mb-helper: the caller's pid is not visible in the daemon's pid "
			     "namespace (run the daemon in the node's, hostPID)");
		return -ESRCH;
	}
	if (!rq->policy && rq->peer.pid != getppid()) {
		mb_error_set(err,
			     "mb-helper registers only the process that started it (peer %d, parent %d)",
			     (int)rq->peer.pid, (int)getppid());
		return -EPERM;
	}
	if (rq->peer.uid != mb_caller_uid) {
		mb_error_set(err, "mb-helper refuses to act for another uid (%u != %u)",
			     (unsigned)rq->peer.uid, (unsigned)mb_caller_uid);
		return -EPERM;
	}
	rq->pidfd = peer_pidfd(rq);
	if (rq->pidfd < 0) {
		mb_error_set(err, "mb-helper cannot take a pidfd of pid %d: %s", (int)rq->peer.pid,
			     strerror(-rq->pidfd));
		return rq->pidfd;
	}
	ret = mb_identity_open(&rq->reader);
	if (!ret)
		ret = mb_identity_read(&rq->reader, rq->pidfd, &rq->id, &why);
	if (ret == -EOPNOTSUPP) {
		/* Without it the only key would be a number relative to the
		 * caller's pid namespace, which the BPF programs do not use. */
		mb_error_set(err,
			     "mb-helper needs a kernel that binds BPF task iterators to a pidfd (6.1+) "
			     "to know pid %d's global pid", (int)rq->peer.pid);
		return ret;
	}
	if (!ret)
		ret = mb_proc_start_ticks(rq->peer.pid, &rq->proc_start_ticks);
	if (ret) {
		mb_error_set(err, "mb-helper cannot identify pid %d: %s%s%s", (int)rq->peer.pid,
			     strerror(-ret), *why ? ": " : "", why);
		return ret;
	}
	ret = mb_request_ids_check(&rq->id, rq->peer.uid, err);
	if (ret)
		return ret;
	if (rq->policy)
		return daemon_peer(rq, err);
	/* Read after the identity: if the parent had gone and its pid been
	 * reused, we would have been re-parented by now. */
	if (rq->peer.pid != getppid()) {
		mb_error_set(err, "mb-helper: the calling process went away");
		return -ESRCH;
	}
	return 0;
}

int mb_request_identify(struct request *rq, struct mb_error *err)
{
	int ret = identify_peer(rq, err);

	if (ret)
		return ret;
	rq->key = rq->id.tgid;
	rq->target.start_ticks = rq->id.start_boottime / MB_NSEC_PER_TICK;
	if (rq->msg.flags & MB_REG_NET_UPDATE) {
		ret = translate_tids(rq, err);
		if (ret)
			return ret;
	}
	if (rq->msg.interfaces[0]) {
		ret = read_interfaces(rq, err);
		if (ret)
			return ret;
	}
	if (mb_proc_cgroup_id(rq->peer.pid, &rq->target.cgroup_id))
		rq->target.cgroup_id = 0; /* no cgroup v2 here: nothing to record */
	rq->target.uid = rq->peer.uid;
	rq->target.scope = rq->msg.scope;
	rq->target.n_rules = rq->msg.spec.n_rules;
	rq->target.gate_ip = rq->msg.gate_ip;
	return 0;
}

int mb_request_installed(struct mb_installed_msg *m, int *fd, int *control, int ms)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	int fds[2] = { -1, -1 }, nfds = 0, type = 0;
	socklen_t len = sizeof(type);
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	struct mb_error why;
	ssize_t n;

	*fd = *control = -1;
	if (readable(ms))
		return -ETIMEDOUT;
	do
		n = recvmsg(SOCK, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n ? -errno : -ECONNRESET;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (nfds > 2)
			return -EPROTO;
		memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
	}
	if (mb_installed_msg_check(m, (size_t)n, nfds, !!(mh.msg_flags & MSG_CTRUNC), &why))
		return -EPROTO;
	if (m->has_listener)
		*fd = fds[0];
	if (m->has_control) {
		*control = fds[nfds - 1];
		if (getsockopt(*control, SOL_SOCKET, SO_TYPE, &type, &len) ||
		    type != SOCK_SEQPACKET)
			return -EBADF;
	}
	if (m->has_listener) {
		char link[64] = "";
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
		if (*fd < 0 || readlink(path, link, sizeof(link) - 1) < 0 ||
		    strcmp(link, "anon_inode:seccomp notify"))
			return -EBADF;
	}
	return 0;
}
