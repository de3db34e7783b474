/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Deciding one call: the rules in decision order, their path globs, their
 * windows (delay, after, times) and coins, the registry's counters, and the
 * answer (an error, a fake value or "continue"), held back for latency=.
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/seccomp/supervisor.h"

void sv_cover_rule(struct supervisor *s, __u32 i)
{
	/* A rule the helper checked always expands; should one not, it
	 * covers nothing rather than something it did not ask for. */
	if (mb_rule_nr_set((enum mb_arch)s->spec.arch, &s->spec.rules[i], &s->covers[i]) < 0)
		memset(&s->covers[i], 0, sizeof(s->covers[i]));
}

/* Whose rules: ANY_OWNER, or tid_info's owner. */
#define ANY_OWNER (-2)

static bool rule_considered(const struct supervisor *s, __u32 i, int nr, pid_t tid, int owner)
{
	const struct mb_rule *r = &s->spec.rules[i];
	__u32 e = s->engines[i];

	if (!s->slots[i].active || (s->slots[i].tid && s->slots[i].tid != tid))
		return false;
	if (owner != ANY_OWNER && (int)s->slots[i].guest != owner)
		return false;
	/* a family is one rule: one count, one window, over its members */
	return r->kind == MB_RULE_SYSCALL && mb_nr_set_has(&s->covers[i], nr) &&
	       (e == MB_ENGINE_SECCOMP_ERRNO || e == MB_ENGINE_SECCOMP_NOTIF);
}

/*
 * Reads every path argument the call's rules look at, then checks the
 * notification is still live: only then do the /proc answers belong to
 * the thread that made the call. Returns -ENOENT when it is not.
 */
