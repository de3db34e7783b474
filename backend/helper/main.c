/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mb-helper: installed setuid root, run by the agent over a socketpair on
 * fd 3. It registers the process that started it, and nothing else: the
 * caller's identity comes from SO_PEERCRED, a pidfd of the caller and the
 * kernel's own account of the process behind it, never from a message,
 * the environment or argv. Every byte it reads is treated as hostile.
 * The pidfd holds the identity for the whole registration: the pid number
 * is only a key, checked again through the pidfd after each write.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "engines/net.h"
#include "engines/sock_tag.h"
#include "engines/netlog.h"
#include "engines/probe.h"
#include "engines/seccomp/supervise.h"
#include "engines/syscall_bpf.h"
#include "helper/validate.h"
#include "helper/identify.h"
#include "lib/json_log.h"
#include "minderbinder/wire.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "registry/quota.h"
#include "lib/register_self.h"
#include "registry/registry.h"
#include "lib/seccomp_filter.h"
#include "lib/spec_parse.h"

#define SOCK MB_HELPER_FD
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* The caller's real ids, recorded before we make all our ids root: every
 * child that runs with the caller's identity drops to these. */
static uid_t caller_uid;
static gid_t caller_gid;

struct request {
	struct mb_register_msg msg;
	struct ucred peer;       /* peer.pid: in our pid namespace (for /proc) */
	int pidfd;               /* the caller, whatever its number becomes */
	struct mb_identity id;   /* the caller as the kernel told it at the start */
	__u32 key;               /* its tgid in the initial pid namespace */
	__u64 proc_start_ticks;  /* its /proc start time (the supervisor's view) */
	struct mb_identity_reader reader;
	struct mb_target target;
	__u32 engines[MB_MAX_RULES];
};

static void reply_plan(int status, const struct request *rq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_plan(int status, const struct request *rq, const char *fmt, ...)
{
	struct mb_plan_msg m;
	va_list ap;

	memset(&m, 0, sizeof(m));
	m.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_PLAN };
	m.status = status;
	if (rq && (!status || status == MB_PLAN_INHERITED)) {
		m.n_rules = rq->msg.spec.n_rules;
		memcpy(m.engines, rq->engines, sizeof(m.engines));
		m.key = rq->key;
	}
	va_start(ap, fmt);
	vsnprintf(m.msg, sizeof(m.msg), fmt, ap);
	va_end(ap);
	send(SOCK, &m, sizeof(m), MSG_NOSIGNAL);
}

static void reply_done(int status, pid_t supervisor, const char *msg)
{
	struct mb_done_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_DONE };
	m.status = status;
	m.supervisor_pid = (__u32)supervisor;
	snprintf(m.msg, sizeof(m.msg), "%s", msg);
	send(SOCK, &m, sizeof(m), MSG_NOSIGNAL);
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

/* The caller controls our environment, descriptors and signal state. */
static int sanitise(void)
{
	sigset_t all;
	int fd, type = 0, domain = 0;
	socklen_t len = sizeof(type);

	clearenv();
	umask(077);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The terminal sends these to the caller's process group with no
	 * permission check: a stopped helper holding the registry lock would
	 * stop every other registration. (A kill() from the caller is
	 * refused once our ids are all root; SIGCONT, which the session may
	 * always send, only resumes us; SIGHUP or SIGINT end us, and the
	 * lock with us.) */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	if (getsockopt(SOCK, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET)
		return -ENOTSOCK;
	len = sizeof(domain);
	if (getsockopt(SOCK, SOL_SOCKET, SO_DOMAIN, &domain, &len) || domain != AF_UNIX)
		return -ENOTSOCK;
	close_range(SOCK + 1, ~0U, 0);
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			return -EBADF;
	}
	return 0;
}

/* A pidfd of the peer: SO_PEERPIDFD (6.5+), else one of our parent, which
 * is the peer only while the parent's pid is the peer's (checked after). */
