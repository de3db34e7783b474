// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `minderbinder watch`: the original project's mode. A process whose name (comm) is
 * listed in the INI file becomes a target the moment it execs, with the
 * rules of the sections that name it. The registry maps are the pinned
 * ones (registry_maps.bpf.h); watch's own maps and its link live only as
 * long as the watch process.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "registry_maps.bpf.h"
#include "quota.bpf.h"
#include "minderbinder/watch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Drop rules act on these interfaces only (--interface); all zero: any. */
const volatile __u32 watch_ifindex[MB_MAX_TARGET_IFACES] = {};

/* comm -> which template rules apply. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_WATCH_MAX_NAMES);
	__type(key, struct mb_watch_comm);
	__type(value, struct mb_watch_names);
} watch_names SEC(".maps");

/* The rules, by template index (the INI section's position among those
 * watch runs), ready to copy: engine set, start_ticks filled per target. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MB_MAX_RULES);
	__type(key, __u32);
	__type(value, struct mb_watch_rule);
} watch_rules SEC(".maps");

/* The targets watch created: tgid -> start_ticks, so it removes exactly
 * its own when it stops (a reused tgid is somebody else's). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u64);
} watch_owned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} watch_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mb_rule_entry);
} watch_scratch SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(mb_watch_exec, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct mb_watch_comm comm = {};
	struct mb_counters zero = {};
	struct mb_rule_key key = {};
	struct mb_watch_names *names;
	struct mb_watch_rule *tmpl;
	struct mb_rule_entry *copy;
	struct mb_watch_event *ev;
	struct mb_target t = {}, *old;
	struct mb_quota_limits lim;
	struct mb_quota_usage held;
	__u32 tgid, i, n, z = 0;
	__u64 ticks;

	/* A privileged exec (set-uid, set-gid, file capabilities) is never
	 * made a target: the registry's exec guard would forget it anyway. */
	if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec))
		return 0;
	bpf_probe_read_kernel_str(comm.name, sizeof(comm.name), task->comm);
	names = bpf_map_lookup_elem(&watch_names, &comm);
	copy = bpf_map_lookup_elem(&watch_scratch, &z);
	if (!names || !copy)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	ticks = BPF_CORE_READ(task, start_boottime) / MB_NSEC_PER_TICK;
	/* Already a target (registered itself, or a child of a tree target):
	 * its own rules stand. */
	old = bpf_map_lookup_elem(&mb_targets, &tgid);
	if (old && old->start_ticks == ticks)
		return 0;
	if (old) {
		/* A reused pid's stale entry: its uid's share goes back. */
		__u32 ouid = old->uid, on = old->n_rules;

		if (!bpf_map_delete_elem(&mb_targets, &tgid))
			mb_quota_add(ouid, -1, -(__s32)on, 0, &held, &lim);
	}
	if (bpf_map_update_elem(&watch_owned, &tgid, &ticks, BPF_ANY))
		return 0; /* could not remember it: do not create it */
	t.start_ticks = ticks;
	t.cgroup_id = bpf_get_current_cgroup_id();
	t.registered_ns = bpf_ktime_get_boot_ns();
	t.uid = BPF_CORE_READ(task, cred, uid.val);
	t.scope = MB_SCOPE_PROCESS;
	t.flags = MB_TARGET_ARMED; /* no agent: its BPF syscall rules apply at once */
	for (i = 0; i < MB_MAX_TARGET_IFACES; i++)
		t.ifindex[i] = watch_ifindex[i];
	zero.start_ticks = ticks;
	key.tgid = tgid;
	n = names->n;
	if (n > MB_MAX_RULES)
		n = MB_MAX_RULES;
	for (i = 0; i < MB_MAX_RULES; i++) {
		__u32 idx;

		if (i >= n)
			break;
		idx = names->idx[i];
		tmpl = bpf_map_lookup_elem(&watch_rules, &idx);
		if (!tmpl)
			continue;
		__builtin_memcpy(copy, &tmpl->entry, sizeof(*copy));
		copy->start_ticks = ticks;
		key.idx = i;
		bpf_map_update_elem(&mb_rules, &key, copy, BPF_ANY);
		bpf_map_update_elem(&mb_counters, &key, &zero, BPF_ANY);
		if (tmpl->rng) {
			struct mb_rule_rng rng = { .state = tmpl->rng };

			bpf_map_update_elem(&mb_rule_rng, &key, &rng, BPF_ANY);
		}
	}
	if (!n) {
		bpf_map_delete_elem(&watch_owned, &tgid);
		return 0;
	}
	t.n_rules = n;
	/* The target goes in last: readers find it only when complete.
	 * Root's watch is held to no quota, but counted like any target so
	 * that the exit hook's refund matches. */
	mb_quota_add(t.uid, 1, (__s32)n, 0, &held, &lim);
	if (bpf_map_update_elem(&mb_targets, &tgid, &t, BPF_ANY)) {
		mb_quota_add(t.uid, -1, -(__s32)n, 0, &held, &lim);
		return 0;
	}

	ev = bpf_ringbuf_reserve(&watch_events, sizeof(*ev), 0);
	if (!ev)
		return 0;
	ev->tgid = tgid;
	ev->n_rules = n;
	ev->mask = names->mask;
	ev->start_ticks = ticks;
	__builtin_memcpy(ev->comm, comm.name, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
