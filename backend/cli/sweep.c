/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder sweep: runs CMD again and again and fails only the k-th
 * matching call on run k (k = 1, 2, ...), a systematic search for the
 * error paths CMD does not handle.
 *
 * The fault is the ordinary rule SYSCALL:RESULT:after=k-1:times=1, put in
 * force exactly as `run` does it (mb_cli_exec_with_spec: LD_PRELOAD for a
 * dynamic CMD, registration before exec for a static one), with scope
 * tree. So "the k-th call" is the k-th matching call the supervisor sees
 * from CMD *and everything it starts*, in the order it sees them: the
 * supervisor serves the whole tree with one set of counters.
 *
 * The rule cannot tell us two things: whether run k reached call k (and
 * so whether there is a run k+1), and which call the k-th was. Both come
 * from the supervisor's own counters, the pinned mb_counters map entry
 * {CMD's pid, rule 0}, read while the run is stopped under ptrace:
 *
 *   - at the exit of every matching call (the supervisor counts a call
 *     before it answers it), and
 *   - when one of CMD's own threads exits (PTRACE_EVENT_EXIT comes before
 *     the kernel's exit hook forgets CMD's entries).
 *
 * The tracer follows forks, vforks and threads; it reads a call's path
 * argument from the caller's memory at the call's entry. The call whose
 * exit finds the fault counter at 1 and returns the injected result is
 * the faulted one. Counting is the supervisor's, not ours: calls it never
 * sees (the dynamic loader's before the agent's constructor, the agent's
 * own gated calls) never shift k, even though the tracer sees them too.
 * The mb-helper the agent spawns is let go at its execve: neither it nor
 * the supervisor it forks is ever traced.
 *
 * The engine is always seccomp, for that one set of counters.
 *
 * Limits: CMD's entries (and so its counters) go when CMD exits, so a run
 * ends when CMD exits and whatever it left running is killed; a CMD that
 * ptraces its own children cannot be swept; calls from several threads
 * may come in another order on the next run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exec.h"
#include "cli/sweep.h"
#include "mb_paths.h"
#include "minderbinder/registry.h"
#include "lib/name_tables.h"
#include "lib/register_self.h"
#include "lib/spec_parse.h"

#define DEFAULT_MAX_RUNS 1000UL
#define DEFAULT_TIMEOUT_S 10.0

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: minderbinder sweep -s SYSCALL[:RESULT][:path=GLOB] [OPTION]... -- CMD [ARG]...\n"
		"Run CMD once per matching call, failing only the k-th call on run k\n"
		"(k = 1, 2, ...), until a run makes fewer than k such calls: every error\n"
		"path CMD has for SYSCALL is taken once. Prints one row per run: k, the\n"
		"call that failed, CMD's exit, and whether it crashed (died of a signal).\n\n"
		"  -s, --syscall SPEC     the call to fail and how (RESULT as in `run`:\n"
		"                         ENOENT, -5, +0; default EIO); path=GLOB narrows\n"
		"                         the calls counted. after=, times=, rate= and\n"
		"                         delay= are sweep's own and cannot be given.\n"
		"      --max N            at most N runs (default %lu)\n"
		"      --timeout SECS     per run (default %g): the run's process group is\n"
		"                         killed and the row says \"timeout\"\n"
		"      --json             one JSON array on stdout instead of the table\n"
		"  -v, --verbose          CMD's stdout and stderr are shown (default: /dev/null)\n"
		"  -h, --help             this text\n\n"
		"Examples:\n"
		"  minderbinder sweep -s openat -- ./myprog config.ini\n"
		"  minderbinder sweep -s openat:ENOENT:path='/etc/*' -- ./myprog\n"
		"  minderbinder sweep -s write:ENOSPC --max 50 -- sh -c './export > out.csv'\n"
		"  minderbinder sweep -s write:+0 --json -- ./myprog | jq '.[] | select(.crashed)'\n\n"
		"How: run k gets the rule SYSCALL:RESULT:after=k-1:times=1 exactly as\n"
		"`minderbinder run` would give it, scope tree, so k counts the calls of CMD\n"
		"and of everything it starts, in the order the supervisor sees them. Sweep\n"
		"traces each run (ptrace, children and threads included) and reads the\n"
		"supervisor's own counters while the run is stopped: at every matching\n"
		"call's exit, and before CMD's exit. A run ends when CMD exits; what it\n"
		"left running is killed. Stdin is /dev/null.\n\n"
		"Needs root: the counters are in %s.\n\n"
		"Exit status: 0 when no run crashed or timed out, 1 when one did, 2 for\n"
		"bad options, 127 when CMD cannot be run, 125 when sweep could not run.\n",
		DEFAULT_MAX_RUNS, DEFAULT_TIMEOUT_S, MB_PIN_DIR);
}

