/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Guests: processes started under a C API session's filter that opt in
 * with rules of their own (the agent, `minderbinder run`). The kernel
 * allows one listener per filter chain and that chain's is ours, so their
 * rules are served here, by the protocol the helper speaks:
 *
 *   guest: close(MB_SECCOMP_HELLO_FD)  routed to our listener: the kernel's
 *                                      word that it runs under our filter
 *   us:    a pidfd of its process while the call is pending, then a
 *          socket to us as the call's result (SECCOMP_ADDFD_FLAG_SEND)
 *   guest -> us       REGISTER, as to the helper
 *   us -> registrar   GUEST_ADD with the pidfd: identity, quota, entry
 *   us -> guest       PLAN; it installs its in-filter rules itself, in a
 *                     layer without a listener (never USER_NOTIF)
 *   guest -> us       INSTALLED: its rules are in force from here
 *   us -> guest       DONE
 *
 * Its supervised rules work only on syscalls the live layer routes to us;
 * others are refused at REGISTER, naming them and the remedy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/seccomp_filter.h"
#include "lib/spec_parse.h"
#include "registry/registry.h"

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif
/* The registrar is root and does map writes only: it answers at once. */
#define REGISTRAR_WAIT_MS 10000

bool sv_is_hello(const struct seccomp_notif *req)
{
	return req->data.nr == SYS_close && req->data.args[0] == MB_SECCOMP_HELLO_FD;
}

static int answer_error(struct supervisor *s, int fd, __u64 id, int err)
{
	struct pending p = { .fd = fd, .id = id, .error = err };

	return sv_send_answer(s, &p);
}

int sv_guest_hello(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	struct seccomp_notif_addfd add = { .id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND,
					   .newfd_flags = O_CLOEXEC };
	struct guest *g = NULL;
	__u64 id = req->id, start;
	pid_t tgid;
	int sv[2], pidfd, i, r;

	if (s->args->registrar_fd < 0)
		return answer_error(s, fd, id, -EOPNOTSUPP);
	if (sv_proc_tgid((pid_t)req->pid, &tgid) || tgid == s->args->tgid ||
	    mb_proc_start_ticks(tgid, &start))
		return answer_error(s, fd, id, -EPERM);
	for (i = 0; i < MAX_GUESTS; i++) {
		struct guest *o = &s->guests[i];

		if (o->state == GUEST_FREE) {
			g = g ? g : o;
			continue;
		}
		if (o->tgid == tgid && o->start_ticks == start)
			return answer_error(s, fd, id, -EALREADY);
	}
	if (!g)
		return answer_error(s, fd, id, -EUSERS);
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return answer_error(s, fd, id, -errno);
	/* Still pending after the pidfd was taken: the thread lived, so the
	 * number was its process's throughout. */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id)) {
		close(pidfd);
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		r = -errno;
		close(pidfd);
		return answer_error(s, fd, id, r);
	}
	add.srcfd = (__u32)sv[1];
	r = ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	r = r < 0 ? -errno : 0;
	close(sv[1]);
	if (r) {
		close(sv[0]);
		close(pidfd);
		return r == -ENOENT ? 0 : answer_error(s, fd, id, r);
	}
	*g = (struct guest){ .state = GUEST_HELLO, .sock = sv[0], .pidfd = pidfd, .tgid = tgid,
			     .start_ticks = start };
	return 0;
}

int sv_guest_pollfds(const struct supervisor *s, struct pollfd *pfd)
{
	int i, n = 0;

	for (i = 0; i < MAX_GUESTS; i++) {
		const struct guest *g = &s->guests[i];

		if (g->state == GUEST_FREE)
			continue;
		pfd[n++] = (struct pollfd){ .fd = g->pidfd, .events = POLLIN };
		if (g->sock >= 0)
			pfd[n++] = (struct pollfd){ .fd = g->sock, .events = POLLIN };
	}
	return n;
}

/* One exchange with the registrar: q out (with the guest's pidfd for
 * ADD), its reply in r. */
static int registrar(struct supervisor *s, struct mb_guest_msg *q, int pidfd,
		     struct mb_guest_reply *r)
{
	struct pollfd p = { .fd = s->args->registrar_fd, .events = POLLIN };
	ssize_t n;
	int ret;

	q->hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, q->hdr.type };
	q->supervisor = (__u32)getpid();
	ret = mb_gate_send_fds(p.fd, q, sizeof(*q), &pidfd, pidfd >= 0);
	if (ret)
		return ret;
	do
		ret = poll(&p, 1, REGISTRAR_WAIT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	n = recv(p.fd, r, sizeof(*r), MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(*r) || r->hdr.magic != MB_WIRE_MAGIC ||
	    r->hdr.version != MB_WIRE_VERSION || r->hdr.type != MB_GUEST_REPLY)
		return -EPROTO;
	r->msg[sizeof(r->msg) - 1] = '\0';
	return 0;
}

