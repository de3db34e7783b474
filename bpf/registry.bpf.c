// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The target registry, and the program that forgets a target when its
 * last thread exits, so no state outlives the process that opted in.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "registry_maps.bpf.h"
#include "quota.bpf.h"
#include "target_check.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Scratch space: a rule entry is too big for the BPF stack next to the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mb_rule_entry);
} scratch SEC(".maps");

/* Below: it gives the entry's quota share back. */
static __always_inline void forget(__u32 tgid);

/*
 * Scope tree: a child of a target becomes a target with the same rules
 * the moment it is forked, static or dynamic, agent or not. Its own start
 * time keys it, so delay= counts from the child's start, as in the original project.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(mb_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	struct mb_rule_key pk = { .tgid = ptgid }, ck = { .tgid = ctgid };
	struct mb_counters zero = {};
	struct mb_rule_entry *e, *copy;
	struct mb_quota_limits lim;
	struct mb_quota_usage held;
	struct mb_target *t, ct;
	__u32 i, z = 0;

	if (ptgid == ctgid)
		return 0; /* a new thread */
	t = bpf_map_lookup_elem(&mb_targets, &ptgid);
	copy = bpf_map_lookup_elem(&scratch, &z);
	/* The use-time check on the forking task: a stale entry of a reused
	 * tgid, or a target that gained privilege, passes nothing on. */
	if (!t || t->scope != MB_SCOPE_TREE || !copy || !mb_task_is_target(parent, t))
		return 0;
	__builtin_memcpy(&ct, t, sizeof(ct));
	if (bpf_map_lookup_elem(&mb_targets, &ctgid))
		forget(ctgid); /* a stale entry of a reused pid: its share goes back */
	/* The quota: a child over its uid's limit is no target. Nothing
	 * here reaches the child (we run in the parent): the refusal is
	 * counted, for status and the uid's next refused registration. */
	if (mb_quota_add(ct.uid, 1, (__s32)ct.n_rules, 1, &held, &lim)) {
		mb_quota_refused(ct.uid);
		return 0;
	}
	ct.start_ticks = BPF_CORE_READ(child, start_boottime) / MB_NSEC_PER_TICK;
	ct.parent = ptgid;
	ct.owner = t->owner ? t->owner : ptgid;
	ct.sv_counters_id = 0; /* its calls are counted at the registrant (count.c) */
	zero.start_ticks = ct.start_ticks;
	for (i = 0; i < MB_MAX_RULES; i++) {
		if (i >= ct.n_rules)
			break;
		pk.idx = ck.idx = i;
		e = bpf_map_lookup_elem(&mb_rules, &pk);
		if (!e)
			continue;
		__builtin_memcpy(copy, e, sizeof(*copy));
		copy->start_ticks = ct.start_ticks;
		bpf_map_update_elem(&mb_rules, &ck, copy, BPF_ANY);
		bpf_map_update_elem(&mb_counters, &ck, &zero, BPF_ANY);
	}
	if (bpf_map_update_elem(&mb_targets, &ctgid, &ct, BPF_NOEXIST)) {
		/* The registry is full: no target, no share taken, and none
		 * of the rules just copied left behind. */
		for (i = 0; i < MB_MAX_RULES; i++) {
			if (i >= ct.n_rules)
				break;
			ck.idx = i;
			bpf_map_delete_elem(&mb_rules, &ck);
			bpf_map_delete_elem(&mb_counters, &ck);
		}
		mb_quota_add(ct.uid, -1, -(__s32)ct.n_rules, 0, &held, &lim);
		mb_quota_refused(ct.uid);
	}
	return 0;
}

/* Forgets the sockets of an exited target (they may live on in children
 * that inherited them, but stop being the target's). */
static long forget_socket(void *map, __u64 *cookie, struct mb_sock *s, __u32 *tgid)
{
	if (s->tgid == *tgid)
		bpf_map_delete_elem(map, cookie);
	return 0;
}

/* Everything the registry holds for tgid. */
static __always_inline void forget(__u32 tgid)
{
	struct mb_rule_key key = { .tgid = tgid };
	struct mb_quota_limits lim;
	struct mb_quota_usage held;
	struct mb_target *t;
	__u32 uid, n_rules;
	int i;

	for (i = 0; i < MB_MAX_RULES; i++) {
		key.idx = i;
		bpf_map_delete_elem(&mb_rules, &key);
		bpf_map_delete_elem(&mb_counters, &key);
		bpf_map_delete_elem(&mb_rule_rng, &key);
	}
	bpf_for_each_map_elem(&mb_sockets, forget_socket, &tgid, 0);
	t = bpf_map_lookup_elem(&mb_targets, &tgid);
	if (!t)
		return;
	uid = t->uid;
	n_rules = t->n_rules;
	/* Whoever deletes the entry (we, or a helper removing it) gives its
	 * share back, exactly once. */
	if (!bpf_map_delete_elem(&mb_targets, &tgid))
		mb_quota_add(uid, -1, -(__s32)n_rules, 0, &held, &lim);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(mb_exit, struct task_struct *task)
{
	__u32 tgid;

	/* Threads come and go; only the end of the whole group matters. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	if (bpf_map_lookup_elem(&mb_targets, &tgid))
		forget(tgid);
	return 0;
}

/*
 * The exec guard. An exec that raises privilege (set-uid, set-gid, file
 * capabilities: the kernel marks it secureexec, AT_SECURE) ends the
 * target: nobody gets to fault a program that runs with more rights than
 * they have. The seccomp engine has this from no_new_privs, which keeps
 * the exec from raising anything; a BPF engine has no filter to carry it.
 * Any other exec keeps the target, but not the gate address of the image
 * it leaves.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(mb_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct mb_target *t = bpf_map_lookup_elem(&mb_targets, &tgid);

	if (!t)
		return 0;
	if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec)) {
		forget(tgid);
		return 0;
	}
	t->gate_ip = 0;
	return 0;
}

/*
 * The helper's charges and refunds (mb_registry_add, mb_registry_remove),
 * run with BPF_PROG_TEST_RUN from the pin: the adds must be the same
 * atomic ones the hooks above make, which a map update from user space
 * is not.
 */
SEC("syscall")
int mb_quota_charge(struct mb_quota_charge *a)
{
	struct mb_quota_limits lim = {};
	struct mb_quota_usage held = {};

	/* Locals, copied out: the verifier takes no pointer into ctx. */
	a->result = mb_quota_add(a->uid, a->targets, a->rules, 1, &held, &lim);
	a->held = held;
	a->limits = lim;
	return 0;
}
