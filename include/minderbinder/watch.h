/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `minderbinder watch`: state shared by watch.bpf.c and its loader.
 * Data only; on the BPF side include this after vmlinux.h. */
#ifndef MINDERBINDER_WATCH_H
#define MINDERBINDER_WATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "registry.h"

#define MB_WATCH_COMM_LEN 16 /* TASK_COMM_LEN */
#define MB_WATCH_MAX_NAMES 1024

/* Key of watch_names: a process name, NUL-padded. */
struct mb_watch_comm {
	char name[MB_WATCH_COMM_LEN];
};

/* Which template rules a process name gets: rule k of its targets is
 * watch_rules[idx[k]]; mask has bit idx[k] set for each. */
struct mb_watch_names {
	__u64 mask;
	__u32 n;
	__u8 idx[MB_MAX_RULES];
};

/* A template rule: copied to each new target, start_ticks filled in. */
struct mb_watch_rule {
	struct mb_rule_entry entry;
	__u64 rng; /* initial mb_rule_rng state (seed=), 0 if none */
};

/* One per process watch made a target. */
struct mb_watch_event {
	__u32 tgid;
	__u32 n_rules;
	__u64 mask;
	__u64 start_ticks;
	char comm[MB_WATCH_COMM_LEN];
};

#endif
