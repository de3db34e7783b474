/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Each rule's coin: a xoshiro256** stream per rule. */
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "engines/seccomp/supervisor.h"

static __u64 splitmix64(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 rotl64(__u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static __u64 xoshiro_next(__u64 *s)
{
	__u64 r = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return r;
}

static void rng_seed(__u64 *s, __u64 seed)
{
	int i;

	/* splitmix64 expands any seed, 0 included, into a non-zero state. */
	for (i = 0; i < 4; i++)
		s[i] = splitmix64(&seed);
}

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
	rng_seed(s->rules[i].rng, seed);
}

/* True with probability ppm / MB_RATE_ONE. */
bool sv_coin(struct rule_state *st, __u32 ppm)
{
	__u64 r = xoshiro_next(st->rng) >> 32;

	return (__u32)((r * MB_RATE_ONE) >> 32) < ppm;
}
