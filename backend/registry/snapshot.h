/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One walk over the pinned registry (mb_targets, mb_rules, mb_counters):
 * per live target and per rule, the calls seen and the faults injected.
 * Defined in cli/stats.c; used by `stats`, `serve` and `top`.
 */
#ifndef MB_STATS_COLLECT_H
#define MB_STATS_COLLECT_H

#include <linux/types.h>

#include "minderbinder/registry.h"

/* How a rule's counters are to be read. */
enum how_counted {
	COUNTED,      /* calls and faults are this rule's, in this target */
	IN_FILTER,    /* SECCOMP_RET_ERRNO in the filter: nothing counts them */
	AT_ANCESTOR,  /* a forked target's supervised rule: counted with the
		       * registered process (counted_at), for the whole tree */
};

struct stat_rule {
	__u32 idx;
	__u32 engine;
	enum how_counted how;
	__u32 counted_at;
	__u64 calls;
	__u64 faults;
	char text[512];
};

struct stat_target {
	__u32 pid;
	struct mb_target t;
	char comm[32];
	__u32 n_rules;
	struct stat_rule *rules;
};

struct snapshot {
	int loaded; /* 0: nothing pinned (no helper ran since boot or unload) */
	size_t n;
	struct stat_target *targets; /* sorted by pid */
};

/* Fills s; 0 (with s->loaded = 0 when nothing is pinned) or -errno
 * (-EACCES/-EPERM: not root). Free with mb_stats_free. */
int mb_stats_collect(struct snapshot *s);
void mb_stats_free(struct snapshot *s);

/* What a rule's calls and faults are: "calls"/"faults",
 * "packets_seen"/"packets_dropped" (tc), "connects_seen"/"connects_failed"
 * (cgroup). */
void mb_stats_meaning(__u32 engine, const char **seen, const char **faults);

/* Reports a failed mb_stats_collect for command cmd; returns the exit status. */
int mb_stats_fail(const char *cmd, int err);

#endif
