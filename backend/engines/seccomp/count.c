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
	__u32 i;

	if (s->args->counters_fd < 0 || s->control_fd >= 0)
		return; /* the C API's slots are not the registry's rule numbers */
	for (i = 0; i < s->spec.n_rules; i++) {
		bool verify = now - s->count_verified_ns[i] >= COUNT_VERIFY_NS;

		if (!(called & (1ULL << i)))
			continue;
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