static void forget_slots(struct supervisor *s, struct guest *g)
{
	__u32 k;

	for (k = 0; k < g->n_rules; k++) {
		sv_unorder(s, g->slots[k]);
		s->slots[g->slots[k]] = (struct slot){ 0 };
	}
	g->n_rules = 0;
	/* Whose rules a cached thread got may have changed. */
	memset(s->tids, 0, sizeof(s->tids));
}

/* The guest is gone, or gave up before it was live: its slots are free.
 * An entry it never made use of goes too (its exit would remove it, but
 * a guest that gave up may live on). */
static void drop(struct supervisor *s, struct guest *g)
{
	if (g->state == GUEST_PLANNED) {
		struct mb_guest_msg *q = calloc(1, sizeof(*q));
		struct mb_guest_reply r;

		if (q) {
			q->hdr.type = MB_GUEST_REMOVE;
			q->key = g->key;
			q->start_ticks = g->reg_start_ticks;
			registrar(s, q, -1, &r);
			free(q);
		}
	}
	forget_slots(s, g);
	if (g->sock >= 0)
		close(g->sock);
	close(g->pidfd);
	*g = (struct guest){ .state = GUEST_FREE, .sock = -1, .pidfd = -1 };
}

static void plan_refuse(struct guest *g, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void plan_refuse(struct guest *g, int status, const char *fmt, ...)
{
	struct mb_plan_msg plan;
	va_list ap;

	memset(&plan, 0, sizeof(plan));
	plan.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_PLAN };
	plan.status = status;
	va_start(ap, fmt);
	vsnprintf(plan.msg, sizeof(plan.msg), fmt, ap);
	va_end(ap);
	send(g->sock, &plan, sizeof(plan), MSG_NOSIGNAL);
}

static bool routed(const __u64 *set, int nr)
{
	return nr >= 0 && nr < MB_ROUTED_WORDS * 64 && (set[nr / 64] >> (nr % 64)) & 1;
}

/* "openat, read" (what the live layer routes), cut to len. */
static void routed_names(const struct supervisor *s, char *out, size_t len)
{
	size_t n = 0;
	int nr;

	out[0] = '\0';
	for (nr = 0; nr < MB_ROUTED_WORDS * 64 && n + 1 < len; nr++) {
		const char *name = mb_syscall_name((enum mb_arch)s->spec.arch, nr);

		if (!routed(s->routed, nr) || !name)
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", name);
	}
	if (n >= len && len > 4)
		memcpy(out + len - 4, "...", 4);
}

/* A syscall whose first rule needs us must be one the layer routes: the
 * guest cannot add a layer of its own that would (a second listener is
 * refused, and USER_NOTIF without one answers ENOSYS). */
