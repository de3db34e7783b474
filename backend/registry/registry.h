/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The pinned target registry: loaded once, then only its maps change. */
#ifndef MB_REGISTRY_H
#define MB_REGISTRY_H

#include <sys/types.h>
#include "lib/spec_parse.h"
#include "minderbinder/registry.h"

struct mb_registry {
	int targets_fd;
	int rules_fd;
	int counters_fd;
};

/* Opens the pinned maps; loads, attaches and pins everything first when
 * this is the first helper since boot (or since `minderbinder unload`). */
int mb_registry_open(struct mb_registry *reg);
void mb_registry_close(struct mb_registry *reg);
/* Closes every map but the counters (a supervisor's only need). */
void mb_registry_keep_counters(struct mb_registry *reg);
/* Whether a pin exists, asked with the effective (not the real) ids. */
int mb_pin_exists(const char *path);
/* Serialises helpers that load, attach or detach shared state. Waits
 * MB_REGISTRY_LOCK_WAIT_MS, or once mb_registry_lock_wait(ms) was called,
 * until ms after that call for all locks together; then fails with
 * -ETIMEDOUT. mb_registry_lock_why words a failure. */
#define MB_REGISTRY_LOCK_PATH "/run/minderbinder/registry.lock"
#define MB_REGISTRY_LOCK_WAIT_MS 30000
int mb_registry_lock(void);
void mb_registry_lock_wait(int ms);
void mb_registry_lock_why(int err, struct mb_error *e);
void mb_registry_unlock(int fd);

/* tids: per rule, the only thread it applies to (0 = all); NULL = all. */
int mb_registry_add(struct mb_registry *reg, __u32 tgid,
		    const struct mb_target *t, const struct mb_spec *spec,
		    const __u32 *engines, const __s32 *tids);
int mb_registry_remove(struct mb_registry *reg, __u32 tgid);
/* Removes tgid's entries unless its target entry is another process's
 * (another start time): -ESRCH then. */
int mb_registry_remove_if(struct mb_registry *reg, __u32 tgid, __u64 start_ticks);
/* seed= of a rule a BPF engine serves: its stream's first state (never
 * zero, minderbinder/rng.h), or 0 when the rule has no seed. */
__u64 mb_rule_rng_state(const struct mb_rule *r);
/* Rule idx of tgid's entry as it is recorded: 0, or -ENOENT. */
int mb_registry_rule(const struct mb_registry *reg, __u32 tgid, __u32 idx,
		     struct mb_rule_entry *out);
/* The target entry for tgid if it is still the same process. */
int mb_registry_lookup(struct mb_registry *reg, __u32 tgid, __u64 start_ticks,
		       struct mb_target *out);
/* Rewrites tgid's target entry with t, only while the entry there is
 * still the process t names (its start time): -ESRCH, -ENOENT if not. */
int mb_registry_update(struct mb_registry *reg, __u32 tgid, const struct mb_target *t);
/* Adds to a rule's counters, only while the target that started at
 * start_ticks is registered. */
int mb_registry_count(int counters_fd, __u32 tgid, __u64 start_ticks, __u32 idx, __u64 calls,
		      __u64 faults, __u64 now_ns);
/* The same with the entry kept in *c by its one writer (the supervisor):
 * verify reads and checks it first; otherwise *c is taken as what the map
 * holds, and one update is the whole cost. */
int mb_registry_count_cached(int counters_fd, __u32 tgid, __u64 start_ticks, __u32 idx,
			     __u64 calls, __u64 faults, __u64 now_ns, struct mb_counters *c,
			     bool verify);

/* A rule's counters as readers see them: tgid's mb_counters entry, if it
 * is still the process t names (-ESRCH if not), with the supervisor's own
 * counters for the rules it counts (t->sv_counters_id) in their place. */
int mb_registry_counters(int counters_fd, const struct mb_target *t, __u32 tgid, __u32 idx,
			 struct mb_counters *out);
/* The supervisor's counters (mb_target.sv_counters_id): a new array it
 * maps and writes. Returns its fd and sets *id, or -errno. */
int mb_registry_sv_counters_create(__u32 *id);

/* Removes every pin under MB_PIN_DIR but those named in keep (NULL-ended);
 * reports each through cb. */
int mb_registry_unload(const char *const *keep, void (*cb)(const char *what, void *ctx),
		       void *ctx);

#endif
