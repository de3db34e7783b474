/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one random stream of seed=, for every engine: the BPF programs
 * (bpf/rule_window.bpf.h) and the seccomp supervisor draw from it alike,
 * so a rule with one seed faults the same calls of a single-threaded
 * target whichever engine serves it. The stream: splitmix64 of the seed
 * once, then xorshift64 (13, 7, 17); one draw per call that reaches the
 * rule's coin (its window open), the high 32 bits, taken modulo
 * MB_RATE_ONE. On the BPF side include this after vmlinux.h.
 */
#ifndef MINDERBINDER_RNG_H
#define MINDERBINDER_RNG_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "minderbinder/rule.h"

/* The first state of a seed's stream. splitmix64 spreads neighbouring
 * seeds apart; xorshift64 never leaves 0, so 0 becomes 1. */
static inline __attribute__((always_inline)) __u64 mb_rng_state(__u64 seed)
{
	__u64 z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

/* The next draw. */
static inline __attribute__((always_inline)) __u32 mb_rng_next(__u64 *state)
{
	__u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (__u32)(x >> 32);
}

/* Whether a draw (this stream's, or the kernel's without seed=) faults
 * the call at rate_ppm parts per million. */
static inline __attribute__((always_inline)) int mb_rng_faults(__u32 draw, __u32 rate_ppm)
{
	return draw % MB_RATE_ONE < rate_ppm;
}

#endif