static int check_routed(struct supervisor *s, struct guest *g, const struct mb_spec *spec,
			const __u32 *engines)
{
	struct mb_nr_set set;
	char names[64], want[40];
	const char *name;
	__u32 i;
	int nr;

	for (i = 0; i < spec->n_rules; i++) {
		if (engines[i] != MB_ENGINE_SECCOMP_NOTIF)
			continue;
		/* A family must be routed whole: one count over its members. */
		if (mb_rule_nr_set((enum mb_arch)spec->arch, &spec->rules[i], &set) < 0)
			memset(&set, 0, sizeof(set));
		for (nr = 0; nr < MB_NR_SET_MAX; nr++)
			if (mb_nr_set_has(&set, nr) && !routed(s->routed, nr))
				break;
		if (nr == MB_NR_SET_MAX)
			continue;
		routed_names(s, names, sizeof(names));
		name = mb_syscall_name((enum mb_arch)spec->arch, nr);
		if (spec->rules[i].sys.family)
			snprintf(want, sizeof(want), "%%%s", mb_family_name(spec->rules[i].sys.family));
		else
			snprintf(want, sizeof(want), "%s", name);
		plan_refuse(g, -EOPNOTSUPP,
			    "rule %u (%s) needs the supervisor of the filter inherited from pid %d, "
			    "which routes only %s (one listener per filter chain): have pid %d "
			    "route it from its first layer, MINDERBINDER_API_SYSCALLS=%s",
			    i, name, (int)s->args->tgid, names[0] ? names : "nothing",
			    (int)s->args->tgid, want);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* What the helper would refuse too, and what only a guest cannot have. */
static int check_request(struct supervisor *s, struct guest *g, const struct mb_register_msg *m)
{
	struct mb_error err;
	__u32 i;

	if (mb_spec_validate(&m->spec, &err) || m->spec.arch != s->spec.arch || !m->spec.n_rules) {
		plan_refuse(g, -EINVAL, "mb-helper: rejected %s",
			    m->spec.n_rules ? err.msg : "an empty spec");
		return -EINVAL;
	}
	if (m->flags || (m->scope != MB_SCOPE_TREE && m->scope != MB_SCOPE_PROCESS)) {
		plan_refuse(g, -EINVAL, "mb-helper: bad flags 0x%x or scope %u", m->flags,
			    m->scope);
		return -EINVAL;
	}
	if (m->wish == MB_WISH_KPROBE || m->wish == MB_WISH_FMOD_RET) {
		plan_refuse(g, -EOPNOTSUPP,
			    "MINDERBINDER_ENGINE=%s: the rules of a process under the seccomp filter "
			    "inherited from pid %d are served by that filter's supervisor: unset it, "
			    "or set it to seccomp or auto", m->wish == MB_WISH_KPROBE ? "kprobe"
			    : "fmod_ret", (int)s->args->tgid);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < m->spec.n_rules; i++) {
		if (m->spec.rules[i].kind == MB_RULE_SYSCALL)
			continue;
		plan_refuse(g, -EOPNOTSUPP,
			    "MINDERBINDER_NET: network rules cannot be added under the seccomp "
			    "filter inherited from pid %d (its no_new_privs keeps mb-helper "
			    "unprivileged); give them to pid %d's own mb_enable",
			    (int)s->args->tgid, (int)s->args->tgid);
		return -EOPNOTSUPP;
	}
	if (memchr(m->log_path, '\0', sizeof(m->log_path)) != m->log_path) {
		plan_refuse(g, -EOPNOTSUPP,
			    "MINDERBINDER_LOG: not available to rules served by the supervisor of "
			    "the filter inherited from pid %d", (int)s->args->tgid);
		return -EOPNOTSUPP;
	}
	return 0;
}

static void guest_register(struct supervisor *s, struct guest *g, const struct mb_register_msg *m)
{
	struct mb_guest_msg *q;
	struct mb_guest_reply r;
	struct mb_plan_msg plan;
	__u32 engines[MB_MAX_RULES], i, n = 0;
	int ret;

	if (check_request(s, g, m))
		goto fail;
	for (i = 0; i < m->spec.n_rules; i++)
		engines[i] = mb_seccomp_engine_for(&m->spec.rules[i], (enum mb_scope)m->scope);
	if (check_routed(s, g, &m->spec, engines))
		goto fail;
	for (i = 0; i < MB_MAX_RULES && n < m->spec.n_rules; i++)
		if (!s->slots[i].active && !s->slots[i].guest)
			g->slots[n++] = i;
	if (n < m->spec.n_rules) {
		plan_refuse(g, -E2BIG, "the supervisor of pid %d has %u free rule slots of %d "
			    "(its own and its children's rules, together)", (int)s->args->tgid,
			    n, MB_MAX_RULES);
		goto fail;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		plan_refuse(g, -ENOMEM, "mb-helper: out of memory");
		goto fail;
	}
	q->hdr.type = MB_GUEST_ADD;
	q->ns_pid = (__u32)g->tgid;
	q->reg = *m;
	ret = registrar(s, q, g->pidfd, &r);
	free(q);
	if (ret || r.status) {
		plan_refuse(g, ret ? ret : r.status, "%s",
			    ret ? "mb-helper: lost the registrar of this supervisor" : r.msg);
		goto fail;
	}
	g->key = r.key;
	g->reg_start_ticks = r.start_ticks;
	g->scope = (enum mb_scope)m->scope;
	g->gate_ip = m->gate_ip;
	g->n_rules = m->spec.n_rules;
	for (i = 0; i < g->n_rules; i++) {
		__u32 slot = g->slots[i];

		s->spec.rules[slot] = m->spec.rules[i];
		sv_cover_rule(s, slot);
		s->engines[slot] = engines[i];
		s->slots[slot] = (struct slot){ .guest = (__u32)(g - s->guests) + 1, .pos = i };
	}
	g->state = GUEST_PLANNED;
	memset(&plan, 0, sizeof(plan));
	plan.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_PLAN };
	plan.n_rules = g->n_rules;
	memcpy(plan.engines, engines, g->n_rules * sizeof(engines[0]));
	plan.key = g->key;
	snprintf(plan.msg, sizeof(plan.msg), "ok");
	if (send(g->sock, &plan, sizeof(plan), MSG_NOSIGNAL) == (ssize_t)sizeof(plan))
		return;
fail:
	drop(s, g);
}

/* INSTALLED: the guest's own layer is in (if it needed one); from here it
 * calls only through its gate, and its rules go in force. */
static void guest_live(struct supervisor *s, struct guest *g, const struct mb_installed_msg *m)
{
	struct mb_done_msg done;
	__u32 k;

	if (m->status || m->has_listener || m->has_control) {
		drop(s, g);
		return;
	}
	for (k = 0; k < g->n_rules; k++) {
		s->slots[g->slots[k]].active = true;
		s->order[s->n_order++] = g->slots[k];
		sv_seed_rule(s, g->slots[k]);
	}
	memset(s->tids, 0, sizeof(s->tids));
	memset(&done, 0, sizeof(done));
	done.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_DONE };
	done.supervisor_pid = (__u32)getpid();
	snprintf(done.msg, sizeof(done.msg), "ok");
	send(g->sock, &done, sizeof(done), MSG_NOSIGNAL);
	/* Nothing more to say: it is known by its pidfd from now on. */
	close(g->sock);
	g->sock = -1;
	g->state = GUEST_LIVE;
}

