/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A target's network rule by index, for every program that walks them. */
#ifndef MB_NET_RULE_BPF_H
#define MB_NET_RULE_BPF_H

#include "registry_maps.bpf.h"

/* Rule idx of target tgid (entry t) if it is a network rule of action
 * that belongs to this very entry (not a reused tgid's), else NULL. */
static __always_inline struct mb_rule_entry *mb_net_rule_at(__u32 tgid, const struct mb_target *t,
							    __u32 idx, __u32 action)
{
	struct mb_rule_key key = { .tgid = tgid, .idx = idx };
	struct mb_rule_entry *e = bpf_map_lookup_elem(&mb_rules, &key);

	if (!e || e->start_ticks != t->start_ticks || e->rule.kind != MB_RULE_NET ||
	    e->rule.net.action != action)
		return NULL;
	return e;
}

#endif
