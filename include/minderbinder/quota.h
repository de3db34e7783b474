/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-uid quotas on the registry (pinned under MB_PIN_DIR). Data only.
 *
 * mb_quota holds, per uid, how many targets and rule entries its targets
 * hold right now. Every change goes through an atomic add in BPF: the fork
 * hook and the exit hook in their programs, the helper through the pinned
 * mb_quota_charge program (a syscall program it runs with test_run), so a
 * fork racing a registration is never lost. mb_quota_limits holds the
 * limits the helper last read from MB_CONFIG_PATH; root (uid 0) has none
 * but the registry's size.
 */
#ifndef MINDERBINDER_QUOTA_H
#define MINDERBINDER_QUOTA_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "registry.h"

/* A user may hold a quarter of either unless /etc/minderbinder.conf says
 * otherwise: four users filling their quota still leave none stuck. */
#define MB_QUOTA_DEFAULT_TARGETS (MB_MAX_TARGETS / 4)
#define MB_QUOTA_DEFAULT_RULES (MB_MAX_RULE_ENTRIES / 4)
/* Distinct uids with an entry in mb_quota (entries stay once made). */
#define MB_QUOTA_MAX_UIDS 4096

struct mb_quota_usage {
	__u32 targets;
	__u32 rules;   /* entries in mb_rules (one per rule of each target) */
	__u32 refused; /* forks the fork hook refused to make targets */
	__u32 pad;
};

/* Where the limits in force came from, for status to name. */
#define MB_QUOTA_FROM_CONFIG 1 /* MB_CONFIG_PATH's [quota], or its defaults */
#define MB_QUOTA_FROM_POLICY 2 /* the node daemon's policy file's [quota] */

struct mb_quota_limits {
	__u32 targets;
	__u32 rules;
	__u32 set; /* 0: never written (no helper yet): the defaults; else MB_QUOTA_FROM_* */
	__u32 pad;
};

/* The ctx of mb_quota_charge: in uid and the deltas, out the verdict and
 * what the uid holds afterwards (before, when refused). */
struct mb_quota_charge {
	__u32 uid;
	__s32 targets;
	__s32 rules;
	__s32 result; /* 0, or -EDQUOT: over the uid's limit */
	struct mb_quota_usage held;
	struct mb_quota_limits limits;
};

#endif
