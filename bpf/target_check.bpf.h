/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The use-time check: every program that acts on a registry entry in a
 * task's context asks this first. The helper checked its caller once, at
 * registration; the maps are keyed by a number the kernel reuses, and a
 * process can change its ids after it registered (a set-uid exec). So at
 * the moment of acting, the running task must be the registered process
 * (its group leader started when the entry says) and hold no more than
 * the registrant's rights: a task whose effective or filesystem uid is
 * not the registrant's, or that has effective capabilities in the
 * initial user namespace while the registrant is not root, is never
 * faulted, whatever the maps say.
 */
#ifndef MB_TARGET_CHECK_BPF_H
#define MB_TARGET_CHECK_BPF_H

#include <bpf/bpf_core_read.h>
#include "registry_maps.bpf.h"

/* Whether task (any thread of it) is the process entry t names, with the
 * registrant's rights. Probe reads throughout: the same code runs in
 * cgroup, tracing and kprobe programs. */
static __always_inline int mb_task_is_target(struct task_struct *task, const struct mb_target *t)
{
	const struct cred *cred;
	__u64 caps = 0;

	if (BPF_CORE_READ(task, group_leader, start_boottime) / MB_NSEC_PER_TICK !=
	    t->start_ticks)
		return 0; /* a reused tgid */
	/* Root registered it: root may fault anything, including what its
	 * target becomes after it drops privileges (a daemon's setuid()). */
	if (t->uid == 0)
		return 1;
	cred = BPF_CORE_READ(task, cred);
	if (BPF_CORE_READ(cred, euid.val) != t->uid || BPF_CORE_READ(cred, fsuid.val) != t->uid)
		return 0;
	/* kernel_cap_t is a u64 since 6.3 and two u32 before: 8 bytes both. */
	BPF_CORE_READ_INTO(&caps, cred, cap_effective);
	/* Capabilities in a user namespace of its own (a rootless container)
	 * are no rights over anybody else: only the initial one's count. */
	if (caps && BPF_CORE_READ(cred, user_ns, level) == 0)
		return 0;
	return 1;
}

/* The entry of the current task's process, if the use-time check passes;
 * *tgid is set either way. bpf_get_current_task, not the _btf variant:
 * it is in the base helper set of cgroup programs since before 6.1. */
static __always_inline struct mb_target *mb_current_target(__u32 *tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mb_target *t;

	*tgid = bpf_get_current_pid_tgid() >> 32;
	t = bpf_map_lookup_elem(&mb_targets, tgid);
	if (!t || !mb_task_is_target(task, t))
		return NULL;
	return t;
}

#endif
