/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which network rule decides a packet, a connect() or a socket: one copy
 * for net.bpf.c (tc, cgroup hooks) and sock_tag.bpf.c (reset of the
 * connections a target holds), so a rule means the same everywhere.
 */
#ifndef MB_NET_DECIDE_BPF_H
#define MB_NET_DECIDE_BPF_H

#include "net_rule.bpf.h"
#include "rule_window.bpf.h"

/* What a packet or a connect() looks like to the rules. */
struct flow {
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 dport; /* host order: the peer's port */
	__u8 daddr[16]; /* the peer's address */
	/* A packet's way: MB_DIR_OUT (also a connect()), or MB_DIR_IN, where
	 * PORT matches either end: the target's own (a server's) or the
	 * peer's (a client's answers). */
	__u8 dir;
	__u8 packet; /* 1: a packet, whose payload length is known */
	__u16 lport; /* host order, MB_DIR_IN only */
	__u32 payload; /* L4 payload bytes */
};

static __always_inline int addr_match(const struct mb_net_rule *n, const struct flow *f)
{
	__u32 i, bits;

	if (!n->family)
		return 1;
	if (n->family != f->family)
		return 0;
	bits = n->prefix_len;
	for (i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			break;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((n->addr[i] ^ f->daddr[i]) & mask)
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

static __always_inline int flow_match(const struct mb_net_rule *n, const struct flow *f)
{
	if (n->proto != MB_PROTO_ANY && n->proto != f->proto)
		return 0;
	if ((f->dport < n->port_lo || f->dport > n->port_hi) &&
	    (f->dir != MB_DIR_IN || f->lport < n->port_lo || f->lport > n->port_hi))
		return 0;
	if (n->direction != MB_DIR_BOTH && n->direction != f->dir)
		return 0;
	/* A byte to change, a first segment of data to reset: what a packet
	 * without payload (a pure ACK, a SYN) does not have. */
	if (f->packet && !f->payload &&
	    (n->action == MB_NET_CORRUPT || n->action == MB_NET_RESET))
		return 0;
	return addr_match(n, f);
}

/*
 * Where a forked target's rule counts: with the registrant at the root of
 * its tree (t->owner), as the supervisor counts syscall rules, so times=1
 * means once for the whole tree. Only while the registrant's entry is the
 * one the fork copied (same registration time, the same rule at idx: the
 * C API may have changed its rules since); else, and in the registrant
 * itself, the target's own counters.
 */
/* A network rule's bytes: everything up to the end of its net part. */
#define NET_RULE_WORDS \
	((__builtin_offsetof(struct mb_rule, net) + sizeof(struct mb_net_rule)) / 8)
_Static_assert((__builtin_offsetof(struct mb_rule, net) + sizeof(struct mb_net_rule)) % 8 == 0,
	       "a network rule is whole words");

static __always_inline void count_key(__u32 tgid, const struct mb_target *t,
				      const struct mb_rule_entry *e, struct mb_rule_key *key)
{
	struct mb_rule_key ok = { .tgid = t->owner, .idx = key->idx };
	const __u64 *a = (const __u64 *)&e->rule, *b;
	struct mb_rule_entry *oe;
	struct mb_target *o;
	int i;

	key->tgid = tgid;
	if (!t->owner)
		return;
	o = bpf_map_lookup_elem(&mb_targets, &ok.tgid);
	if (!o || o->registered_ns != t->registered_ns)
		return;
	oe = bpf_map_lookup_elem(&mb_rules, &ok);
	if (!oe || oe->start_ticks != o->start_ticks)
		return;
	b = (const __u64 *)&oe->rule;
	for (i = 0; i < NET_RULE_WORDS; i++)
		if (a[i] != b[i])
			return;
	key->tgid = t->owner;
}

/*
 * The first rule of a wanted action (actions: a bit per enum
 * mb_net_action, MB_NET_BIT) whose flow matches and whose window
 * (delay, after, times) is open decides: rate= is its coin. Returns the
 * deciding rule's index with *fault set, or -1.
 */
static __always_inline int decide(__u32 tgid, __u32 tid, struct mb_target *t,
				  const struct flow *f, __u32 actions, int *fault, __s32 *err)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct mb_rule_key ck;
	__u32 i;

	for (i = 0; i < MB_MAX_RULES; i++) {
		struct mb_rule_entry *e;

		if (i >= t->n_rules)
			break;
		e = mb_net_rule_of(tgid, t, i, actions);
		if (!e || !flow_match(&e->rule.net, f))
			continue;
		/* a shaping rule the supervisor serves (per call) is not ours */
		if (e->rule.net.action == MB_NET_SHAPE && e->engine != MB_ENGINE_EDT)
			continue;
		if (e->tid && e->tid != tid)
			continue;
		ck.idx = i;
		count_key(tgid, t, e, &ck);
		if (mb_rule_window(&ck, t, e, now, fault) < 0)
			continue;
		if (*fault)
			*err = e->rule.net.err;
		return (int)i;
	}
	return -1;
}

#endif
