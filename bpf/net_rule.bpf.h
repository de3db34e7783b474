/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A target's network rule by index, for every program that walks them. */
#ifndef MB_NET_RULE_BPF_H
#define MB_NET_RULE_BPF_H

#include "registry_maps.bpf.h"

#define MB_NET_BIT(action) (1u << (action))
/* The actions the tc and cgroup_skb programs serve on a target's packets,
 * which need its sockets tagged. */
#define MB_NET_PACKET_ACTIONS                                                      \
	(MB_NET_BIT(MB_NET_DROP) | MB_NET_BIT(MB_NET_CORRUPT) | MB_NET_BIT(MB_NET_DUPLICATE) | \
	 MB_NET_BIT(MB_NET_RESET))

/* Rule idx of target tgid (entry t) if it is a network rule of one of
 * actions (a bit each) that belongs to this very entry (not a reused
 * tgid's), else NULL. */
static __always_inline struct mb_rule_entry *mb_net_rule_of(__u32 tgid, const struct mb_target *t,
							    __u32 idx, __u32 actions)
{
	struct mb_rule_key key = { .tgid = tgid, .idx = idx };
	struct mb_rule_entry *e = bpf_map_lookup_elem(&mb_rules, &key);

	if (!e || e->start_ticks != t->start_ticks || e->rule.kind != MB_RULE_NET ||
	    e->rule.net.action > 31 || !(actions & MB_NET_BIT(e->rule.net.action)))
		return NULL;
	return e;
}

/* The same for one action. */
static __always_inline struct mb_rule_entry *mb_net_rule_at(__u32 tgid, const struct mb_target *t,
							    __u32 idx, __u32 action)
{
	return mb_net_rule_of(tgid, t, idx, MB_NET_BIT(action));
}

#endif
