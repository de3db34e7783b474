/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The site configuration root writes in MB_CONFIG_PATH
 * (/etc/minderbinder.conf), read by the set-uid helper at every
 * registration:
 *
 *   [quota]
 *   targets = 4096      ; targets one uid may hold at once (0..16384, unlimited)
 *   rules = 16384       ; rule entries one uid's targets may hold (0..65536)
 *
 * Root (uid 0) is held to no quota, only to the registry's size. A missing
 * file means the defaults (a quarter of the registry each).
 */
#ifndef MB_QUOTA_CONFIG_H
#define MB_QUOTA_CONFIG_H

#include <sys/types.h>

#include "minderbinder/quota.h"
#include "lib/spec_parse.h"

void mb_quota_defaults(struct mb_quota_limits *l);
/* Parses text (name is for messages) into l, or leaves l alone and fills
 * err with "NAME:LINE: message". Returns 0 or -EINVAL. */
int mb_quota_config_parse(const char *name, const char *text, struct mb_quota_limits *l,
			  struct mb_error *err);
/* Loads path: it must be a regular file owned by owner (root, for the
 * helper) that neither group nor others may write, or it is refused
 * (-EPERM). No file at all: the defaults, and 0. */
int mb_quota_config_load(const char *path, uid_t owner, struct mb_quota_limits *l,
			 struct mb_error *err);
/* The text of path, under the same rules (a regular file of owner's that
 * neither group nor others may write, no symlink, no NUL): 0 with *text
 * (free it), -ENOENT (err untouched) when there is no file, or -errno. */
int mb_root_file_read(const char *path, uid_t owner, char **text, struct mb_error *err);

/* The message for a registration of uid (n_rules rules, pid) that failed
 * with err: over the quota (-EDQUOT) or the registry full (-E2BIG, what a
 * full BPF hash map answers), with the counts: q, what uid holds and its
 * limits; sum, the whole registry. Anything else: "failed to register". */
void mb_quota_message(int err, __u32 uid, __u32 n_rules, int pid, const struct mb_quota_charge *q,
		      const struct mb_quota_usage *sum, const char *config, char *buf, size_t len);

#endif
