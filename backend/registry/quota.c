/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-uid quotas, the helper's side: the limits from MB_CONFIG_PATH go to
 * the pinned mb_quota_limits; every charge and refund of mb_registry_add
 * and mb_registry_remove runs the pinned mb_quota_charge program, so it is
 * the same atomic add the fork and exit hooks make (a read-modify-write of
 * the map from here would lose a fork that raced it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "mb_paths.h"
#include "registry/quota.h"
#include "lib/quota_config.h"

/* Where the limits in force came from, for the messages that quote them. */
static const char *quota_source = MB_CONFIG_PATH;

int mb_quota_configure(struct mb_error *err)
{
	struct mb_quota_limits l;
	int ret;

	ret = mb_quota_config_load(MB_CONFIG_PATH, 0, &l, err);
	return ret ? ret : mb_quota_apply(&l, MB_CONFIG_PATH, err);
}

int mb_quota_apply(const struct mb_quota_limits *l, const char *source, struct mb_error *err)
{
	struct mb_quota_limits pinned = *l;
	__u32 z = 0;
	int fd, ret;

	quota_source = source;
	pinned.set = strcmp(source, MB_CONFIG_PATH) ? MB_QUOTA_FROM_POLICY : MB_QUOTA_FROM_CONFIG;
	fd = bpf_obj_get(MB_QUOTA_LIMITS_PIN);
	if (fd < 0) {
		ret = -errno;
		mb_error_set(err, "mb-helper: cannot open %s: %s", MB_QUOTA_LIMITS_PIN,
			     strerror(-ret));
		return ret;
	}
	ret = bpf_map_update_elem(fd, &z, &pinned, BPF_ANY) ? -errno : 0;
	close(fd);
	if (ret)
		mb_error_set(err, "mb-helper: cannot set the quota limits: %s", strerror(-ret));
	return ret;
}

int mb_quota_charge(__u32 uid, int targets, int rules, struct mb_quota_charge *out)
{
	struct mb_quota_charge a = { .uid = uid, .targets = targets, .rules = rules };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
	int fd, ret;

	fd = bpf_obj_get(MB_QUOTA_CHARGE_PIN);
	if (fd < 0)
		return -errno;
	ret = bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	if (out)
		*out = a;
	return a.result;
}

int mb_quota_totals(struct mb_quota_usage *sum)
{
	struct mb_quota_usage u;
	__u32 key, next, *prev = NULL;
	int fd = bpf_obj_get(MB_QUOTA_PIN);

	memset(sum, 0, sizeof(*sum));
	if (fd < 0)
		return -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &u))
			continue;
		sum->targets += u.targets;
		sum->rules += u.rules;
		sum->refused += u.refused;
	}
	close(fd);
	return 0;
}

void mb_quota_add_error(int err, __u32 uid, __u32 n_rules, int pid, struct mb_error *why)
{
	struct mb_quota_charge q = { 0 };
	struct mb_quota_usage sum = { 0 };

	if (err == -EDQUOT || err == -E2BIG || err == -ENOSPC) {
		/* A charge of nothing: what uid holds now, and its limits. */
		mb_quota_charge(uid, 0, 0, &q);
		mb_quota_totals(&sum);
	}
	mb_quota_message(err, uid, n_rules, pid, &q, &sum, quota_source, why->msg, sizeof(why->msg));
}
