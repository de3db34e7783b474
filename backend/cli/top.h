/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What `minderbinder top`'s sampling (cli/top.c) and its drawing of a
 * frame (cli/top_screen.c) share. */
#ifndef MB_CLI_TOP_H
#define MB_CLI_TOP_H

#include <linux/types.h>
#include <stddef.h>
#include <time.h>

#include "registry/snapshot.h"

#define HIST 30        /* faults/s samples kept per rule */
#define HEAD_ROWS 2    /* the header line and the column titles */
#define LINE_MAX_BYTES 4096

/* The previous totals and the faults/s samples of one rule. */
struct hist {
	__u32 pid;
	__u64 start_ticks; /* with pid: this process, not a later one */
	__u32 idx;
	__u64 calls, faults; /* at the previous sample */
	int have_rate;
	double calls_rate, faults_rate;
	double samples[HIST]; /* faults/s, a ring: oldest at head once full */
	unsigned n_samples, head;
	int seen;
};

struct top {
	double interval;
	struct mb_snapshot s;
	struct hist *h;
	size_t n_h, cap_h;
	struct timespec last;
	int have_last;
	size_t scroll;
};

/* The history of pid's (started at start_ticks) rule idx, or NULL. */
const struct hist *mb_top_hist(const struct top *tp, __u32 pid, __u64 start_ticks, __u32 idx);

/* rows 0: all the lines, plain (--once); else exactly rows rows, drawn
 * over the previous frame, with a scroll marker when the body is cut.
 * 0 or -errno. */
int mb_top_draw(struct top *tp, int cols, int rows);

/* All n bytes of p to stdout: 0 or -errno. */
int mb_top_write(const char *p, size_t n);

#endif
