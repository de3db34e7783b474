/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The helper's side of the engine choice: what it asks the kernel, the
 * rules only it refuses, and the attaching that follows the choice.
 */
#include <errno.h>
#include <string.h>

#include "engines/net.h"
#include "engines/probe.h"
#include "engines/sock_tag.h"
#include "engines/syscall_bpf.h"
#include "helper/plan.h"
#include "lib/name_tables.h"

int mb_plan_has_bpf_syscall_rules(const struct request *rq)
{
	__u32 i;

	for (i = 0; i < rq->msg.spec.n_rules; i++)
		if (rq->engines[i] == MB_ENGINE_KPROBE || rq->engines[i] == MB_ENGINE_FMOD_RET)
			return 1;
	return 0;
}

int mb_plan_has_net(const struct request *rq)
{
	__u32 i;

	for (i = 0; i < rq->msg.spec.n_rules; i++)
		/* Shaping per call is the supervisor's: no tc or cgroup program. */
		if (rq->msg.spec.rules[i].kind == MB_RULE_NET &&
		    rq->engines[i] != MB_ENGINE_SECCOMP_NOTIF)
			return 1;
	return 0;
}

int mb_plan_has_edt(const struct request *rq)
{
	__u32 i;

	for (i = 0; i < rq->msg.spec.n_rules; i++)
		if (rq->msg.spec.rules[i].kind == MB_RULE_NET && rq->engines[i] == MB_ENGINE_EDT)
			return 1;
	return 0;
}

/*
 * What the choice must know of the kernel. The cached answer first: a
 * probe attaches an fmod_ret link, and 200 registrations at once would
 * hit the trampoline's link limit. The probe again only to say why a
 * forced engine is missing.
 */
static void ask(struct mb_engine_answers *a, enum mb_engine_wish wish)
{
	enum mb_engine forced = wish == MB_WISH_KPROBE	 ? MB_ENGINE_KPROBE
				: wish == MB_WISH_FMOD_RET ? MB_ENGINE_FMOD_RET
							   : MB_ENGINE_NONE;

	if (forced) {
		a->ok[forced] = mb_engine_available(forced) ||
				mb_engine_probe(forced, &a->why[forced]) == 1;
	} else if (wish == MB_WISH_AUTO) {
		a->ok[MB_ENGINE_FMOD_RET] = mb_engine_available(MB_ENGINE_FMOD_RET);
		a->ok[MB_ENGINE_KPROBE] = mb_engine_available(MB_ENGINE_KPROBE);
	}
}

/* A reset rule resets the connections the target holds when it is
 * enabled: a kernel that cannot is refused before anything is applied. */
static int reset_possible(const struct mb_rule *r, __u32 i, struct mb_error *err)
{
	char why[MB_ERR_MAX - 64];

	if (r->kind != MB_RULE_NET || r->net.action != MB_NET_RESET ||
	    mb_sock_reset_probe(why, sizeof(why)))
		return 0;
	mb_error_set(err, "rule %u (reset): %s", i, why);
	return -EOPNOTSUPP;
}

/* Interfaces name where packets go out: the supervisor's per-call
 * shaping sees the target's calls, not interfaces, so a rule it serves
 * would ignore them. Refused rather than silently wider. */
static int shape_ifaces_possible(const struct request *rq, const struct mb_rule *r,
				 const struct mb_engine_choice *c, __u32 i, struct mb_error *err)
{
	if (r->kind != MB_RULE_NET || r->net.action != MB_NET_SHAPE ||
	    c->engine != MB_ENGINE_SECCOMP_NOTIF || !rq->msg.interfaces[0])
		return 0;
	mb_error_set(err,
		     "rule %u (shaping): --interface (MINDERBINDER_INTERFACES) cannot limit it: "
		     "without fq it is served per call by the supervisor, which sees the target's "
		     "calls, not interfaces; leave the interfaces out, or run where sch_fq exists "
		     "(the EDT engine)", i);
	return -EOPNOTSUPP;
}

/* Shaping rules choose between fq (EDT) and the supervisor: asked only
 * for those, the answer remembered; why, when it is no, for messages. */
static void ask_edt(const struct request *rq, struct mb_engine_answers *a)
{
	__u32 i;

	for (i = 0; i < rq->msg.spec.n_rules; i++)
		if (rq->msg.spec.rules[i].kind == MB_RULE_NET &&
		    rq->msg.spec.rules[i].net.action == MB_NET_SHAPE)
			break;
	if (i == rq->msg.spec.n_rules)
		return;
	a->ok[MB_ENGINE_EDT] = mb_engine_available(MB_ENGINE_EDT);
	if (!a->ok[MB_ENGINE_EDT])
		mb_engine_probe(MB_ENGINE_EDT, &a->why[MB_ENGINE_EDT]);
}

