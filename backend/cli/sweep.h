/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the phases of `minderbinder sweep` share (cli/sweep.c: options and
 * the loop over k; cli/sweep_trace.c: one traced run; cli/sweep_report.c:
 * its row and the summary). */
#ifndef MB_CLI_SWEEP_H
#define MB_CLI_SWEEP_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/spec_parse.h"

#define SHOWN_PATH_MAX 1024
#define EXIT_SWEEP_FAILED 125

/* The options: the same for every run. */
struct sweep {
	struct mb_spec spec; /* one rule; after= and times= set per run */
	const char *name;    /* the syscall's name */
	int nr;
	int path_arg;        /* which argument is a path, -1: none */
	long long expect;    /* what the faulted call returns */
	char helper[PATH_MAX];
	char **argv;
	double timeout_s;
	bool verbose;
	bool json;
	int counters_fd;
	int targets_fd; /* with counters_fd: the supervisor's counters of CMD */
};

/* A thread of the run we trace. */
struct task {
	pid_t tid;
	pid_t tgid;
	bool pending; /* between a matching call's entry and its exit */
	bool has_path;
	char path[SHOWN_PATH_MAX];
};

/* What run k did. */
struct run {
	unsigned long k;
	pid_t top;       /* CMD: the registered target, its own process group */
	__u64 top_ticks; /* its start time, as its counters entry holds it */
	struct task *tasks;
	size_t n_tasks, cap;
	bool top_gone, timed_out, we_killed;
	int top_status;
	bool registered; /* its counters entry was seen */
	__u64 calls, faults;
	bool found;      /* the faulted call was seen at its exit */
	bool found_has_path;
	char path[SHOWN_PATH_MAX];
	pid_t crash_pid; /* another process of the tree that crashed */
	int crash_sig;
	int fail_status; /* CMD could not be started: the exit status */
};

/* The summary line's counts. */
struct totals {
	unsigned long runs, crashed, timeouts;
	char crashed_ks[256];
};


/* One run: 0 with r filled in, or -errno with err and r->fail_status. */
int mb_sweep_run_once(struct sweep *sw, struct run *r, const sigset_t *chld,
		      const sigset_t *old_mask, struct mb_error *err);

/* Run k reached its k-th call: there may be a run k+1. */
bool mb_sweep_faulted(const struct run *r);
/* The table's titles, or the JSON array's '[': before the first row. */
void mb_sweep_print_head(const struct sweep *sw);
void mb_sweep_print_row(const struct sweep *sw, const struct run *r);
void mb_sweep_print_json_row(const struct sweep *sw, const struct run *r, bool first);
void mb_sweep_count_run(struct totals *t, const struct run *r);
void mb_sweep_print_summary(FILE *f, const struct totals *t, unsigned long max, bool capped);

#endif
