/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-uid quotas (minderbinder/quota.h): the maps, and the one function
 * every creator and destroyer of a target calls, so counting stays exact.
 * Included by the programs that make or forget targets, after vmlinux.h.
 */
#ifndef MB_QUOTA_BPF_H
#define MB_QUOTA_BPF_H

#include "minderbinder/quota.h"

#ifndef EDQUOT
#define EDQUOT 122
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_QUOTA_MAX_UIDS);
	__type(key, __u32);
	__type(value, struct mb_quota_usage);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_quota SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mb_quota_limits);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_quota_limits SEC(".maps");

/*
 * Adds targets and rules (either may be negative) to uid's usage. With
 * enforce, an increase that takes a non-root uid over its limit is taken
 * back and refused with -EDQUOT. The adds are atomic; the read after them
 * may see a racing charge's share too, so a race can refuse early, never
 * let a uid past its limit. held: the usage after (before, if refused).
 */
static __always_inline int mb_quota_add(__u32 uid, __s32 targets, __s32 rules, int enforce,
					struct mb_quota_usage *held,
					struct mb_quota_limits *limits)
{
	struct mb_quota_usage zero = {}, *u;
	struct mb_quota_limits *l;
	__u32 z = 0, lt = MB_QUOTA_DEFAULT_TARGETS, lr = MB_QUOTA_DEFAULT_RULES;
	__u32 t, r;

	u = bpf_map_lookup_elem(&mb_quota, &uid);
	if (!u) {
		bpf_map_update_elem(&mb_quota, &uid, &zero, BPF_NOEXIST);
		u = bpf_map_lookup_elem(&mb_quota, &uid);
		if (!u)
			return -ENOSPC; /* MB_QUOTA_MAX_UIDS distinct uids */
	}
	l = bpf_map_lookup_elem(&mb_quota_limits, &z);
	if (l && l->set) {
		lt = l->targets;
		lr = l->rules;
	}
	if (!uid)
		lt = MB_MAX_TARGETS, lr = MB_MAX_RULE_ENTRIES; /* root: the registry's size */
	limits->targets = lt;
	limits->rules = lr;
	__sync_fetch_and_add(&u->targets, targets);
	__sync_fetch_and_add(&u->rules, rules);
	t = u->targets;
	r = u->rules;
	if (enforce && (targets > 0 || rules > 0) && (t > lt || r > lr)) {
		__sync_fetch_and_add(&u->targets, -targets);
		__sync_fetch_and_add(&u->rules, -rules);
		held->targets = t - targets;
		held->rules = r - rules;
		held->refused = u->refused;
		return -EDQUOT;
	}
	held->targets = t;
	held->rules = r;
	held->refused = u->refused;
	return 0;
}

static __always_inline void mb_quota_refused(__u32 uid)
{
	struct mb_quota_usage *u = bpf_map_lookup_elem(&mb_quota, &uid);

	if (u)
		__sync_fetch_and_add(&u->refused, 1);
}

#endif
