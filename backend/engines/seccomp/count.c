/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The registry's counters of the rules we decide, written before the
 * answer goes back, so a call that returned is already counted. The
 * supervisor is the only writer of these entries: it keeps each one and
 * writes it with a single update, and reads it back (checking the start
 * time, against a reused pid) only every COUNT_VERIFY_NS: a pid cannot
 * be freed, wrap pid_max and be registered again faster than that.
 */
#include "engines/seccomp/supervisor.h"
#include "registry/registry.h"

#define COUNT_VERIFY_NS NSEC_PER_MSEC

void sv_count(struct supervisor *s, __u64 called, __u64 faulted, __u64 now)
{
	const struct guest *g;
	bool verify;
	__u32 i;

	if (s->args->counters_fd < 0)
		return;
	for (i = 0; i < MB_MAX_RULES; i++) {
		if (!(called & (1ULL << i)))
			continue;
		if (s->slots[i].guest) {
			/* A guest's slot is its rule number only while it lives:
			 * written through, not cached. */
			g = &s->guests[s->slots[i].guest - 1];
			mb_registry_count(s->args->counters_fd, g->key, g->reg_start_ticks,
					  s->slots[i].pos, 1, (faulted >> i) & 1, now);
			continue;
		}
		if (s->args->control_fd >= 0)
			continue; /* the C API's slots are not the registry's rule numbers */
		verify = now - s->count_verified_ns[i] >= COUNT_VERIFY_NS;
		/* Fails by design once the target exited (BPF_EXIST): its
		 * descendants may still call, but nobody reads its counters. */
		if (mb_registry_count_cached(s->args->counters_fd, s->args->reg_tgid,
					     s->args->reg_start_ticks, i, 1, (faulted >> i) & 1,
					     now, &s->count_cache[i], verify))
			s->count_verified_ns[i] = 0;
		else if (verify)
			s->count_verified_ns[i] = now;
	}
}