/* --- the rule ------------------------------------------------------------ */

/*
 * "openat" and "openat:path=/x" have no result: sweep's default EIO goes
 * right after the name. Anything else is the user's, word for word.
 */
static int with_default_result(const char *text, char *out, size_t len)
{
	const char *colon = strchr(text, ':'), *next, *eq;

	if (!colon) {
		if (snprintf(out, len, "%s:EIO", text) >= (int)len)
			return -ENAMETOOLONG;
		return 0;
	}
	next = strchr(colon + 1, ':');
	eq = strchr(colon + 1, '=');
	if (eq && (!next || eq < next)) {
		if (snprintf(out, len, "%.*s:EIO%s", (int)(colon - text), text, colon) >= (int)len)
			return -ENAMETOOLONG;
		return 0;
	}
	if (snprintf(out, len, "%s", text) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int parse_rule(struct sweep *sw, const char *text, struct mb_error *err)
{
	static const struct {
		__u32 flag;
		const char *name;
	} own[] = {
		{ MB_F_AFTER, "after" },
		{ MB_F_TIMES, "times" },
		{ MB_F_RATE, "rate" },
		{ MB_F_DELAY, "delay" },
	};
	char buf[MB_PATH_GLOB_MAX + 256], probe[64];
	struct mb_spec *tmp;
	struct mb_rule *r;
	struct mb_defaults d;
	size_t i;
	int ret;

	/* Not MINDERBINDER_FAILURE_RATE and friends: every run must fault. */
	mb_defaults_init(&d);
	mb_spec_init(&sw->spec, mb_native_arch());
	if (with_default_result(text, buf, sizeof(buf))) {
		mb_error_set(err, "-s: rule too long: '%s'", text);
		return -ENAMETOOLONG;
	}
	ret = mb_spec_add_syscalls(&sw->spec, "-s", buf, &d, err);
	if (ret)
		return ret;
	if (sw->spec.n_rules != 1) {
		mb_error_set(err, "-s: sweep takes one rule, '%s' has %u", text,
			     sw->spec.n_rules);
		return -EINVAL;
	}
	r = &sw->spec.rules[0];
	if (r->sys.family) {
		/* the trace follows one syscall number from call to call */
		mb_error_set(err, "-s: sweep takes one syscall, '%s' is a family (name one of "
				  "`minderbinder run --list-syscalls=%.*s`)",
			     text, (int)strcspn(text, ":"), text);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (r->flags & own[i].flag) {
			mb_error_set(err, "-s: option '%s' in '%s': sweep sets after= and times= "
					  "itself and faults every run (no rate=, delay=)",
				     own[i].name, text);
			return -EINVAL;
		}
	}
	sw->nr = r->sys.nr;
	sw->name = mb_syscall_name((enum mb_arch)sw->spec.arch, r->sys.nr);
	sw->expect = r->sys.result == MB_RES_ERRNO ? -(long long)r->sys.value
						   : (long long)r->sys.value;
	/* Which argument is the path: the parser knows, and says it for a
	 * path= rule only, so ask it with one. */
	sw->path_arg = -1;
	tmp = calloc(1, sizeof(*tmp));
	if (!tmp) {
		mb_error_set(err, "out of memory");
		return -ENOMEM;
	}
	mb_spec_init(tmp, (enum mb_arch)sw->spec.arch);
	snprintf(probe, sizeof(probe), "%s:EIO:path=*", sw->name);
	if (!mb_spec_add_syscalls(tmp, "-s", probe, &d, &(struct mb_error){ "" }))
		/* a descriptor is no string to read: the trace shows no path */
		sw->path_arg = (tmp->rules[0].flags & MB_F_PATH_FD) ? -1
								     : tmp->rules[0].sys.path_arg;
	free(tmp);
	return 0;
}

/* --- the command ------------------------------------------------------------ */

static int parse_count(const char *opt, const char *text, unsigned long *out,
		       struct mb_error *err)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	if (errno || end == text || *end || *out == 0 || text[0] == '-') {
		mb_error_set(err, "%s: bad count '%s' (want a number >= 1)", opt, text);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *opt, const char *text, double *out,
			 struct mb_error *err)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	if (errno || end == text || *end || !(*out > 0) || *out > 86400 * 365) {
		mb_error_set(err, "%s: bad duration '%s' (want seconds > 0, e.g. 10 or 0.5)",
			     opt, text);
		return -EINVAL;
	}
	return 0;
}

int mb_cli_sweep(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "syscall", required_argument, NULL, 's' },
		{ "max", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long max = DEFAULT_MAX_RUNS, k;
	struct mb_error err = { "" };
	struct totals tot = { 0 };
	struct run r = { 0 };
	sigset_t chld, old_mask;
	const char *rule = NULL;
	struct sweep *sw;
	bool capped = true;
	int c, ret = 0, status = 0;

	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return mb_cli_fail(EXIT_SWEEP_FAILED, "out of memory");
	sw->timeout_s = DEFAULT_TIMEOUT_S;
	sw->counters_fd = sw->targets_fd = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (rule) {
				mb_error_set(&err, "-s: sweep takes one rule (given twice)");
				ret = -EINVAL;
				break;
			}
			rule = optarg;
			ret = parse_rule(sw, optarg, &err);
			break;
		case 'm':
			ret = parse_count("--max", optarg, &max, &err);
			break;
		case 't':
			ret = parse_seconds("--timeout", optarg, &sw->timeout_s, &err);
			break;
		case 'j':
			sw->json = true;
			break;
		case 'v':
			sw->verbose = true;
			break;
		case 'h':
			usage(stdout);
			free(sw);
			return 0;
		default:
			usage(stderr);
			free(sw);
			return 2;
		}
		if (ret) {
			free(sw);
			return mb_cli_fail(2, "%s", err.msg);
		}
	}
	if (!rule) {
		free(sw);
		usage(stderr);
		return mb_cli_fail(2, "sweep: no rule given (-s SYSCALL[:RESULT])");
	}
	if (optind >= argc) {
		free(sw);
		usage(stderr);
		return mb_cli_fail(2, "sweep: no command given (put it after --)");
	}
	sw->argv = argv + optind;
	if (geteuid() != 0) {
		free(sw);
		return mb_cli_fail(EXIT_SWEEP_FAILED,
				   "sweep: needs root (it reads the supervisor's counters in %s)",
				   MB_PIN_DIR);
	}
	if (mb_helper_choose(NULL, sw->helper, sizeof(sw->helper), &err)) {
		free(sw);
		return mb_cli_fail(EXIT_SWEEP_FAILED, "%s", err.msg);
	}

	/* Stops and exits of the run wake sigtimedwait; never auto-reaped. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old_mask);

	for (k = 1; k <= max; k++) {
		struct mb_rule *rl = &sw->spec.rules[0];

		rl->after = k - 1;
		rl->times = 1;
		rl->flags |= MB_F_AFTER | MB_F_TIMES;
		free(r.tasks);
		memset(&r, 0, sizeof(r));
		r.k = k;
		ret = mb_sweep_run_once(sw, &r, &chld, &old_mask, &err);
		if (!ret && !r.registered && !r.timed_out) {
			if (WIFEXITED(r.top_status))
				mb_error_set(&err, "CMD was not registered (it exited with status %d%s)",
					     WEXITSTATUS(r.top_status),
					     sw->verbose ? "" : "; --verbose shows its stderr");
			else
				mb_error_set(&err, "CMD was not registered");
			r.fail_status = EXIT_SWEEP_FAILED;
			ret = -ENOENT;
		}
		if (ret) {
			status = mb_cli_fail(r.fail_status ? r.fail_status : EXIT_SWEEP_FAILED,
					     "sweep: run %lu: %s", k, err.msg);
			break;
		}
		/* The header only once there is a row: a command that cannot
		 * start leaves stdout empty. */
		if (k == 1)
			mb_sweep_print_head(sw);
		if (sw->json)
			mb_sweep_print_json_row(sw, &r, k == 1);
		else
			mb_sweep_print_row(sw, &r);
		mb_sweep_count_run(&tot, &r);
		/* Fewer than k calls (or none before the timeout): the last run. */
		if (!mb_sweep_faulted(&r)) {
			capped = false;
			break;
		}
	}
	free(r.tasks);
	if (sw->json && tot.runs)
		printf("\n]\n");
	if (!status) {
		mb_sweep_print_summary(sw->json ? stderr : stdout, &tot, max, capped);
		status = tot.crashed || tot.timeouts ? 1 : 0;
	}
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	free(sw);
	return status;
}
