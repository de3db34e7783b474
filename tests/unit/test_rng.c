/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* seed='s one generator (minderbinder/rng.h), which the BPF engines and the
 * seccomp supervisor both draw from: its published reference values, and
 * the fault pattern a seeded rule gives, which tests and users rely on. */
#include <criterion/criterion.h>

#include "minderbinder/rng.h"

/* splitmix64 seeded with 0: the first output of the reference code. */
Test(rng, state_is_splitmix64)
{
	cr_assert_eq(mb_rng_state(0), 0xe220a8397b1dcdafULL);
}

/* xorshift64 (13, 7, 17) from Marsaglia's paper ("Xorshift RNGs", 2003):
 * its example state and the outputs it lists. */
Test(rng, next_is_marsaglia_xorshift64)
{
	static const __u64 want[] = { 8748534153485358512ULL, 3040900993826735515ULL,
				      3453997556048239312ULL };
	__u64 x = 88172645463325252ULL;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(mb_rng_next(&x), (__u32)(want[i] >> 32), "draw %zu", i);
		cr_assert_eq(x, want[i], "state %zu", i);
	}
}

/* xorshift64 stays at 0 for ever: no seed may lead there. */
Test(rng, state_is_never_zero)
{
	__u64 seed;

	for (seed = 0; seed < 100000; seed++)
		cr_assert_neq(mb_rng_state(seed), 0, "seed %llu", (unsigned long long)seed);
	/* The one seed splitmix64 maps to 0: the finaliser keeps 0 at 0, so
	 * it is the seed that the increment takes to 0. */
	cr_assert_eq(mb_rng_state(0x61c8864680b583ebULL), 1);
}

Test(rng, rate_edges)
{
	cr_assert(!mb_rng_faults(0, 0), "rate=0%% never faults");
	cr_assert(!mb_rng_faults(0xffffffffu, 0));
	cr_assert(mb_rng_faults(0, MB_RATE_ONE), "rate=100%% always faults");
	cr_assert(mb_rng_faults(0xffffffffu, MB_RATE_ONE));
	/* draw % MB_RATE_ONE against the rate: 999999 is the largest residue. */
	cr_assert(mb_rng_faults(MB_RATE_ONE - 1, MB_RATE_ONE));
	cr_assert(!mb_rng_faults(MB_RATE_ONE - 1, MB_RATE_ONE - 1));
	cr_assert(mb_rng_faults(MB_RATE_ONE, 1), "MB_RATE_ONE wraps to residue 0");
}

/*
 * rate=50%:seed=42, one draw per call: the first 64 calls' faults. The
 * same string is what the seccomp supervisor gives a single-threaded target
 * (tests/integration/c/test_supervisor.c checks the whole run against
 * this generator) and what a BPF engine gives. Changing the generator
 * changes every seeded user's fault pattern: this test says so.
 */
Test(rng, seed_42_at_half_rate)
{
	const char *want = "1100010110000010100000001110101111010111111001110111100101010010";
	__u64 s = mb_rng_state(42);
	char got[65];
	int i;

	for (i = 0; i < 64; i++)
		got[i] = mb_rng_faults(mb_rng_next(&s), MB_RATE_ONE / 2) ? '1' : '0';
	got[64] = '\0';
	cr_assert_str_eq(got, want);
}

/* The rate holds: 100000 draws at 25% land within 6 sigma (sigma 137). */
Test(rng, rate_is_kept)
{
	__u64 s = mb_rng_state(7);
	unsigned n = 0, i;

	for (i = 0; i < 100000; i++)
		n += mb_rng_faults(mb_rng_next(&s), MB_RATE_ONE / 4) != 0;
	cr_assert(n > 25000 - 822 && n < 25000 + 822, "%u of 100000", n);
}