static int peer_pidfd(const struct request *rq)
{
	socklen_t len = sizeof(int);
	int fd = -1;

	if (!getsockopt(SOCK, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) && fd >= 0)
		return fd;
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
static int reverify(struct request *rq, struct mb_registry *reg, const char *when, int done)
{
	struct mb_identity now;
	const char *why = "";
	char msg[256];
	int err;

	err = mb_identity_read(&rq->reader, rq->pidfd, &now, &why);
	if (!err && !mb_identity_same(&now, &rq->id)) {
		err = -EPERM;
		why = now.tgid != rq->id.tgid || now.start_boottime != rq->id.start_boottime
			      ? "it is another process now"
			      : "its ids or capabilities changed (a set-uid or file-capability exec?)";
	}
	if (!err)
		return 0;
	mb_registry_remove_if(reg, rq->key, rq->target.start_ticks);
	snprintf(msg, sizeof(msg), "mb-helper refuses pid %d %s: %s", (int)rq->peer.pid, when, why);
	if (done)
		reply_done(err, 0, msg);
	else
		reply_plan(err, NULL, "%s", msg);
	return err;
}

static int identify(struct request *rq)
{
	socklen_t len = sizeof(rq->peer);
	const char *why = "";
	int err, i;

	if (getsockopt(SOCK, SOL_SOCKET, SO_PEERCRED, &rq->peer, &len))
		return -errno;
	if (rq->peer.pid != getppid()) {
		reply_plan(-EPERM, NULL,
			   "mb-helper registers only the process that started it (peer %d, parent %d)",
			   (int)rq->peer.pid, (int)getppid());
		return -EPERM;
	}
	if (rq->peer.uid != caller_uid) {
		reply_plan(-EPERM, NULL, "mb-helper refuses to act for another uid (%u != %u)",
			   (unsigned)rq->peer.uid, (unsigned)caller_uid);
		return -EPERM;
	}
	rq->pidfd = peer_pidfd(rq);
	if (rq->pidfd < 0) {
		reply_plan(rq->pidfd, NULL, "mb-helper cannot take a pidfd of pid %d: %s",
			   (int)rq->peer.pid, strerror(-rq->pidfd));
		return rq->pidfd;
	}
	err = mb_identity_open(&rq->reader);
	if (!err)
		err = mb_identity_read(&rq->reader, rq->pidfd, &rq->id, &why);
	if (err == -EOPNOTSUPP) {
		/* Without it the only key would be a number relative to the
		 * caller's pid namespace, which the BPF programs do not use. */
		reply_plan(err, NULL,
			   "mb-helper needs a kernel that binds BPF task iterators to a pidfd (6.1+) "
			   "to know pid %d's global pid", (int)rq->peer.pid);
		return err;
	}
	if (!err)
		err = mb_proc_start_ticks(rq->peer.pid, &rq->proc_start_ticks);
	if (err) {
		reply_plan(err, NULL, "mb-helper cannot identify pid %d: %s%s%s", (int)rq->peer.pid,
			   strerror(-err), *why ? ": " : "", why);
		return err;
	}
	/* A caller that changed identity (a set-uid exec) since it made the
	 * socket is not the caller any more; one with capabilities would get
	 * no fault from the BPF programs' use-time checks. */
	for (i = 0; i < MB_ID_COUNT; i++) {
		if (rq->id.uid[i] != rq->peer.uid || rq->id.gid[i] != rq->id.gid[0]) {
			reply_plan(-EPERM, NULL,
				   "mb-helper refuses a process whose user or group ids differ (set-uid or set-gid)");
			return -EPERM;
		}
	}
	if (rq->peer.uid != 0 && rq->id.cap_effective && rq->id.userns_level == 0) {
		reply_plan(-EPERM, NULL,
			   "mb-helper refuses a process with effective capabilities (%#llx) run by uid %u",
			   (unsigned long long)rq->id.cap_effective, (unsigned)rq->peer.uid);
		return -EPERM;
	}
	/* Read after the identity: if the parent had gone and its pid been
	 * reused, we would have been re-parented by now. */
	if (rq->peer.pid != getppid()) {
		reply_plan(-ESRCH, NULL, "mb-helper: the calling process went away");
		return -ESRCH;
	}
	rq->key = rq->id.tgid;
	rq->target.start_ticks = rq->id.start_boottime / MB_NSEC_PER_TICK;
	if (rq->msg.flags & MB_REG_NET_UPDATE) {
		/* A thread-scoped rule names a tid as the caller sees it; the
		 * BPF programs see the global one. The kernel translates, and
		 * says whether it is the caller's thread at all. */
		for (i = 0; i < (int)rq->msg.spec.n_rules; i++) {
			__u32 tid = 0;

			if (rq->msg.tids[i] == 0)
				continue;
			err = rq->msg.tids[i] < 0 ? -ESRCH
						  : mb_identity_thread(&rq->reader, rq->pidfd,
								       (__u32)rq->msg.tids[i], &tid);
			if (err) {
				reply_plan(err, NULL, "mb-helper: tid %d is not a thread of the caller",
					   (int)rq->msg.tids[i]);
				return err;
			}
			rq->msg.tids[i] = (__s32)tid;
		}
	}
	if (rq->msg.interfaces[0]) {
		char list[MB_IFACES_MAX], *name, *save = NULL;
		int n = 0;

		memcpy(list, rq->msg.interfaces, sizeof(list));
		for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			unsigned idx = if_nametoindex(name);

			if (!idx || n == MB_MAX_TARGET_IFACES) {
				reply_plan(-EINVAL, NULL,
					   "MINDERBINDER_INTERFACES: %s '%s' (at most %d)",
					   idx ? "too many interfaces at" : "no interface", name,
					   MB_MAX_TARGET_IFACES);
				return -EINVAL;
			}
			rq->target.ifindex[n++] = idx;
		}
	}
	if (mb_proc_cgroup_id(rq->peer.pid, &rq->target.cgroup_id))
		rq->target.cgroup_id = 0; /* no cgroup v2 here: nothing to record */
	rq->target.uid = rq->peer.uid;
	rq->target.scope = rq->msg.scope;
	rq->target.n_rules = rq->msg.spec.n_rules;
	rq->target.gate_ip = rq->msg.gate_ip;
	return 0;
}

