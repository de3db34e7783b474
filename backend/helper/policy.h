/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The node daemon's policy (MB_DAEMON_POLICY, /etc/minderbinder/policy.ini),
 * root's word on who may register through the daemon's socket:
 *
 *   [register]
 *   allow_uids = 0 1000          ; absent: every uid
 *   allow_cgroups = /kubepods/   ; cgroup v2 path prefixes; absent: any
 *   allow_userns = host nested   ; host, nested, or namespace inodes; absent: any
 *   host_interfaces = no         ; may network rules attach to the daemon's
 *                                ; own (host) interfaces? default no
 *   [quota]                      ; as in /etc/minderbinder.conf (quota_config.h)
 *   targets = 64
 *   rules = 256
 *
 * Parsing and deciding are pure (no /proc, no socket): the facts about a
 * caller come from helper/request.c, which takes them from the kernel.
 */
#ifndef MB_HELPER_POLICY_H
#define MB_HELPER_POLICY_H

#include <linux/types.h>

#include "lib/error.h"
#include "minderbinder/quota.h"

#define MB_POLICY_MAX_ITEMS 32
#define MB_POLICY_CGROUP_MAX 256

struct mb_policy {
	char path[256];
	unsigned uids_line, cgroups_line, userns_line, host_ifaces_line; /* 0: not set */
	unsigned n_uids, n_cgroups, n_userns;
	__u32 uids[MB_POLICY_MAX_ITEMS];
	char cgroups[MB_POLICY_MAX_ITEMS][MB_POLICY_CGROUP_MAX];
	__u64 userns[MB_POLICY_MAX_ITEMS]; /* inodes */
	int userns_host, userns_nested;
	int host_ifaces;
	int has_quota;
	struct mb_quota_limits quota;
};

/* What the kernel says about a caller. */
struct mb_policy_caller {
	__u32 uid;
	const char *cgroup; /* its cgroup v2 path */
	__u64 userns;       /* its user namespace's inode */
	int nested_userns;  /* not the daemon's (the initial) user namespace */
};

/* Parses text as the policy file name: 0, or -EINVAL with err "NAME:LINE:
 * message" naming the nearest key or section. */
int mb_policy_parse(const char *name, const char *text, struct mb_policy *p,
		    struct mb_error *err);
/* Loads path (root's, not writable by others: mb_root_file_read). No file
 * at all: the defaults (anyone, quotas from /etc/minderbinder.conf, no
 * host interfaces) when !required, else an error. */
int mb_policy_load(const char *path, int required, struct mb_policy *p, struct mb_error *err);
/* Whether c may register: 0, or -EPERM with err "FILE:LINE: why". */
int mb_policy_check(const struct mb_policy *p, const struct mb_policy_caller *c,
		    struct mb_error *err);
/* A caller in the daemon's own network namespace asks for network rules
 * on its interfaces: 0 when allowed, or -EPERM with err. */
int mb_policy_check_host_ifaces(const struct mb_policy *p, struct mb_error *err);

#endif
