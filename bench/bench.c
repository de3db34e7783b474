/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `make bench`: minderbinder side by side with strace and libfiu, in one run.
 *
 *   1. start-up: /bin/true alone, with an empty preloaded library (the floor
 *      of any LD_PRELOAD), with the agent and no rule, and with one rule
 *      (registration through mb-helper); wall time of spawn + wait, variants
 *      interleaved, medians and ratios to the baseline;
 *   2. per intercepted call: bench/loop.c times N calls inside the target
 *      (getppid, and open() for libfiu, which wraps no getppid) without an
 *      agent, under our in-filter errno rule, our USER_NOTIF rule,
 *      `strace -e inject=` and `fiu-run`; rounds interleaved, medians;
 *   3. speed-up ratios of ours over strace and libfiu.
 *
 * Nothing here fails on a timing. The exit status is 1 only when a variant
 * could not run or its fault did not fire on every call (then its numbers
 * mean nothing, and the table says so).
 */
#include "bench.h"

/* ---- main ----------------------------------------------------------------- */

static void describe_machine(void)
{
	char line[256], model[256] = "unknown CPU";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			snprintf(model, sizeof(model), "%s", c + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	uname(&u);
	out("machine: Linux %s %s, %s, %ld online CPU(s)\n", u.release, u.machine, model,
	    sysconf(_SC_NPROCESSORS_ONLN));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench [--build DIR] [--rounds R] [--calls N] [--startup-runs N]\n"
		"             [--rule-runs N]\n"
		"  --build DIR       where libmbpreload.so, mb-helper and bench/ are "
		"(default build)\n"
		"  --rounds R        runs of each per-call variant (default 5)\n"
		"  --calls N         calls per per-call run (default 100000)\n"
		"  --startup-runs N  runs of /bin/true, with the empty preload, with the "
		"agent "
		"(default 200)\n"
		"  --rule-runs N     runs of /bin/true with one rule (default 50)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"build", required_argument, NULL, 'b'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"calls", required_argument, NULL, 'n'},
	    {"startup-runs", required_argument, NULL, 's'},
	    {"rule-runs", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char build[PATH_MAX], agent[PATH_MAX], loop[PATH_MAX], dir[PATH_MAX],
	    empty[PATH_MAX], res[PATH_MAX], cmdline[4096] = "";
	const char *build_arg = "build";
	int rounds = 5, runs = 200, rule_runs = 50, c, i;
	long calls = 100000;
	time_t now = time(NULL);
	char date[64];
	double t0 = now_ns();
	size_t used = 0;

	while ((c = getopt_long(argc, argv, "b:r:n:s:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			build_arg = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			calls = atol(optarg);
			break;
		case 's':
			runs = atoi(optarg);
			break;
		case 'u':
			rule_runs = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_SAMPLES || calls < 1 || runs < 1 ||
	    runs > MAX_SAMPLES || rule_runs < 0 || rule_runs > MAX_SAMPLES) {
		usage(stderr);
		return 2;
	}
	if (!realpath(build_arg, build)) {
		fprintf(stderr, "bench: failed to find %s: %s\n", build_arg,
			strerror(errno));
		return 2;
	}
	if (path_join(agent, sizeof(agent), build, "libmbpreload.so") ||
	    path_join(dir, sizeof(dir), build, "bench") ||
	    path_join(loop, sizeof(loop), dir, "loop") ||
	    path_join(empty, sizeof(empty), dir, "libempty.so") ||
	    path_join(res, sizeof(res), dir, "results.txt")) {
		fprintf(stderr, "bench: failed to use %s: path too long\n", build);
		return 2;
	}
	if (access(agent, R_OK) || access(loop, X_OK) || access(empty, R_OK)) {
		fprintf(stderr, "bench: failed to find %s, %s and %s (run make bench)\n",
			agent, loop, empty);
		return 2;
	}
	results = fopen(res, "w");
	if (!results) {
		fprintf(stderr, "bench: failed to open %s: %s\n", res, strerror(errno));
		return 2;
	}
	base_env_init();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (i = 0; i < argc && used < sizeof(cmdline); i++) {
		int n = snprintf(cmdline + used, sizeof(cmdline) - used, "%s%s",
				 i ? " " : "", argv[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
	out("minderbinder bench, %s\n", date);
	describe_machine();
	out("command: make bench  ->  %s\n", cmdline);
	fflush(stdout);

	bench_startup(agent, empty, "/bin/true", runs, rule_runs);
	fflush(stdout);
	bench_percall(agent, loop, dir, calls, rounds);

	reap_orphans(2000);
	out("\nTotal bench time %.1f s. Timings are reported, never judged: nothing here "
	    "fails on a number.\n",
	    (now_ns() - t0) / 1e9);
	if (broken)
		out("Some variant did not run or did not fault every call (see above): "
		    "exit "
		    "status 1.\n");
	fclose(results);
	printf("(also written to %s)\n", res);
	return broken;
}
