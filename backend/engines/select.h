/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one engine choice: which engine serves each rule, from the rule,
 * the engine asked for (MINDERBINDER_ENGINE) and what the kernel has.
 * Pure: the caller asks the kernel (engines/probe.h) before and attaches
 * (engines/syscall_bpf.h) after; nothing here touches the kernel.
 */
#ifndef MB_ENGINE_SELECT_H
#define MB_ENGINE_SELECT_H

#include <stdbool.h>
#include "lib/spec_parse.h"
#include "minderbinder/registry.h"
#include "minderbinder/scope.h"
#include "minderbinder/wire.h"

/* What the kernel said of each engine (mb_engine_probe's answer: 1, 0
 * with why, -errno), for the engines the caller asked about. */
struct mb_engine_answers {
	int ok[MB_ENGINE_COUNT];
	struct mb_error why[MB_ENGINE_COUNT];
};

/* Who chooses, and for what. */
struct mb_select {
	enum mb_engine_wish wish;
	/* `minderbinder watch`: no filter, no agent in the process, so a
	 * syscall rule needs a BPF engine, and the network engines must be
	 * there before anything is attached. */
	bool watch;
	/* The C API, or MINDERBINDER_LOG: the supervisor decides (and logs,
	 * and can turn off) every syscall rule. */
	bool supervised;
	/* The C API: its network rules come as updates, without a filter. */
	bool api;
	enum mb_scope scope;
	const struct mb_engine_answers *answers;
};

/* A rule's engines: the BPF syscall engines to attach, best first, and
 * the one that serves it when it needs no attach or none of them
 * attaches; MB_ENGINE_NONE there makes a failed attach an error. */
struct mb_engine_choice {
	enum mb_engine bpf[2];
	int n_bpf;
	enum mb_engine engine;
};

/* Whether engine e (MB_ENGINE_KPROBE or MB_ENGINE_FMOD_RET) can serve r
 * at all, whatever the kernel; why says what it lacks. */
bool mb_engine_can_express(enum mb_engine e, const struct mb_rule *r, struct mb_error *why);
/* "kprobe": the MINDERBINDER_ENGINE value that asked for wish. */
const char *mb_engine_wish_name(enum mb_engine_wish wish);
/* Whether a network rule acts on the target's packets (drop, corrupt,
 * duplicate, reset: the tc and cgroup_skb programs, which need its
 * sockets tagged), not on its calls. */
bool mb_net_rule_on_packets(const struct mb_rule *r);
/* The engine of a network rule: tc acts on packets, a cgroup hook fails
 * calls. */
enum mb_engine mb_engine_for_net(const struct mb_rule *r);
/* The BPF syscall engines a request may try, best first: the forced one
 * (the helper refuses it, -EOPNOTSUPP, when the kernel lacks it), or for
 * auto those the kernel has (watch: both, the rule's choice says why one
 * is missing); none for seccomp (watch: -EINVAL). The count, or -errno
 * with err set. */
int mb_engine_candidates(const struct mb_select *s, enum mb_engine out[2], struct mb_error *err);
/* Rule r's engines among the n candidates. 0, or -errno with err set
 * (watch only: a rule it cannot serve). */
int mb_engine_choose(const struct mb_select *s, const enum mb_engine *cand, int n,
		     const struct mb_rule *r, struct mb_engine_choice *out, struct mb_error *err);

/*
 * The filter answers a call before any BPF program sees it, so a syscall a
 * family rule routes there cannot also be served in BPF by another rule:
 * the first rule must decide, as written. Under auto, such a rule goes to
 * seccomp too (c[i] for each rule of spec, after mb_engine_choose).
 */
void mb_engine_align(const struct mb_select *s, const struct mb_spec *spec,
		     struct mb_engine_choice *c);

#endif