static int read_request(struct request *rq)
{
	struct mb_error err;
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
	ret = mb_register_msg_check(&rq->msg, (size_t)n, &err);
	if (ret)
		reply_plan(ret, NULL, "%s", err.msg);
	return ret;
}

static const char *const wish_names[] = { "auto", "seccomp", "kprobe", "fmod_ret" };

/*
 * The BPF syscall engines this registration may use, best first: the one
 * MINDERBINDER_ENGINE forces (an error when the kernel lacks it), or for
 * auto whichever of fmod_ret and kprobe the kernel has.
 */
static int bpf_candidates(const struct request *rq, enum mb_engine out[2])
{
	char why[256];
	int n = 0;

	memset(out, 0, 2 * sizeof(out[0]));
	switch (rq->msg.wish) {
	case MB_WISH_KPROBE:
	case MB_WISH_FMOD_RET:
		out[0] = rq->msg.wish == MB_WISH_KPROBE ? MB_ENGINE_KPROBE : MB_ENGINE_FMOD_RET;
		/* The cached answer first: a probe attaches an fmod_ret link,
		 * and 200 registrations at once would hit the trampoline's
		 * link limit. The probe again only to say why not. */
		if (!mb_engine_available(out[0]) && mb_engine_probe(out[0], why, sizeof(why)) != 1) {
			reply_plan(-EOPNOTSUPP, NULL, "MINDERBINDER_ENGINE=%s: this kernel lacks it: %s",
				   wish_names[rq->msg.wish], why);
			return -EOPNOTSUPP;
		}
		return 1;
	case MB_WISH_AUTO:
		if (mb_engine_available(MB_ENGINE_FMOD_RET))
			out[n++] = MB_ENGINE_FMOD_RET;
		if (mb_engine_available(MB_ENGINE_KPROBE))
			out[n++] = MB_ENGINE_KPROBE;
		return n;
	default:
		return 0;
	}
}

/* The first candidate that can express rule i and is attached to its
 * syscall; MB_ENGINE_NONE when seccomp must serve it. A forced engine that
 * can express the rule but cannot attach is an error. */
static int bpf_engine_for(const struct request *rq, __u32 i, const enum mb_engine *cand,
			  int n, enum mb_engine *out)
{
	const struct mb_rule *r = &rq->msg.spec.rules[i];
	char why[256];
	int k, err;

	*out = MB_ENGINE_NONE;
	for (k = 0; k < n; k++) {
		if (!mb_sysbpf_can_express(cand[k], r, why, sizeof(why)))
			continue;
		err = mb_sysbpf_attach(cand[k], r->sys.nr, why, sizeof(why));
		if (!err) {
			*out = cand[k];
			return 0;
		}
		if (rq->msg.wish != MB_WISH_AUTO) {
			reply_plan(err, NULL, "MINDERBINDER_ENGINE=%s: rule %u (%s): %s",
				   wish_names[rq->msg.wish], i + 1,
				   mb_syscall_name(rq->msg.spec.arch, r->sys.nr), why);
			return err;
		}
	}
	return 0;
}

