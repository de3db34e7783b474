/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The watch.bpf.c loader: open -> configure (the interfaces) -> load ->
 * fill the maps -> attach, one cleanup in mb_watch_close.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engines/watch.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "watch.skel.h"

void mb_watch_init(struct mb_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->reg = (struct mb_registry){ -1, -1, -1 };
}

int mb_watch_open_registry(struct mb_watch *w, struct mb_error *err)
{
	int ret = mb_registry_open(&w->reg);

	if (ret)
		mb_error_set(err, "cannot open the registry: %s", strerror(-ret));
	return ret;
}

int mb_watch_load(struct mb_watch *w, const __u32 ifindex[MB_MAX_TARGET_IFACES],
		  struct mb_error *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = MB_PIN_DIR);
	int ret;

	w->skel = watch_bpf__open_opts(&opts);
	if (!w->skel) {
		ret = -errno;
		mb_error_set(err, "cannot open the BPF program: %s", strerror(-ret));
		return ret;
	}
	memcpy((void *)w->skel->rodata->watch_ifindex, ifindex,
	       sizeof(w->skel->rodata->watch_ifindex));
	ret = watch_bpf__load(w->skel);
	if (ret)
		mb_error_set(err, "cannot load the BPF program: %s", strerror(-ret));
	return ret;
}

int mb_watch_add_rule(struct mb_watch *w, __u32 idx, const struct mb_rule *rule,
		      enum mb_engine engine, const char (*names)[MB_WATCH_COMM_LEN], unsigned n,
		      unsigned *n_names, struct mb_error *err)
{
	int fd = bpf_map__fd(w->skel->maps.watch_names);
	struct mb_watch_rule r;
	unsigned j;
	int ret;

	memset(&r, 0, sizeof(r));
	r.entry.engine = engine;
	r.entry.rule = *rule;
	r.entry.dirfd_arg = rule->kind == MB_RULE_SYSCALL
				    ? mb_syscall_dirfd_arg(mb_syscall_name(mb_native_arch(),
									   rule->sys.nr))
				    : -1;
	r.rng = mb_rule_rng_state(rule);
	if (bpf_map_update_elem(bpf_map__fd(w->skel->maps.watch_rules), &idx, &r, BPF_ANY)) {
		ret = -errno;
		mb_error_set(err, "cannot fill the rule map: %s", strerror(-ret));
		return ret;
	}
	for (j = 0; j < n; j++) {
		struct mb_watch_comm key;
		struct mb_watch_names v = { 0 };

		memset(&key, 0, sizeof(key));
		strncpy(key.name, names[j], sizeof(key.name) - 1);
		if (bpf_map_lookup_elem(fd, &key, &v))
			(*n_names)++;
		if (v.mask & (1ULL << idx))
			continue;
		v.mask |= 1ULL << idx;
		v.idx[v.n++] = (__u8)idx;
		if (bpf_map_update_elem(fd, &key, &v, BPF_ANY)) {
			ret = -errno;
			mb_error_set(err, "cannot fill the name map: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int mb_watch_start(struct mb_watch *w, ring_buffer_sample_fn on_event, void *ctx,
		   struct mb_error *err)
{
	int ret;

	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.watch_events), on_event, ctx, NULL);
	if (!w->rb) {
		ret = -errno;
		mb_error_set(err, "cannot open the event ring: %s", strerror(-ret));
		return ret;
	}
	ret = watch_bpf__attach(w->skel);
	if (ret)
		mb_error_set(err, "cannot attach to sched_process_exec: %s", strerror(-ret));
	w->last_prune = time(NULL);
	return ret;
}

/* Forgets the owned entries whose process is gone (the registry's exit
 * program removed its target), so a long watch does not fill the map. */
static int still_running(__u32 pid, __u64 ticks)
{
	__u64 now;

	return !mb_proc_start_ticks((pid_t)pid, &now) && now == ticks;
}

static void prune_owned(int owned_fd, struct mb_registry *reg)
{
	__u32 key, next, *prev = NULL;
	__u32 gone[256];
	unsigned n = 0, i;
	struct mb_target t;
	__u64 ticks;

	while (n < 256 && !bpf_map_get_next_key(owned_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(owned_fd, &key, &ticks))
			continue;
		/* Only when the process itself is gone (or its pid reused): an
		 * entry the registry is rewriting at this instant stays ours. */
		if (mb_registry_lookup(reg, key, ticks, &t) && !still_running(key, ticks))
			gone[n++] = key;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(owned_fd, &gone[i]);
}

int mb_watch_poll(struct mb_watch *w, int ms)
{
	int n = ring_buffer__poll(w->rb, ms);

	if (time(NULL) - w->last_prune >= 10) {
		prune_owned(bpf_map__fd(w->skel->maps.watch_owned), &w->reg);
		w->last_prune = time(NULL);
	}
	return n;
}

static void read_comm(__u32 pid, char *out, size_t len)
{
	if (mb_proc_comm((pid_t)pid, out, len))
		snprintf(out, len, "?");
	out[strcspn(out, "\n")] = '\0';
}

unsigned mb_watch_stop(struct mb_watch *w,
		       void (*removed)(__u32 pid, const char *comm, int err, void *ctx), void *ctx)
{
	int owned_fd = bpf_map__fd(w->skel->maps.watch_owned);
	int rng_fd = bpf_map__fd(w->skel->maps.mb_rule_rng);
	__u32 key, next, *prev = NULL;
	struct mb_rule_key rk;
	struct mb_target t;
	unsigned n = 0;
	char comm[32];
	__u64 ticks;
	int err;

	/* Detach first: no new target while we remove the old ones. */
	watch_bpf__detach(w->skel);
	ring_buffer__consume(w->rb);
	while (!bpf_map_get_next_key(owned_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(owned_fd, &key, &ticks) ||
		    mb_registry_lookup(&w->reg, key, ticks, &t))
			continue; /* exited: the registry already forgot it */
		read_comm(key, comm, sizeof(comm));
		err = mb_registry_remove(&w->reg, key);
		if (!err) {
			rk.tgid = key;
			for (rk.idx = 0; rng_fd >= 0 && rk.idx < MB_MAX_RULES; rk.idx++)
				bpf_map_delete_elem(rng_fd, &rk);
			n++;
		}
		removed(key, comm, err, ctx);
	}
	return n;
}

void mb_watch_close(struct mb_watch *w)
{
	ring_buffer__free(w->rb);
	watch_bpf__destroy(w->skel);
	mb_registry_close(&w->reg);
	mb_watch_init(w);
}
