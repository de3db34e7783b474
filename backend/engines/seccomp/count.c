/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The counters of the rules we decide, written before the answer goes
 * back, so a call that returned is already counted.
 *
 * The registration's own rules (environment mode) are counted in an array
 * of our own that we map (mb_target.sv_counters_id, the helper made it):
 * a decided call costs two memory writes instead of a bpf() map update,
 * which was a quarter of a call's round trip (issue 18). The answer's
 * ioctl orders those writes before the caller can run again; readers find
 * the array through the target entry (mb_registry_counters).
 *
 * Without it (an older kernel, the helper could not make one), the
 * pinned mb_counters entries, as for guests: we are their only writer, so
 * each is kept here and written with a single update, read back (checking
 * the start time, against a reused pid) only every COUNT_VERIFY_NS: a pid
 * cannot be freed, wrap pid_max and be registered again faster than that.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "registry/registry.h"

#define COUNT_VERIFY_NS NSEC_PER_MSEC
#define SV_COUNTERS_SIZE (MB_MAX_RULES * sizeof(struct mb_counters))

void sv_count_init(struct supervisor *s)
{
	void *m;

	if (s->args->sv_counters_fd < 0)
		return;
	/* The mapping keeps the array alive: the descriptor can go. */
	m = mmap(NULL, SV_COUNTERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 s->args->sv_counters_fd, 0);
	close(s->args->sv_counters_fd);
	if (m != MAP_FAILED)
		s->sv_counters = m;
}

void sv_count_fini(struct supervisor *s)
{
	if (s->sv_counters)
		munmap(s->sv_counters, SV_COUNTERS_SIZE);
	s->sv_counters = NULL;
}

/* Readers copy an entry with bpf(): whole stores, the start time last of
 * all the first time, so they never take a half-made entry for ours. */
static void count_mapped(struct supervisor *s, __u32 i, __u64 calls, __u64 faults, __u64 now)
{
	struct mb_counters *c = &s->sv_counters[i];

	__atomic_store_n(&c->calls, c->calls + calls, __ATOMIC_RELAXED);
	if (faults) {
		__atomic_store_n(&c->faults, c->faults + faults, __ATOMIC_RELAXED);
		__atomic_store_n(&c->last_fault_ns, now, __ATOMIC_RELAXED);
	}
	if (c->start_ticks != s->args->reg_start_ticks)
		__atomic_store_n(&c->start_ticks, s->args->reg_start_ticks, __ATOMIC_RELEASE);
}

void sv_count_own(struct supervisor *s, __u32 i, __u64 calls, __u64 faults, __u64 now)
{
	bool verify;

	if (s->sv_counters) {
		count_mapped(s, i, calls, faults, now);
		return;
	}
	if (s->args->counters_fd < 0)
		return;
	verify = now - s->count_verified_ns[i] >= COUNT_VERIFY_NS;
	/* Fails by design once the target exited (BPF_EXIST): its
	 * descendants may still call, but nobody reads its counters. */
	if (mb_registry_count_cached(s->args->counters_fd, s->args->reg_tgid,
				     s->args->reg_start_ticks, i, calls, faults, now,
				     &s->count_cache[i], verify))
		s->count_verified_ns[i] = 0;
	else if (verify)
		s->count_verified_ns[i] = now;
}

void sv_count(struct supervisor *s, __u64 called, __u64 faulted, __u64 now)
{
	const struct guest *g;
	__u32 i;

	if (s->args->counters_fd < 0 && !s->sv_counters)
		return;
	for (i = 0; i < MB_MAX_RULES; i++) {
		if (!(called & (1ULL << i)))
			continue;
		if (s->slots[i].guest) {
			/* A guest's slot is its rule number only while it lives:
			 * written through, not cached. */
			g = &s->guests[s->slots[i].guest - 1];
			if (s->args->counters_fd >= 0)
				mb_registry_count(s->args->counters_fd, g->key,
						  g->reg_start_ticks, s->slots[i].pos, 1,
						  (faulted >> i) & 1, now);
			continue;
		}
		if (s->args->control_fd >= 0)
			continue; /* the C API's slots are not the registry's rule numbers */
		sv_count_own(s, i, 1, (faulted >> i) & 1, now);
	}
}