int mb_plan_choose(const struct request *rq, struct mb_plan *p, struct mb_error *err)
{
	struct mb_select sel = {
		.wish = (enum mb_engine_wish)rq->msg.wish,
		/* The C API turns rules off again: only the supervisor can.
		 * MINDERBINDER_LOG: a fault decided in the filter (or in BPF)
		 * is never seen; the supervisor decides, and logs, each. */
		.supervised = (rq->msg.flags & MB_REG_API) || rq->msg.log_path[0],
		.api = !!(rq->msg.flags & MB_REG_API),
		.scope = (enum mb_scope)rq->msg.scope,
		.answers = &p->answers,
	};
	enum mb_engine cand[2];
	int n, ret;
	__u32 i;

	memset(p, 0, sizeof(*p));
	if (mb_engine_probe(MB_ENGINE_SECCOMP_NOTIF, &p->answers.why[MB_ENGINE_SECCOMP_NOTIF]) != 1) {
		mb_error_set(err, "seccomp engine unavailable: %s",
			     p->answers.why[MB_ENGINE_SECCOMP_NOTIF].msg);
		return -EOPNOTSUPP;
	}
	ask(&p->answers, sel.wish);
	ask_edt(rq, &p->answers);
	n = mb_engine_candidates(&sel, cand, err);
	if (n < 0)
		return n;
	for (i = 0; i < rq->msg.spec.n_rules; i++) {
		const struct mb_rule *r = &rq->msg.spec.rules[i];

		if ((rq->msg.flags & MB_REG_API) &&
		    (r->kind == MB_RULE_NET) != !!(rq->msg.flags & MB_REG_NET_UPDATE)) {
			mb_error_set(err, "mb-helper: the C API sends network rules, and only those, as an update");
			return -EINVAL;
		}
		ret = mb_engine_choose(&sel, cand, n, r, &p->rules[i], err);
		if (ret)
			return ret;
		ret = reset_possible(r, i, err);
		if (!ret)
			ret = shape_ifaces_possible(rq, r, &p->rules[i], i, err);
		if (ret)
			return ret;
	}
	mb_engine_align(&sel, &rq->msg.spec, p->rules);
	return 0;
}

int mb_plan_attach(struct request *rq, const struct mb_plan *p, struct mb_error *err)
{
	struct mb_error why = { "" };
	enum mb_engine used;
	__u32 i;
	int ret;

	for (i = 0; i < rq->msg.spec.n_rules; i++) {
		const struct mb_rule *r = &rq->msg.spec.rules[i];

		if (r->kind != MB_RULE_SYSCALL) {
			rq->engines[i] = p->rules[i].engine;
			continue;
		}
		ret = mb_sysbpf_attach_choice(&p->rules[i], r->sys.nr, &used, &why);
		if (ret) {
			/* Only a forced engine must attach. */
			mb_error_set(err, "MINDERBINDER_ENGINE=%s: rule %u (%s): %s",
				     mb_engine_wish_name((enum mb_engine_wish)rq->msg.wish), i + 1,
				     mb_syscall_name(rq->msg.spec.arch, r->sys.nr), why.msg);
			return ret;
		}
		rq->engines[i] = used;
	}
	return 0;
}

/*
 * A child of a tree target is a target already: the kernel's fork hook
 * copied the entry, and the filter came with the fork. Its agent cannot
 * tell once the registrant has gone (the mark then names no ancestor) and
 * asks us: the caller's own live entry, made by the fork hook (parent
 * set) for this very process and user, with the rules it asks for, says
 * so; registering again would stack a second filter. Network rules are
 * attached per network namespace: attached here too, the caller may have
 * moved.
 */
int mb_plan_inherited(struct request *rq, struct mb_registry *reg, struct mb_error *err)
{
	struct mb_rule_entry e;
	struct mb_target t;
	__u32 idx;
	int ret;

	if (rq->msg.flags & MB_REG_API)
		return 0;
	if (mb_registry_lookup(reg, rq->key, rq->target.start_ticks, &t) || !t.parent ||
	    t.uid != rq->peer.uid || t.scope != rq->msg.scope || t.n_rules != rq->msg.spec.n_rules)
		return 0;
	for (idx = 0; idx < t.n_rules; idx++) {
		if (mb_registry_rule(reg, rq->key, idx, &e) || e.start_ticks != t.start_ticks ||
		    memcmp(&e.rule, &rq->msg.spec.rules[idx], sizeof(e.rule)))
			return 0;
		rq->engines[idx] = e.engine;
	}
	if (mb_plan_has_net(rq)) {
		ret = mb_plan_has_edt(rq) ? mb_net_attach_fq(rq->msg.interfaces, err)
					  : mb_net_attach(rq->msg.interfaces, err);
		if (ret)
			return ret;
	}
	mb_error_set(err, "a target already, forked from %u", t.parent);
	return MB_PLAN_INHERITED;
}
