/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libempty.so: a preloaded library that does nothing. `make bench` starts
 * /bin/true with it to show what any LD_PRELOAD costs on this machine (the
 * floor under the agent's no-rule start-up cost).
 */
int mb_bench_empty(void);

int mb_bench_empty(void)
{
	return 0;
}
