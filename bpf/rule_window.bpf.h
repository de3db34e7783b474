/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * When a rule that matches a call (or a packet) may fault it: the window
 * of delay=, after= and times=, and rate='s coin. One copy for every BPF
 * engine, so a rule means the same on a socket, a packet or a syscall.
 */
#ifndef MB_RULE_WINDOW_BPF_H
#define MB_RULE_WINDOW_BPF_H

#include "registry_maps.bpf.h"
#include "minderbinder/rng.h"

/* seed= gives a rule its own stream (minderbinder/rng.h, seeded by the
 * helper); no seed, the kernel's. The state is read and written without a
 * lock: calls racing on several CPUs may draw the same number (the rate
 * holds, the sequence is perturbed); one thread at a time gets exactly the
 * stream the supervisor would draw. */
static __always_inline __u32 mb_coin(struct mb_rule_key *key, const struct mb_rule *r)
{
	struct mb_rule_rng *rng;

	if (!(r->flags & MB_F_SEED))
		return bpf_get_prandom_u32();
	rng = bpf_map_lookup_elem(&mb_rule_rng, key);
	if (!rng)
		return bpf_get_prandom_u32();
	return mb_rng_next(&rng->state);
}

/*
 * Counts a matching call against rule key->idx. Returns -1 when the rule's
 * window is shut (delay not over, the first after= calls, times= spent):
 * the next rule may decide. Otherwise the rule decides, and *fault says
 * whether its coin asks for a fault, which is then counted.
 */
static __always_inline int mb_rule_window(struct mb_rule_key *key, const struct mb_target *t,
					  const struct mb_rule_entry *e, __u64 now, int *fault)
{
	struct mb_counters *c = bpf_map_lookup_elem(&mb_counters, key);
	__u64 seen;

	*fault = 0;
	if (!c)
		return -1;
	seen = __sync_fetch_and_add(&c->calls, 1) + 1;
	if (now < t->start_ticks * MB_NSEC_PER_TICK + e->rule.delay_ns)
		return -1;
	if (seen <= e->rule.after)
		return -1;
	if (e->rule.times && c->faults >= e->rule.times)
		return -1;
	if (!mb_rng_faults(mb_coin(key, &e->rule), e->rule.rate_ppm))
		return 0;
	/* Threads race for the last of times=: the counter settles it. */
	if (e->rule.times && __sync_fetch_and_add(&c->faults, 1) >= e->rule.times) {
		__sync_fetch_and_sub(&c->faults, 1);
		return -1;
	}
	if (!e->rule.times)
		__sync_fetch_and_add(&c->faults, 1);
	c->last_fault_ns = now;
	*fault = 1;
	return 0;
}

#endif
