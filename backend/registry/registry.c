/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "minderbinder/net.h"
#include "minderbinder/rng.h"
#include "registry/quota.h"
#include "registry/registry.h"
#include "registry.skel.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

#define LOCK_DIR "/run/minderbinder"
#define LOCK_PATH MB_REGISTRY_LOCK_PATH

static int ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs(MB_BPFFS_ROOT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	/* As bpftool does when bpffs is not mounted at boot. */
	if (mount("bpf", MB_BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[256];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* With our effective ids: access() would ask about the set-uid caller's
 * real uid, which cannot look into a root-only bpffs. */
int mb_pin_exists(const char *path)
{
	return !faccessat(AT_FDCWD, path, F_OK, AT_EACCESS);
}

static int open_pinned(struct mb_registry *reg)
{
	reg->targets_fd = bpf_obj_get(MB_TARGETS_PIN);
	reg->rules_fd = bpf_obj_get(MB_RULES_PIN);
	reg->counters_fd = bpf_obj_get(MB_COUNTERS_PIN);
	if (reg->targets_fd >= 0 && reg->rules_fd >= 0 && reg->counters_fd >= 0 &&
	    mb_pin_exists(MB_EXIT_LINK_PIN) && mb_pin_exists(MB_FORK_LINK_PIN) &&
	    mb_pin_exists(MB_EXEC_LINK_PIN) && mb_pin_exists(MB_QUOTA_CHARGE_PIN))
		return 0;
	mb_registry_close(reg);
	return -ENOENT;
}

static int attach_pinned(struct bpf_program *prog, const char *pin)
{
	struct bpf_link *link;
	int err;

	if (mb_pin_exists(pin))
		return 0;
	link = bpf_program__attach(prog);
	if (!link)
		return -errno;
	err = bpf_link__pin(link, pin);
	bpf_link__destroy(link); /* the pin keeps it attached */
	return err;
}

/* Load, attach and pin, with the lock held. */
static int load_and_pin(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = MB_PIN_DIR);
	struct registry_bpf *skel;
	int err;

	skel = registry_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = registry_bpf__load(skel);
	if (err)
		goto cleanup;
	err = attach_pinned(skel->progs.mb_exit, MB_EXIT_LINK_PIN);
	if (!err)
		err = attach_pinned(skel->progs.mb_fork, MB_FORK_LINK_PIN);
	if (!err)
		err = attach_pinned(skel->progs.mb_exec, MB_EXEC_LINK_PIN);
	if (!err && !mb_pin_exists(MB_QUOTA_CHARGE_PIN))
		err = bpf_program__pin(skel->progs.mb_quota_charge, MB_QUOTA_CHARGE_PIN);
cleanup:
	registry_bpf__destroy(skel);
	return err;
}

static __u64 monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

/* One deadline for every lock a helper takes (it may take two or three:
 * the programs' load, the interface sweep, the network attach): a caller
 * who waits N ms must hear the helper's answer within N ms, not N per
 * lock. 0: each lock waits MB_REGISTRY_LOCK_WAIT_MS of its own. */
static __u64 lock_deadline_ms;
static int lock_wait_ms = MB_REGISTRY_LOCK_WAIT_MS;

void mb_registry_lock_wait(int ms)
{
	lock_wait_ms = ms > 0 ? ms : MB_REGISTRY_LOCK_WAIT_MS;
	lock_deadline_ms = monotonic_ms() + (__u64)lock_wait_ms;
}

/*
 * Polled, never a blocking flock: whoever holds the lock (a helper that
 * loads the programs, `minderbinder unload`) must not be able to make
 * everybody else's registration hang, only fail, and say why.
 */
static int lock_bounded(int fd)
{
	__u64 deadline = lock_deadline_ms ? lock_deadline_ms
					  : monotonic_ms() + (__u64)lock_wait_ms;
	struct timespec nap = { 0, 1000000 }; /* 1 ms, doubling to 32 ms */

	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (monotonic_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2;
	}
	return 0;
}

int mb_registry_lock(void)
{
	int fd, err;

	err = ensure_bpffs();
	if (!err)
		err = mkdir_p(MB_PIN_DIR, 0700);
	if (!err)
		err = mkdir_p(LOCK_DIR, 0700);
	if (err)
		return err;
	/* Two first helpers at once must not both load and pin. */
	fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	err = lock_bounded(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void mb_registry_lock_why(int err, struct mb_error *e)
{
	if (err == -ETIMEDOUT)
		mb_error_set(e, "timed out after %d ms waiting for the registry lock %s "
			     "(another registration or an unload holds it)", lock_wait_ms, LOCK_PATH);
	else
		mb_error_set(e, "failed to lock the registry (%s): %s", LOCK_PATH,
			     strerror(-err));
}

void mb_registry_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int mb_registry_open(struct mb_registry *reg)
{
	int lock_fd, err;

	reg->targets_fd = reg->rules_fd = reg->counters_fd = -1;
	if (!open_pinned(reg))
		return 0;
	lock_fd = mb_registry_lock();
	if (lock_fd < 0)
		return lock_fd;
	err = open_pinned(reg);
	if (err) {
		err = load_and_pin();
		if (!err)
			err = open_pinned(reg);
	}
	mb_registry_unlock(lock_fd);
	return err;
}

void mb_registry_close(struct mb_registry *reg)
{
	if (reg->targets_fd >= 0)
		close(reg->targets_fd);
	if (reg->rules_fd >= 0)
		close(reg->rules_fd);
	if (reg->counters_fd >= 0)
		close(reg->counters_fd);
	reg->targets_fd = reg->rules_fd = reg->counters_fd = -1;
}

void mb_registry_keep_counters(struct mb_registry *reg)
{
	int counters_fd = reg->counters_fd;

	reg->counters_fd = -1;
	mb_registry_close(reg);
	reg->counters_fd = counters_fd;
}

int mb_registry_rule(const struct mb_registry *reg, __u32 tgid, __u32 idx,
		     struct mb_rule_entry *out)
{
	struct mb_rule_key key = { .tgid = tgid, .idx = idx };

	return bpf_map_lookup_elem(reg->rules_fd, &key, out) ? -errno : 0;
}

int mb_registry_remove(struct mb_registry *reg, __u32 tgid)
{
	struct mb_rule_key key = { .tgid = tgid };
	struct mb_target t;
	int rings, have;

	for (key.idx = 0; key.idx < MB_MAX_RULES; key.idx++) {
		bpf_map_delete_elem(reg->rules_fd, &key);
		bpf_map_delete_elem(reg->counters_fd, &key);
	}
	/* Its MINDERBINDER_LOG ring: the logger drains what is in it. */
	rings = bpf_obj_get(MB_LOG_RINGS_PIN);
	if (rings >= 0) {
		bpf_map_delete_elem(rings, &tgid);
		close(rings);
	}
	have = !bpf_map_lookup_elem(reg->targets_fd, &tgid, &t);
	if (bpf_map_delete_elem(reg->targets_fd, &tgid))
		return errno == ENOENT ? 0 : -errno;
	/* Deleted by us, not by the exit hook: the refund is ours to make. */
	if (have)
		mb_quota_charge(t.uid, -1, -(int)t.n_rules, NULL);
	return 0;
}

int mb_registry_remove_if(struct mb_registry *reg, __u32 tgid, __u64 start_ticks)
{
	struct mb_target cur;

	if (!bpf_map_lookup_elem(reg->targets_fd, &tgid, &cur) && cur.start_ticks != start_ticks)
		return -ESRCH; /* another process's under a reused pid */
	return mb_registry_remove(reg, tgid);
}

__u64 mb_rule_rng_state(const struct mb_rule *r)
{
	return (r->flags & MB_F_SEED) ? mb_rng_state(r->seed) : 0;
}

static void seed_rules(__u32 tgid, const struct mb_spec *spec)
{
	struct mb_rule_key key = { .tgid = tgid };
	int fd = -1;

	for (key.idx = 0; key.idx < spec->n_rules; key.idx++) {
		__u64 z = mb_rule_rng_state(&spec->rules[key.idx]);

		if (!z)
			continue;
		if (fd < 0 && (fd = bpf_obj_get(MB_RULE_RNG_PIN)) < 0)
			return;
		bpf_map_update_elem(fd, &key, &(struct mb_rule_rng){ z }, BPF_ANY);
	}
	if (fd >= 0)
		close(fd);
}

int mb_registry_add(struct mb_registry *reg, __u32 tgid,
		    const struct mb_target *t, const struct mb_spec *spec,
		    const __u32 *engines, const __s32 *tids)
{
	struct mb_rule_entry entry;
	struct mb_counters zero = { .start_ticks = t->start_ticks };
	struct mb_rule_key key = { .tgid = tgid };
	int err;

	/* A previous registration of this very process is replaced whole. */
	mb_registry_remove(reg, tgid);
	/* Its uid's share first (t->n_rules, what the exit hook refunds):
	 * over the quota, nothing is written. */
	err = mb_quota_charge(t->uid, 1, (int)t->n_rules, NULL);
	if (err)
		return err;
	for (key.idx = 0; key.idx < spec->n_rules; key.idx++) {
		memset(&entry, 0, sizeof(entry));
		entry.start_ticks = t->start_ticks;
		entry.engine = engines[key.idx];
		entry.tid = tids ? (__u32)tids[key.idx] : 0;
		entry.rule = spec->rules[key.idx];
		entry.dirfd_arg = entry.rule.kind == MB_RULE_SYSCALL
					  ? mb_syscall_dirfd_arg(mb_syscall_name(spec->arch,
										 entry.rule.sys.nr))
					  : -1;
		if (bpf_map_update_elem(reg->rules_fd, &key, &entry, BPF_ANY) ||
		    bpf_map_update_elem(reg->counters_fd, &key, &zero, BPF_ANY))
			goto fail;
	}
	seed_rules(tgid, spec);
	/* The target goes in last: readers find it only when complete. */
	if (bpf_map_update_elem(reg->targets_fd, &tgid, t, BPF_ANY))
		goto fail;
	return 0;
fail:
	err = -errno;
	/* The target is not in: remove finds nothing to refund. */
	mb_registry_remove(reg, tgid);
	mb_quota_charge(t->uid, -1, -(int)t->n_rules, NULL);
	return err;
}

int mb_registry_lookup(struct mb_registry *reg, __u32 tgid, __u64 start_ticks,
		       struct mb_target *out)
{
	if (bpf_map_lookup_elem(reg->targets_fd, &tgid, out))
		return -errno;
	return out->start_ticks == start_ticks ? 0 : -ESRCH;
}

int mb_registry_update(struct mb_registry *reg, __u32 tgid, const struct mb_target *t)
{
	struct mb_target cur;

	/* Lookup, compare, update: the entry must still be this process's.
	 * BPF_EXIST keeps an exited one from coming back. What is left is
	 * the gap between the compare and the update: the target would have
	 * to exit, its pid be reused and registered again within it; then
	 * the new entry is overwritten with ours, whose start time the BPF
	 * programs' use-time checks refuse for the new process, and the
	 * helper's re-verification through the pidfd removes it. */
	if (bpf_map_lookup_elem(reg->targets_fd, &tgid, &cur))
		return -errno;
	if (cur.start_ticks != t->start_ticks)
		return -ESRCH;
	if (bpf_map_update_elem(reg->targets_fd, &tgid, t, BPF_EXIST))
		return -errno;
	return 0;
}

int mb_registry_count_cached(int counters_fd, __u32 tgid, __u64 start_ticks, __u32 idx,
			     __u64 calls, __u64 faults, __u64 now_ns, struct mb_counters *c,
			     bool verify)
{
	struct mb_rule_key key = { .tgid = tgid, .idx = idx };
	struct mb_counters next;

	if (verify) {
		if (bpf_map_lookup_elem(counters_fd, &key, c))
			return -errno;
		/* Another process's counters under a reused pid: not ours to
		 * add to (the gap to the update below is mb_registry_update's). */
		if (c->start_ticks != start_ticks)
			return -ESRCH;
	}
	next = *c;
	next.calls += calls;
	next.faults += faults;
	if (faults)
		next.last_fault_ns = now_ns;
	/* BPF_EXIST: never bring back the entry of a target that just exited. */
	if (bpf_map_update_elem(counters_fd, &key, &next, BPF_EXIST))
		return -errno;
	*c = next;
	return 0;
}

int mb_registry_count(int counters_fd, __u32 tgid, __u64 start_ticks, __u32 idx, __u64 calls,
		      __u64 faults, __u64 now_ns)
{
	struct mb_counters c;

	return mb_registry_count_cached(counters_fd, tgid, start_ticks, idx, calls, faults,
					now_ns, &c, true);
}

/*
 * The supervisor's counters live in an array it maps (count.c: a call it
 * decides costs a memory write, not a bpf() update). It is not pinned: it
 * goes with the supervisor, and readers find it by the id in the target
 * entry. An id can be reused by another map once ours is gone, so it is
 * trusted only when it is still an array by our name and size, and an
 * entry only when it carries the target's start time.
 */
int mb_registry_sv_counters_create(__u32 *id)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, MB_SV_COUNTERS_NAME, sizeof(__u32),
			    sizeof(struct mb_counters), MB_MAX_RULES, &opts);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	*id = info.id;
	return fd;
}

static void sv_counters_read(const struct mb_target *t, __u32 idx, struct mb_counters *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct mb_counters c;
	int fd = bpf_map_get_fd_by_id(t->sv_counters_id);

	if (fd < 0)
		return; /* the supervisor is gone, and so is every caller */
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_ARRAY &&
	    info.value_size == sizeof(c) && info.max_entries == MB_MAX_RULES &&
	    !strcmp(info.name, MB_SV_COUNTERS_NAME) && !bpf_map_lookup_elem(fd, &idx, &c) &&
	    c.start_ticks == t->start_ticks) {
		out->calls = c.calls;
		out->faults = c.faults;
		out->last_fault_ns = c.last_fault_ns;
	}
	close(fd);
}

int mb_registry_counters(int counters_fd, const struct mb_target *t, __u32 tgid, __u32 idx,
			 struct mb_counters *out)
{
	struct mb_rule_key key = { .tgid = tgid, .idx = idx };

	if (bpf_map_lookup_elem(counters_fd, &key, out))
		return -errno;
	if (out->start_ticks != t->start_ticks)
		return -ESRCH;
	if (t->sv_counters_id && idx < MB_MAX_RULES)
		sv_counters_read(t, idx, out);
	return 0;
}

/* Pins of older layouts (v1, v2, ...): ours too, and unload means all. */
static void unload_old_versions(void (*cb)(const char *what, void *ctx), void *ctx)
{
	const char *top = MB_BPFFS_ROOT "/minderbinder", *cur = strrchr(MB_PIN_DIR, '/') + 1;
	char dir[512], path[1024];
	struct dirent *de, *pe;
	DIR *d = opendir(top), *p;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] != 'v' || !strcmp(de->d_name, cur))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", top, de->d_name);
		p = opendir(dir);
		if (!p)
			continue;
		while ((pe = readdir(p))) {
			if (pe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, pe->d_name);
			if (!unlink(path) && cb)
				cb(path, ctx);
		}
		closedir(p);
		rmdir(dir);
	}
	closedir(d);
}

int mb_registry_unload(const char *const *keep, void (*cb)(const char *what, void *ctx),
		       void *ctx)
{
	const char *const *k;
	char path[512];
	struct dirent *de;
	DIR *d;
	int err = 0;

	unload_old_versions(cb, ctx);
	d = opendir(MB_PIN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		for (k = keep; k && *k && strcmp(*k, de->d_name); k++)
			;
		if (k && *k)
			continue;
		snprintf(path, sizeof(path), "%s/%s", MB_PIN_DIR, de->d_name);
		if (unlink(path)) {
			err = -errno;
			continue;
		}
		if (cb)
			cb(path, ctx);
	}
	closedir(d);
	if (!err && (!keep || !*keep) && rmdir(MB_PIN_DIR) && errno != ENOENT)
		err = -errno;
	return err;
}
