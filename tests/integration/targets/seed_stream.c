/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What seed= predicts, for the integration tests: the faults of a rule
 * rate=PERCENT%:seed=SEED over N calls that each reach its coin, drawn as
 * every engine draws them (minderbinder/rng.h). Prints one character per
 * call, 1 faulted and 0 ran (mbprobe's "pattern"); with -r, the numbers of
 * the calls that ran, comma-separated (what a counting UDP server receives
 * from a drop rule: net_udp_count's "seqs").
 *
 *   seed_stream [-r] SEED PERCENT N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minderbinder/rng.h"

int main(int argc, char **argv)
{
	int ran_only = argc > 1 && !strcmp(argv[1], "-r");
	const char *sep = "";
	unsigned long long seed;
	unsigned long percent, n, i;
	__u64 state;

	if (argc != 4 + ran_only) {
		fprintf(stderr, "usage: seed_stream [-r] SEED PERCENT N\n");
		return 2;
	}
	seed = strtoull(argv[1 + ran_only], NULL, 0);
	percent = strtoul(argv[2 + ran_only], NULL, 10);
	n = strtoul(argv[3 + ran_only], NULL, 10);
	if (percent > 100) {
		fprintf(stderr, "seed_stream: PERCENT is 0..100\n");
		return 2;
	}
	state = mb_rng_state(seed);
	for (i = 0; i < n; i++) {
		int fault = mb_rng_faults(mb_rng_next(&state),
					  (__u32)(percent * (MB_RATE_ONE / 100)));

		if (!ran_only) {
			putchar(fault ? '1' : '0');
		} else if (!fault) {
			printf("%s%lu", sep, i);
			sep = ",";
		}
	}
	putchar('\n');
	return 0;
}
