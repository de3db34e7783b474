/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Each rule's coin: seed= gives the stream every engine draws
 * (minderbinder/rng.h), so the supervisor faults the same calls of a
 * single-threaded target as the BPF engines do; the supervisor is one
 * thread, so its draws follow the order the calls arrive in.
 */
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"
#include "minderbinder/rng.h"

void sv_seed_rule(struct supervisor *s, __u32 i)
{
	const struct mb_rule *r = &s->spec.rules[i];
	__u64 seed;

	memset(&s->rules[i], 0, sizeof(s->rules[i]));
	if (r->flags & MB_F_SEED)
		seed = r->seed;
	else if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		/* Unseeded rules only need to differ between runs. */
		seed = sv_now_ns() ^ ((__u64)getpid() << 32) ^ i;
	s->rules[i].rng = mb_rng_state(seed);
}

/* True with probability ppm / MB_RATE_ONE. */
bool sv_coin(struct rule_state *st, __u32 ppm)
{
	return mb_rng_faults(mb_rng_next(&st->rng), ppm);
}
