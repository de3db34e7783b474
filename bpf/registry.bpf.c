// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The target registry, and the program that forgets a target when its
 * last thread exits, so no state outlives the process that opted in.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "minderbinder/registry.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct mb_target);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS * 4);
	__type(key, struct mb_rule_key);
	__type(value, struct mb_rule_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_TARGETS * 4);
	__type(key, struct mb_rule_key);
	__type(value, struct mb_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_counters SEC(".maps");


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
	}
	bpf_map_delete_elem(&mb_targets, &tgid);
	return 0;
}
