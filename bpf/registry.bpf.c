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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Forgets the sockets of an exited target (they may live on in children
 * that inherited them, but stop being the target's). */
static long forget_socket(void *map, __u64 *cookie, struct mb_sock *s, __u32 *tgid)
{
	if (s->tgid == *tgid)
		bpf_map_delete_elem(map, cookie);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(mb_exit, struct task_struct *task)
{
	struct mb_rule_key key = {};
	struct mb_target *t;
	__u32 tgid;
	int i;

	/* Threads come and go; only the end of the whole group matters. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	t = bpf_map_lookup_elem(&mb_targets, &tgid);
	if (!t)
		return 0;
	key.tgid = tgid;
	for (i = 0; i < MB_MAX_RULES; i++) {
		key.idx = i;
		bpf_map_delete_elem(&mb_rules, &key);
		bpf_map_delete_elem(&mb_counters, &key);
		bpf_map_delete_elem(&mb_net_rng, &key);
	}
	bpf_for_each_map_elem(&mb_sockets, forget_socket, &tgid, 0);
	bpf_map_delete_elem(&mb_targets, &tgid);
	return 0;
}
