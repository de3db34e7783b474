/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* 1. start-up: spawn + wait of /bin/true, with and without the agent. */
#include "bench.h"

/* ---- 1. start-up ---------------------------------------------------------- */

struct startup {
	const char *label;
	struct cmd cmd;
	int want; /* runs */
	double ms[MAX_SAMPLES];
	int n, failed;
};

static void startup_once(struct startup *s)
{
	double ns;
	int st = run(&s->cmd, NULL, 0, &ns);

	if (!exited_ok(st)) {
		s->failed++;
		return;
	}
	s->ms[s->n++] = ns / 1e6;
}

/* S0 baseline, S1 an empty preloaded library (what any LD_PRELOAD costs:
 * the floor), S2 our agent without a rule, S3 our agent with one rule. */
enum { S_BASE, S_EMPTY, S_AGENT, S_RULE, S_COUNT };

void bench_startup(const char *agent, const char *empty, const char *truebin,
			  int runs, int rule_runs)
{
	static char preload[PATH_MAX + 16], preload_empty[PATH_MAX + 16];
	struct startup v[S_COUNT] = {
	    [S_BASE] = {"/bin/true (baseline)", {{NULL}, {truebin, NULL}}, runs},
	    [S_EMPTY] = {"+ empty preload (floor)",
			 {{preload_empty, NULL}, {truebin, NULL}},
			 runs},
	    [S_AGENT] = {"+ agent, no rule", {{preload, NULL}, {truebin, NULL}}, runs},
	    [S_RULE] = {"+ agent, rule getppid:EIO",
			{{preload, "MINDERBINDER_SYSCALL=getppid:EIO", NULL},
			 {truebin, NULL}},
			rule_runs},
	};
	char line[PATH_MAX * 2], rb[32];
	double base;
	int i, j, k, every;

	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", agent);
	snprintf(preload_empty, sizeof(preload_empty), "LD_PRELOAD=%s", empty);
	progress("start-up: %d runs of each of S0..S2, %d of S3, interleaved", runs,
		 rule_runs);
	for (k = 0; k < S_COUNT; k++) { /* warm the page cache and the helper */
		for (i = 0; i < 5; i++) {
			double ns;

			run(&v[k].cmd, NULL, 0, &ns);
		}
	}
	every = rule_runs > 0 ? (runs + rule_runs - 1) / rule_runs : 1;
	if (every < 1)
		every = 1;
	for (i = 0; i < runs || v[S_RULE].n + v[S_RULE].failed < rule_runs; i++) {
		if (i < runs) /* rotate which variant goes first */
			for (j = 0; j < S_RULE; j++)
				startup_once(&v[(i + j) % S_RULE]);
		if (v[S_RULE].n + v[S_RULE].failed < rule_runs &&
		    (i % every == 0 || i >= runs))
			startup_once(&v[S_RULE]);
	}

	out("\n1. Start-up: wall time of posix_spawn() + waitpid(), variants "
	    "interleaved\n\n");
	for (k = 0; k < S_COUNT; k++) {
		cmd_string(&v[k].cmd, line, sizeof(line));
		out("   [S%d] %s\n", k, line);
	}
	out("\n   %-4s %-26s %5s %10s %10s %10s %12s\n", "", "variant", "runs", "median",
	    "p10", "p90", "vs baseline");
	base = median(v[S_BASE].ms, v[S_BASE].n);
	for (k = 0; k < S_COUNT; k++) {
		double med = median(v[k].ms, v[k].n);

		if (!v[k].n) {
			out("   [S%d] %-26s %5d   FAILED: exit status non-zero on every "
			    "run\n",
			    k, v[k].label, 0);
			broken = 1;
			continue;
		}
		out("   [S%d] %-26s %5d %7.3f ms %7.3f ms %7.3f ms %12s\n", k, v[k].label,
		    v[k].n, med, percentile(v[k].ms, v[k].n, 10),
		    percentile(v[k].ms, v[k].n, 90),
		    base > 0 ? ratio(med / base, rb, sizeof(rb)) : "-");
		if (v[k].failed) {
			out("        ^ %d more run(s) exited non-zero and are not "
			    "counted\n",
			    v[k].failed);
			broken = 1;
		}
	}
	if (v[S_BASE].n && v[S_EMPTY].n && v[S_AGENT].n) {
		double a = median(v[S_AGENT].ms, v[S_AGENT].n);
		double e = median(v[S_EMPTY].ms, v[S_EMPTY].n);

		out("\n   agent without a rule: %.3fx the baseline (target <= 1.05x: "
		    "%s), +%.0f us;\n"
		    "   an empty preloaded library alone: %.3fx, +%.0f us\n",
		    a / base, a / base <= 1.05 ? "met" : "NOT met", (a - base) * 1e3,
		    e / base, (e - base) * 1e3);
	}
	if (v[S_BASE].n && v[S_RULE].n)
		out("   one rule (helper registration + filter): median %.3f ms, +%.3f "
		    "ms over "
		    "the baseline\n",
		    median(v[S_RULE].ms, v[S_RULE].n),
		    median(v[S_RULE].ms, v[S_RULE].n) - base);
}