static int plan(struct request *rq)
{
	enum mb_engine cand[2], bpf;
	char why[256];
	int n, err;
	__u32 i;

	if (mb_engine_probe(MB_ENGINE_SECCOMP_NOTIF, why, sizeof(why)) != 1) {
		reply_plan(-EOPNOTSUPP, NULL, "seccomp engine unavailable: %s", why);
		return -EOPNOTSUPP;
	}
	n = bpf_candidates(rq, cand);
	if (n < 0)
		return n;
	for (i = 0; i < rq->msg.spec.n_rules; i++) {
		const struct mb_rule *r = &rq->msg.spec.rules[i];

		if ((rq->msg.flags & MB_REG_API) &&
		    (r->kind == MB_RULE_NET) != !!(rq->msg.flags & MB_REG_NET_UPDATE)) {
			reply_plan(-EINVAL, NULL,
				   "mb-helper: the C API sends network rules, and only those, as an update");
			return -EINVAL;
		}
		if (r->kind == MB_RULE_NET) {
			rq->engines[i] = r->net.action == MB_NET_DROP ? MB_ENGINE_TC
								       : MB_ENGINE_CGROUP;
			continue;
		}
		if (rq->msg.flags & MB_REG_API) {
			/* The C API turns rules off again: only the supervisor can. */
			rq->engines[i] = MB_ENGINE_SECCOMP_NOTIF;
			continue;
		}
		if (rq->msg.log_path[0]) {
			/* MINDERBINDER_LOG: a fault decided in the filter (or
			 * in BPF) is never seen; the supervisor decides, and
			 * logs, each. */
			rq->engines[i] = MB_ENGINE_SECCOMP_NOTIF;
			continue;
		}
		err = bpf_engine_for(rq, i, cand, n, &bpf);
		if (err)
			return err;
		rq->engines[i] = bpf ? bpf
				     : mb_seccomp_engine_for(r, (enum mb_scope)rq->msg.scope);
	}
	return 0;
}

static int has_bpf_syscall_rules(const struct request *rq)
{
	__u32 i;

	for (i = 0; i < rq->msg.spec.n_rules; i++)
		if (rq->engines[i] == MB_ENGINE_KPROBE || rq->engines[i] == MB_ENGINE_FMOD_RET)
			return 1;
	return 0;
}

static int has_net(const struct request *rq)
{
	__u32 i;

	for (i = 0; i < rq->msg.spec.n_rules; i++)
		if (rq->msg.spec.rules[i].kind == MB_RULE_NET)
			return 1;
	return 0;
}

/* Drop rules reach the sockets the caller held before it asked (a pool,
 * a C API test's client). A kernel that cannot is no reason to refuse:
 * one warning, on the caller's stderr. */
static void tag_held_sockets(const struct request *rq)
{
	struct mb_error e;

	if (mb_sock_tag_held(&rq->msg.spec, rq->key, rq->pidfd, &e))
		fprintf(stderr, "minderbinder: warning: %s\n", e.msg);
}

