/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The helper's side of the per-uid quotas (minderbinder/quota.h). */
#ifndef MB_QUOTA_H
#define MB_QUOTA_H

#include <stddef.h>

#include "minderbinder/quota.h"
#include "lib/spec_parse.h"


/* Reads MB_CONFIG_PATH (root's, or refused) and puts its limits in
 * mb_quota_limits, for the helper and the fork hook alike. */
int mb_quota_configure(struct mb_error *err);
/* Puts limits l (read from source, which the quota messages name) in
 * mb_quota_limits: the daemon's policy file's [quota]. */
int mb_quota_apply(const struct mb_quota_limits *l, const char *source, struct mb_error *err);
/* Adds targets and rules to uid's usage, atomically with the BPF hooks;
 * negative: a refund. An increase over the limit is -EDQUOT and changes
 * nothing. out (may be NULL): the usage and limits the charge saw. */
int mb_quota_charge(__u32 uid, int targets, int rules, struct mb_quota_charge *out);
/* The registry's totals: the sum of every uid's usage. */
int mb_quota_totals(struct mb_quota_usage *sum);
/* The message for a registration of uid (n_rules rules, pid) that failed
 * with err: over the quota or the registry full, with the counts, else
 * "failed to register". */
void mb_quota_add_error(int err, __u32 uid, __u32 n_rules, int pid, struct mb_error *why);

#endif