static int read_paths(struct supervisor *s, int fd, const struct seccomp_notif *req, int owner)
{
	bool any = false, fd_arg;
	__u64 id = req->id;
	__u32 k, i;
	int arg;

	for (arg = 0; arg < N_SYSCALL_ARGS; arg++)
		s->paths[arg].state = 1;
	for (k = 0; k < s->n_order; k++) {
		const struct mb_rule *r = &s->spec.rules[i = s->order[k]];

		if (!rule_considered(s, i, req->data.nr, (pid_t)req->pid, owner) ||
		    !(r->flags & MB_F_PATH))
			continue;
		arg = mb_rule_path_arg((enum mb_arch)s->spec.arch, r, req->data.nr, &fd_arg);
		if (!path_arg_ok(arg) || s->paths[arg].state != 1)
			continue;
		/* One readlink per call a descriptor rule looks at: the
		 * descriptor may have been reopened since the last call. */
		s->paths[arg].state = fd_arg
					      ? sv_resolve_fd_path(req, arg, s->paths[arg].buf)
					      : sv_resolve_path(s, req, arg, s->paths[arg].buf);
		any = true;
	}
	if (any && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		return -ENOENT;
	return 0;
}

static bool path_matches(const struct supervisor *s, const struct mb_rule *r, int nr)
{
	const struct remote_path *p;
	bool fd_arg;
	int arg;

	if (!(r->flags & MB_F_PATH))
		return true;
	arg = mb_rule_path_arg((enum mb_arch)s->spec.arch, r, nr, &fd_arg);
	if (!path_arg_ok(arg))
		return false;
	p = &s->paths[arg];
	/* No flags: a star crosses slashes, so one glob covers a tree. */
	return p->state == 0 && !fnmatch(r->sys.path, p->buf, 0);
}

/* May the rule fault this call? The call is already counted. */
static bool rule_open(const struct mb_rule *r, const struct rule_state *st,
		      struct tid_info *t, __u64 now)
{
	__u64 start;

	if (r->delay_ns && (sv_process_start_ns(t, &start) || now < start + r->delay_ns))
		return false;
	if (st->calls <= r->after)
		return false;
	return !r->times || st->faults < r->times;
}

int sv_rule_roll(struct supervisor *s, __u32 i, struct tid_info *t, __u64 now, __u64 *called,
		 __u64 *faulted)
{
	const struct mb_rule *r = &s->spec.rules[i];
	struct rule_state *st = &s->rules[i];
	int roll;

	*called |= 1ULL << i;
	if (s->shared && !s->slots[i].guest) {
		/* the handler decides this rule's other calls: one state */
		roll = sv_shared_roll(s, i, t, now);
		if (roll > 0)
			*faulted |= 1ULL << i;
		return roll;
	}
	st->calls++;
	if (!rule_open(r, st, t, now))
		return -1;
	if (!sv_coin(st, r->rate_ppm))
		return 0;
	st->faults++;
	*faulted |= 1ULL << i;
	return 1;
}

int sv_answer_decided(struct supervisor *s, const struct seccomp_notif *req, struct tid_info *t,
		      __u64 called, __u64 faulted, __u32 hit, __u64 latency, struct pending *p,
		      __u64 now)
{
	sv_count(s, called, faulted, now);
	if (faulted && s->log_fd >= 0)
		sv_log_fault(s, p->fd, req, t, hit);
	if (latency) {
		p->deadline = now + latency;
		/* Out of memory: better a fault without its latency than a
		 * dead supervisor (every filtered call would get ENOSYS). */
		if (!sv_heap_push(s, p))
			return 0;
	}
	return sv_send_answer(s, p);
}

static bool any_rule_for(const struct supervisor *s, int nr, pid_t tid)
{
	__u32 k;

	for (k = 0; k < s->n_order; k++)
		if (rule_considered(s, s->order[k], nr, tid, ANY_OWNER))
			return true;
	return false;
}

/*
 * The first rule that matches the call and is open decides it, with its own
 * coin; a rule that is not open (delay, after, times) lets the next one
 * try. A coin that says "no fault" lets the call run.
 */
int sv_decide(struct supervisor *s, int fd, const struct seccomp_notif *req)
{
	struct pending p = {.fd = fd, .id = req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	__u64 now = sv_now_ns(), called = 0, faulted = 0, latency = 0;
	pid_t tid = (pid_t)req->pid;
	struct tid_info *t;
	__u32 k, i, hit = 0;
	int roll;

	if (req->data.arch == s->audit_arch && sv_is_hello(req))
		return sv_guest_hello(s, fd, req);
	if (sv_is_share(s, req))
		return sv_shared_attach(s, fd, req);
	if (sv_is_raw_sigsys(s, req) && !any_rule_for(s, req->data.nr, tid))
		return sv_shared_sigaction(s, fd, req);
	/* Before an exit_group returns (it is routed here for this), and
	 * at every other call: the handler's counts reach the registry. */
	sv_shared_flush(s, now);
	if (req->data.arch != s->audit_arch)
		return sv_answer_continue(s, fd, req->id);
	if (sv_shape_wants(s, req->data.nr, tid)) {
		int ret = sv_shape_decide(s, fd, req);

		if (ret != 1)
			return ret;
	}
	if (!any_rule_for(s, req->data.nr, tid))
		return sv_answer_continue(s, fd, req->id);
	t = sv_tid_lookup(s, tid, now);
	if (!t->subject)
		return sv_answer_continue(s, fd, req->id);
	/* A guest's agent finishing its registration (guest.c). */
	if (t->owner > 0 &&
	    req->data.instruction_pointer == s->guests[t->owner - 1].gate_ip)
		return sv_answer_continue(s, fd, req->id);
	/* Gone while we read its memory: the kernel has cleaned up already. */
	if (read_paths(s, fd, req, t->owner))
		return 0;

	for (k = 0; k < s->n_order; k++) {
		const struct mb_rule *r = &s->spec.rules[i = s->order[k]];

		if (!rule_considered(s, i, req->data.nr, tid, t->owner) ||
		    !path_matches(s, r, req->data.nr))
			continue;
		roll = sv_rule_roll(s, i, t, now, &called, &faulted);
		if (roll < 0)
			continue;
		if (roll) {
			hit = i;
			latency = r->latency_ns;
			if (r->sys.result == MB_RES_ERRNO) {
				p.flags = 0;
				p.error = -(__s32)r->sys.value;
			} else if (r->sys.result == MB_RES_VALUE) {
				p.flags = 0;
				p.val = r->sys.value;
			}
		}
		break;
	}
	return sv_answer_decided(s, req, t, called, faulted, hit, latency, &p, now);
}