static int drop_privileges(void)
{
	uid_t uid = caller_uid;
	gid_t gid = caller_gid;

	if (geteuid() == 0 && setgroups(0, NULL))
		return -errno;
	if (setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	if (uid != 0 && !setuid(0))
		return -EPERM; /* we could get root back: refuse to go on */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	/* The target's user must not ptrace us and reach the map fd. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

/* How long the helper waits for anything of its own (a child, the lock):
 * less than the agent waits for it, so that the agent hears why. */
static int wait_ms(const struct request *rq)
{
	__u32 ms = rq->msg.timeout_ms ? rq->msg.timeout_ms : MB_REGISTRY_LOCK_WAIT_MS + 1000;

	return (int)(ms > 2000 ? ms - 1000 : ms / 2);
}

/* Reaps child pid within ms, or kills it: 0, or -ETIMEDOUT. */
static int wait_child(pid_t pid, int ms, int *status)
{
	struct pollfd p = { .fd = (int)syscall(SYS_pidfd_open, pid, 0), .events = POLLIN };
	int r = 1, err = 0;

	if (p.fd >= 0) {
		do
			r = poll(&p, 1, ms);
		while (r < 0 && errno == EINTR);
		close(p.fd);
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		err = -ETIMEDOUT;
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return err;
}

/*
 * MINDERBINDER_LOG must be a regular file the caller can write, or
 * registration fails now, before the filter goes in: a child with our
 * privileges dropped (the supervisor's identity) opens it, creating it if
 * need be, and tells us the errno in its exit status. The supervisor
 * opens it again. Never waited on for longer than wait_ms: the path is
 * the caller's to choose (a FIFO, a FUSE mount).
 */
static int check_log(const struct request *rq)
{
	int status = 0, err;
	pid_t pid;

	if (!rq->msg.log_path[0])
		return 0;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		reply_plan(err, NULL, "MINDERBINDER_LOG: cannot check %s: %s",
			   rq->msg.log_path, strerror(-err));
		return err;
	}
	if (pid == 0) {
		int fd;

		close(SOCK);
		if (drop_privileges())
			_exit(EPERM);
		fd = mb_log_open(rq->msg.log_path);
		_exit(fd >= 0 ? 0 : -fd < 256 ? -fd : EIO);
	}
	err = wait_child(pid, wait_ms(rq), &status);
	if (err) {
		reply_plan(err, NULL, "MINDERBINDER_LOG: opening %s took more than %d ms",
			   rq->msg.log_path, wait_ms(rq));
		return err;
	}
	err = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
	if (!err)
		return 0;
	if (err == ESPIPE)
		reply_plan(-err, NULL,
			   "MINDERBINDER_LOG: %s is not a regular file (a FIFO, device or socket "
			   "is refused)", rq->msg.log_path);
	else
		reply_plan(-err, NULL, "MINDERBINDER_LOG: cannot open %s: %s", rq->msg.log_path,
			   strerror(err));
	return -err;
}

/* INSTALLED, which the agent sends as soon as its filter is in: within
 * ms, or -ETIMEDOUT. */
static int recv_installed(struct mb_installed_msg *m, int *fd, int *control, int ms)
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

static pid_t start_supervisor(struct request *rq, struct mb_registry *reg, int listener,
			      int control)
{
	struct mb_supervisor_args args = {
		.listener_fd = listener,
		.control_fd = control,
		.counters_fd = reg->counters_fd,
		.tgid = rq->peer.pid,
		.start_ticks = rq->proc_start_ticks,
		.reg_tgid = rq->key,
		.reg_start_ticks = rq->target.start_ticks,
		.scope = (enum mb_scope)rq->msg.scope,
		.spec = &rq->msg.spec,
		.engines = rq->engines,
		.log_path = rq->msg.log_path[0] ? rq->msg.log_path : NULL,
	};
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* Its own session: a Ctrl-C meant for the target must not kill the
	 * supervisor first and leave the target's calls failing with ENOSYS. */
	setsid();
	close(SOCK);
	close(rq->pidfd);
	mb_identity_close(&rq->reader);
	close(reg->targets_fd);
	close(reg->rules_fd);
	if (drop_privileges())
		_exit(1);
	_exit(mb_supervise(&args) ? 1 : 0);
}

/*
 * MINDERBINDER_LOG with network rules: the caller's ring goes in before it
 * hears PLAN (no fault can come earlier), and a logger, with the
 * supervisor's identity, writes its events until the caller exits.
 */
static int start_netlog(struct request *rq, struct mb_registry *reg)
{
	struct mb_netlog_args args = {
		.log_path = rq->msg.log_path,
		.spec = &rq->msg.spec,
	};
	pid_t pid;
	int err;

	args.pidfd = fcntl(rq->pidfd, F_DUPFD_CLOEXEC, 0);
	if (args.pidfd < 0)
		return -errno;
	args.tgid = rq->key;
	args.ring_fd = mb_netlog_ring(args.tgid, &args.rings_fd);
	if (args.ring_fd < 0) {
		close(args.pidfd);
		return args.ring_fd;
	}
	pid = fork();
	if (pid == 0) {
		int fd;

		setsid();
		close(SOCK);
		close(rq->pidfd);
		mb_identity_close(&rq->reader);
		mb_registry_close(reg);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (drop_privileges())
			_exit(1);
		_exit(mb_netlog_run(&args) ? 1 : 0);
	}
	err = pid < 0 ? -errno : 0;
	close(args.ring_fd);
	close(args.rings_fd);
	close(args.pidfd);
	return err;
}

/*
 * A child of a tree target is a target already: the kernel's fork hook
 * copied the entry, and the filter came with the fork. Its agent cannot
 * tell once the registrant has gone (the mark then names no ancestor) and
 * asks us: the caller's own live entry, made by the fork hook (parent
 * set) for this very process and user, with the rules it asks for, says
 * so; registering again would stack a second filter. Network rules are
 * attached per network namespace: attached here too, the caller may have
 * moved. MB_PLAN_INHERITED when it is, 0 when it is not, else -errno
 * (answered).
 */
static int inherited(struct request *rq, struct mb_registry *reg)
{
	struct mb_rule_key key = { .tgid = rq->key };
	struct mb_rule_entry e;
	struct mb_target t;

	if (rq->msg.flags & MB_REG_API)
		return 0;
	if (mb_registry_lookup(reg, key.tgid, rq->target.start_ticks, &t) || !t.parent ||
	    t.uid != rq->peer.uid || t.scope != rq->msg.scope || t.n_rules != rq->msg.spec.n_rules)
		return 0;
	for (key.idx = 0; key.idx < t.n_rules; key.idx++) {
		if (bpf_map_lookup_elem(reg->rules_fd, &key, &e) ||
		    e.start_ticks != t.start_ticks ||
		    memcmp(&e.rule, &rq->msg.spec.rules[key.idx], sizeof(e.rule)))
			return 0;
		rq->engines[key.idx] = e.engine;
	}
	if (has_net(rq)) {
		struct mb_net_error ne;
		int err = mb_net_attach(rq->msg.interfaces, &ne);

		if (err) {
			reply_plan(err, NULL, "%s", ne.msg);
			return err;
		}
	}
	reply_plan(MB_PLAN_INHERITED, rq, "a target already, forked from %u", t.parent);
	return MB_PLAN_INHERITED;
}

int main(int argc, char **argv)
{
	struct mb_installed_msg inst;
	struct mb_registry reg = { -1, -1, -1 };
	struct mb_error qerr;
	struct request *rq;
	struct timespec now;
	pid_t sup = 0;
	int err, listener = -1, control = -1;

	if (argc != 2 || strcmp(argv[1], "--agent")) {
		fprintf(stderr,
			"mb-helper: run by libmbpreload.so and `minderbinder run`, not by hand\n");
		return 2;
	}
	err = sanitise();
	if (err)
		return 2;
	/* All our ids root from here on (set-uid leaves the real uid the
	 * caller's, which lets the caller SIGSTOP us while we hold the
	 * registry lock); the caller's are kept for the children that drop. */
	caller_uid = getuid();
	caller_gid = getgid();
	if (geteuid() == 0 && setresuid(0, 0, 0))
		return 2;
	rq = calloc(1, sizeof(*rq));
	if (!rq)
		return 1;
	rq->pidfd = -1;
	rq->reader.prog_fd = -1;
	err = read_request(rq);
	if (!err)
		err = identify(rq);
	if (err)
		return 1;
	mb_registry_lock_wait(wait_ms(rq));
	/* Opened first: planning a BPF engine attaches it, under our pins. */
	err = mb_registry_open(&reg);
	if (err == -ETIMEDOUT) {
		char why[MB_WIRE_MSG_MAX];

		mb_registry_lock_why(err, why, sizeof(why));
		reply_plan(err, NULL, "mb-helper: %s", why);
		return 1;
	}
	if (err) {
		reply_plan(err, NULL,
			   "mb-helper failed to open the BPF registry: %s%s", strerror(-err),
			   err == -EPERM ? " (is mb-helper installed setuid root?)" : "");
		return 1;
	}
	err = mb_quota_configure(&qerr);
	if (err) {
		reply_plan(err, NULL, "%s", qerr.msg);
		mb_registry_close(&reg);
		return 1;
	}
	err = inherited(rq, &reg);
	if (err) {
		mb_registry_close(&reg);
		return err == MB_PLAN_INHERITED ? 0 : 1;
	}
	err = plan(rq);
	if (!err)
		err = check_log(rq);
	if (err) {
		mb_registry_close(&reg);
		return 1;
	}
	clock_gettime(CLOCK_BOOTTIME, &now);
	rq->target.registered_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	if (rq->msg.flags & MB_REG_NET_UPDATE) {
		struct mb_target old;

		/* Keep the C API session's supervisor on record. */
		if (!mb_registry_lookup(&reg, rq->key, rq->target.start_ticks, &old)) {
			rq->target.supervisor = old.supervisor;
			rq->target.registered_ns = old.registered_ns;
		}
	}
	err = mb_registry_add(&reg, rq->key, &rq->target, &rq->msg.spec,
			      rq->engines, (rq->msg.flags & MB_REG_NET_UPDATE) ? rq->msg.tids : NULL);
	if (err) {
		mb_quota_add_error(err, rq->target.uid, rq->target.n_rules, (int)rq->peer.pid,
				   qerr.msg, sizeof(qerr.msg));
		reply_plan(err, NULL, "%s", qerr.msg);
		return 1;
	}
	/* Filters and qdiscs no live target needs any more go now (best
	 * effort: a failure here is no reason to refuse this caller). */
	mb_net_sweep(reg.targets_fd, reg.rules_fd);
	if (has_net(rq)) {
		struct mb_net_error ne;

		err = mb_net_attach(rq->msg.interfaces, &ne);
		if (err) {
			mb_registry_remove_if(&reg, rq->key, rq->target.start_ticks);
			reply_plan(err, NULL, "%s", ne.msg);
			return 1;
		}
		tag_held_sockets(rq);
		if (rq->msg.log_path[0]) {
			err = start_netlog(rq, &reg);
			if (err) {
				mb_registry_remove_if(&reg, rq->key, rq->target.start_ticks);
				reply_plan(err, NULL, "MINDERBINDER_LOG: cannot log network faults: %s",
					   strerror(-err));
				return 1;
			}
		}
	}
	/* The entry is in: is it still the caller's? (It may have exited and
	 * its pid gone to another process, or exec'd a set-uid program, while
	 * we were stopped.) */
	if (reverify(rq, &reg, "after writing its entry", 0))
		return 1;
	reply_plan(0, rq, "ok");

	err = recv_installed(&inst, &listener, &control, wait_ms(rq));
	if (err || inst.status) {
		/* The agent could not install its filter: forget it. */
		mb_registry_remove_if(&reg, rq->key, rq->target.start_ticks);
		if (err == -ETIMEDOUT)
			reply_done(err, 0, "mb-helper: no INSTALLED message in time");
		else if (err)
			reply_done(err, 0, "mb-helper: bad INSTALLED message");
		return 1;
	}
	if (reverify(rq, &reg, "before arming", 1))
		return 1;
	if (has_bpf_syscall_rules(rq)) {
		/* From here on the agent calls only through its gate. */
		rq->target.flags |= MB_TARGET_ARMED;
		err = mb_registry_update(&reg, rq->key, &rq->target);
		if (err) {
			mb_registry_remove_if(&reg, rq->key, rq->target.start_ticks);
			reply_done(err, 0, "mb-helper failed to arm the BPF syscall engine");
			return 1;
		}
	}
	if (inst.has_listener || inst.has_control) {
		sup = start_supervisor(rq, &reg, listener, control);
		if (sup < 0) {
			err = -errno;
			mb_registry_remove_if(&reg, rq->key, rq->target.start_ticks);
			reply_done(err, 0, "mb-helper failed to start the supervisor");
			return 1;
		}
		if (listener >= 0)
			close(listener);
		if (control >= 0)
			close(control);
		rq->target.supervisor = (__u32)sup;
		mb_registry_update(&reg, rq->key, &rq->target);
		/* The supervisor runs: the caller must still be who it was. */
		if (reverify(rq, &reg, "after starting its supervisor", 1))
			return 1;
	}
	reply_done(0, sup, "ok");
	mb_registry_close(&reg);
	mb_identity_close(&rq->reader);
	close(rq->pidfd);
	free(rq);
	return 0;
}
