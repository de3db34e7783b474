/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one reader of the pinned registry's contents (mb_targets, mb_rules,
 * mb_counters): per live target and per rule, the calls seen and the
 * faults injected. `stats`, `serve`, `top` and `status` all show what it
 * read.
 */
#ifndef MB_REGISTRY_SNAPSHOT_H
#define MB_REGISTRY_SNAPSHOT_H

#include <linux/types.h>

#include "lib/proc_info.h"
#include "minderbinder/registry.h"

/* How a rule's counters are to be read. */
enum mb_how_counted {
	MB_COUNTED,      /* calls and faults are this rule's, in this target */
	MB_IN_FILTER,    /* SECCOMP_RET_ERRNO in the filter: nothing counts them */
	MB_AT_ANCESTOR,  /* a forked target's supervised rule: counted with the
			  * registered process (counted_at), for the whole tree */
};

struct mb_snapshot_rule {
	__u32 idx;
	__u32 engine;
	enum mb_how_counted how;
	__u32 counted_at;
	__u64 calls;
	__u64 faults;
	char text[512];
};

struct mb_snapshot_target {
	__u32 pid;
	struct mb_target t;
	char comm[32]; /* "?" when pid no longer names the registered process */
	/* Its container: cgroup path and pid namespace; have_where 0 when
	 * the kernel would not say (it went away as we read). */
	struct mb_proc_where where;
	int have_where;
	__u32 n_rules;
	struct mb_snapshot_rule *rules;
};

struct mb_snapshot {
	int loaded; /* 0: nothing pinned (no helper ran since boot or unload) */
	size_t n;
	struct mb_snapshot_target *targets; /* sorted by pid */
};

/* Fills s; 0 (with s->loaded = 0 when nothing is pinned) or -errno
 * (-EACCES/-EPERM: not root). Free with mb_snapshot_free. */
int mb_snapshot_read(struct mb_snapshot *s);
void mb_snapshot_free(struct mb_snapshot *s);

/* What a rule's calls and faults are: "calls"/"faults",
 * "packets_seen"/"packets_dropped" (tc), "connects_seen"/"connects_failed"
 * (cgroup). */
void mb_snapshot_meaning(__u32 engine, const char **seen, const char **faults);

/* Its pid namespace in words: "pidns host" (this reader's), "pidns INODE
 * (pid N)" with its pid in there, "" when unknown. */
void mb_snapshot_pidns_text(const struct mb_snapshot_target *t, char *buf, size_t len);
/* 1 when the target is in a container as far as anything shows: a pid
 * namespace of its own, or a cgroup other than the root. */
int mb_snapshot_contained(const struct mb_snapshot_target *t);

/* "tree", "process", "thread" (or "unknown"). */
const char *mb_snapshot_scope_name(__u32 scope);

#endif