static void guest_message(struct supervisor *s, struct guest *g)
{
	union {
		struct mb_register_msg reg;
		struct mb_installed_msg inst;
	} *m = malloc(sizeof(*m));
	ssize_t n;

	if (!m) {
		drop(s, g);
		return;
	}
	/* Descriptors sent along are not taken (no control buffer). */
	n = recv(g->sock, m, sizeof(*m), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(m);
		return;
	}
	if (g->state == GUEST_HELLO && n == (ssize_t)sizeof(m->reg) &&
	    m->reg.hdr.magic == MB_WIRE_MAGIC && m->reg.hdr.version == MB_WIRE_VERSION &&
	    m->reg.hdr.type == MB_MSG_REGISTER)
		guest_register(s, g, &m->reg);
	else if (g->state == GUEST_PLANNED && n == (ssize_t)sizeof(m->inst) &&
		 m->inst.hdr.magic == MB_WIRE_MAGIC && m->inst.hdr.version == MB_WIRE_VERSION &&
		 m->inst.hdr.type == MB_MSG_INSTALLED)
		guest_live(s, g, &m->inst);
	else {
		if (n > 0 && g->state == GUEST_HELLO)
			plan_refuse(g, -EPROTO, "mb-helper: malformed request (%zd bytes: agent and "
				    "supervisor from different builds?)", n);
		drop(s, g);
	}
	free(m);
}

int sv_guest_event(struct supervisor *s, const struct pollfd *p)
{
	struct pollfd again;
	int i;

	for (i = 0; i < MAX_GUESTS; i++) {
		struct guest *g = &s->guests[i];

		if (g->state == GUEST_FREE)
			continue;
		if (p->fd == g->sock) {
			guest_message(s, g);
			return 1;
		}
		if (p->fd != g->pidfd)
			continue;
		/* Asked again: the number may be a new guest's since poll. */
		again = (struct pollfd){ .fd = g->pidfd, .events = POLLIN };
		if (poll(&again, 1, 0) == 1)
			drop(s, g);
		return 1;
	}
	return 0;
}

int sv_guest_owner(struct supervisor *s, pid_t tgid)
{
	pid_t p = tgid;
	__u64 start;
	int depth, i;

	/* No guest: no walk (the session's other children pay nothing). */
	for (i = 0; i < MAX_GUESTS && s->guests[i].state != GUEST_LIVE; i++)
		;
	if (i == MAX_GUESTS)
		return -1;
	for (depth = 0; depth < 64 && p > 1; depth++) {
		for (i = 0; i < MAX_GUESTS; i++) {
			const struct guest *g = &s->guests[i];

			if (g->state != GUEST_LIVE || g->tgid != p ||
			    mb_proc_start_ticks(p, &start) || start != g->start_ticks)
				continue;
			/* A process-scoped guest's children are not its. */
			return depth == 0 || g->scope == MB_SCOPE_TREE ? i + 1 : -1;
		}
		if (p == s->args->tgid || mb_proc_ppid(p, &p))
			return -1;
	}
	return -1;
}

int sv_guests_hold_listener(struct supervisor *s, char *msg, size_t len)
{
	struct pollfd p;
	int i;

	for (i = 0; i < MAX_GUESTS; i++) {
		if (s->guests[i].state == GUEST_FREE)
			continue;
		/* Gone already, its exit not yet seen by the loop. */
		p = (struct pollfd){ .fd = s->guests[i].pidfd, .events = POLLIN };
		if (poll(&p, 1, 0) == 1) {
			drop(s, &s->guests[i]);
			continue;
		}
		snprintf(msg, len, "pid %d registered its own rules through this process's "
			 "listener, which a new filter layer would cut off: route every syscall "
			 "from the first enable (MINDERBINDER_API_SYSCALLS) or enable this one "
			 "before starting it", (int)s->guests[i].tgid);
		return -EBUSY;
	}
	return 0;
}
