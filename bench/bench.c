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
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 24
#define MAX_ENV 512
#define MAX_SAMPLES 1024
#define FIU_POSIX_PRELOAD "/usr/lib/fiu/fiu_posix_preload.so"

struct cmd {
	const char *env[4]; /* extra NAME=value, NULL-terminated */
	const char *argv[MAX_ARGS];
};

static FILE *results;
static int broken; /* a variant did not run or did not fault: exit 1 */

/* Everything the table says goes to stdout and to results.txt alike. */
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (results) {
		va_start(ap, fmt);
		vfprintf(results, fmt, ap);
		va_end(ap);
	}
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("  .. ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentile by linear interpolation on a sorted copy; p in [0, 100]. */
static double percentile(const double *v, int n, double p)
{
	double s[MAX_SAMPLES], pos;
	int lo;

	if (n <= 0)
		return 0;
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	pos = p / 100.0 * (n - 1);
	lo = (int)pos;
	if (lo >= n - 1)
		return s[n - 1];
	return s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
}

static double median(const double *v, int n)
{
	return percentile(v, n, 50);
}

/* 757x, 15.0x, 1.16x, 0.227x: three significant digits or so. */
static const char *ratio(double r, char *buf, size_t len)
{
	snprintf(buf, len,
		 r >= 100  ? "%.0fx"
		 : r >= 10 ? "%.1fx"
		 : r >= 1  ? "%.2fx"
			   : "%.3fx",
		 r);
	return buf;
}

/* mb-helper forks the USER_NOTIF supervisor and exits: the supervisor's
 * parent becomes the nearest subreaper. We are one, so the supervisors of
 * our runs are reaped here even where PID 1 does not reap orphans. */
static void reap_orphans(double wait_ms)
{
	double until = now_ns() + wait_ms * 1e6;
	pid_t p;

	for (;;) {
		p = waitpid(-1, NULL, WNOHANG);
		if (p > 0)
			continue;
		if (p < 0 || now_ns() >= until)
			return;
		usleep(10000);
	}
}

/* ---- environment and commands ------------------------------------------- */

static const char *base_env[MAX_ENV];
static int base_env_n;

/* The caller's environment without anything that would change what runs:
 * no preload, no minderbinder rule, no libfiu switch. */
static void base_env_init(void)
{
	char **e;

	for (e = environ; *e && base_env_n < MAX_ENV - 8; e++) {
		if (!strncmp(*e, "LD_PRELOAD=", 11) ||
		    !strncmp(*e, "MINDERBINDER_", 13) || !strncmp(*e, "FIU_", 4))
			continue;
		base_env[base_env_n++] = *e;
	}
}

static void build_envp(const struct cmd *c, const char **envp)
{
	int n = 0, i;

	for (i = 0; i < base_env_n; i++)
		envp[n++] = base_env[i];
	for (i = 0; c->env[i]; i++)
		envp[n++] = c->env[i];
	envp[n] = NULL;
}

/* The command as one would type it in sh. */
static void cmd_string(const struct cmd *c, char *buf, size_t len)
{
	const char *const *part[2] = {c->env, c->argv};
	size_t used = 0;
	int k, i;

	buf[0] = '\0';
	for (k = 0; k < 2; k++) {
		for (i = 0; part[k][i]; i++) {
			const char *s = part[k][i], *eq = strchr(s, '=');
			int plain = !strpbrk(s, " '\";*?$&|<>()\\");
			int n;

			if (plain)
				n = snprintf(buf + used, len - used, "%s%s",
					     used ? " " : "", s);
			else if (k == 0 && eq)
				n = snprintf(buf + used, len - used, "%s%.*s'%s'",
					     used ? " " : "", (int)(eq - s + 1), s,
					     eq + 1);
			else
				n = snprintf(buf + used, len - used, "%s'%s'",
					     used ? " " : "", s);
			if (n < 0 || (size_t)n >= len - used)
				return;
			used += (size_t)n;
		}
	}
}

/* Runs c with stdout into out_fd (or /dev/null when -1), stderr inherited.
 * Returns the exit status as waitpid gives it, or -1; *wall_ns gets the
 * spawn-to-reaped wall time. When capture is non-NULL, stdout is read into
 * it instead. */
static int run(const struct cmd *c, char *capture, size_t cap_len, double *wall_ns)
{
	const char *envp[MAX_ENV + 8];
	posix_spawn_file_actions_t fa;
	int pipefd[2] = {-1, -1}, status = -1, err;
	size_t got = 0;
	double t0;
	pid_t pid;

	build_envp(c, envp);
	posix_spawn_file_actions_init(&fa);
	if (capture) {
		if (pipe2(pipefd, O_CLOEXEC))
			return -1;
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
						 O_WRONLY, 0);
	}
	t0 = now_ns();
	err = posix_spawnp(&pid, c->argv[0], &fa, NULL, (char *const *)c->argv,
			   (char *const *)envp);
	posix_spawn_file_actions_destroy(&fa);
	if (capture)
		close(pipefd[1]);
	if (err) {
		if (capture)
			close(pipefd[0]);
		fprintf(stderr, "bench: failed to run %s: %s\n", c->argv[0],
			strerror(err));
		return -1;
	}
	if (capture) {
		ssize_t n;

		while (got + 1 < cap_len &&
		       ((n = read(pipefd[0], capture + got, cap_len - 1 - got)) > 0 ||
			(n < 0 && errno == EINTR)))
			if (n > 0)
				got += (size_t)n;
		capture[got] = '\0';
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (wall_ns)
		*wall_ns = now_ns() - t0;
	return status;
}

/* dir/name into dst; -ENAMETOOLONG when it does not fit. */
static int path_join(char *dst, size_t len, const char *dir, const char *name)
{
	int n = snprintf(dst, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int exited_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int in_path(const char *name)
{
	char buf[PATH_MAX], *path, *dir, *save = NULL;
	const char *p = getenv("PATH");
	int found = 0;

	if (!p || !(path = strdup(p)))
		return 0;
	for (dir = strtok_r(path, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", *dir ? dir : ".", name);
		found = !access(buf, X_OK);
	}
	free(path);
	return found;
}

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

static void bench_startup(const char *agent, const char *empty, const char *truebin,
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

/* ---- 2. per intercepted call ---------------------------------------------- */

enum workload { W_GETPPID, W_OPEN, W_COUNT };
enum tool { T_BASE, T_MB_ERRNO, T_MB_NOTIF, T_STRACE, T_LIBFIU, T_COUNT };

static const char *const tool_label[T_COUNT] = {
    [T_BASE] = "baseline (no agent)",
    [T_MB_ERRNO] = "minderbinder, in-filter errno",
    [T_MB_NOTIF] = "minderbinder, USER_NOTIF",
    [T_STRACE] = "strace -e inject",
    [T_LIBFIU] = "libfiu fiu-run -x",
};

struct percall {
	enum workload w;
	enum tool t;
	struct cmd cmd;
	const char *unavailable; /* why this tool cannot run it, or NULL */
	double ns[MAX_SAMPLES];
	int n;
	long matched_min; /* fewest calls that behaved as expected, over the runs */
	int failed;
};

static struct percall pc[W_COUNT][T_COUNT];

static void percall_once(struct percall *p, long calls)
{
	char buf[512];
	double ns;
	long c, m;
	int st = run(&p->cmd, buf, sizeof(buf), NULL);

	if (!exited_ok(st) ||
	    sscanf(buf, "ns_per_call=%lf calls=%ld matched=%ld", &ns, &c, &m) != 3 ||
	    c != calls) {
		p->failed++;
		return;
	}
	p->ns[p->n++] = ns;
	if (p->n == 1 || m < p->matched_min)
		p->matched_min = m;
}

/* strace's inject= has no path filter of its own and would fail the dynamic
 * loader's openat calls too: count those once, inject from the next one on. */
static int strace_openat_before_main(const char *loop, const char *missing,
				     const char *tmpfile)
{
	struct cmd c = {{NULL},
			{"strace", "-f", "-o", tmpfile, "-e", "trace=openat", loop,
			 "open", "0", "ENOENT", missing, NULL}};
	char line[4096];
	int n = 0;
	FILE *f;

	if (!exited_ok(run(&c, NULL, 0, NULL)) || !(f = fopen(tmpfile, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "openat("))
			n++;
	fclose(f);
	unlink(tmpfile);
	return n;
}

static void bench_percall(const char *agent, const char *loop, const char *dir,
			  long calls, int rounds)
{
	static char preload[PATH_MAX + 16], missing[PATH_MAX], ncalls[32],
	    calfile[PATH_MAX];
	static const char *expect_base[W_COUNT] = {"ok", "ENOENT"};
	static const char *sys[W_COUNT] = {"getppid", "openat"};
	static char rule_errno[W_COUNT][64], rule_notif[W_COUNT][64], inject[W_COUNT][64],
	    trace[W_COUNT][64];
	struct percall *order[W_COUNT * T_COUNT];
	int have_strace = in_path("strace");
	int have_fiu = in_path("fiu-run") && !access(FIU_POSIX_PRELOAD, R_OK);
	int w, t, r, i, nord = 0;
	char line[PATH_MAX * 3], rb[32];

	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", agent);
	path_join(missing, sizeof(missing), dir, "no-such-file");
	path_join(calfile, sizeof(calfile), dir, "strace-calibration.txt");
	snprintf(ncalls, sizeof(ncalls), "%ld", calls);
	unlink(missing);

	for (w = 0; w < W_COUNT; w++) {
		const char *wl = w == W_GETPPID ? "getppid" : "open";
		const char *path = w == W_OPEN ? missing : NULL;

		snprintf(rule_errno[w], sizeof(rule_errno[w]),
			 "MINDERBINDER_SYSCALL=%s:EIO", sys[w]);
		snprintf(rule_notif[w], sizeof(rule_notif[w]),
			 "MINDERBINDER_SYSCALL=%s:EIO:times=1000000000", sys[w]);
		snprintf(trace[w], sizeof(trace[w]), "trace=%s", sys[w]);
		snprintf(inject[w], sizeof(inject[w]), "inject=%s:error=EIO", sys[w]);
		for (t = 0; t < T_COUNT; t++) {
			struct percall *p = &pc[w][t];
			const char **a = p->cmd.argv;
			int k = 0;

			p->w = (enum workload)w;
			p->t = (enum tool)t;
			switch (t) {
			case T_MB_ERRNO:
				p->cmd.env[0] = preload;
				p->cmd.env[1] = rule_errno[w];
				break;
			case T_MB_NOTIF:
				p->cmd.env[0] = preload;
				p->cmd.env[1] = rule_notif[w];
				break;
			case T_STRACE:
				if (!have_strace) {
					p->unavailable = "strace is not installed";
					break;
				}
				a[k++] = "strace";
				a[k++] = "-f";
				a[k++] = "-o";
				a[k++] = "/dev/null";
				a[k++] = "-e";
				a[k++] = trace[w];
				a[k++] = "-e";
				a[k++] = inject[w];
				break;
			case T_LIBFIU:
				if (!have_fiu)
					p->unavailable = "fiu-run or " FIU_POSIX_PRELOAD
							 " is not installed";
				else if (w == W_GETPPID)
					p->unavailable =
					    "libfiu's POSIX preload wraps no getppid()";
				if (p->unavailable)
					break;
				a[k++] = "fiu-run";
				a[k++] = "-x";
				a[k++] = "-c";
				a[k++] =
				    "enable name=posix/io/oc/open,failinfo=5"; /* 5 = EIO
										*/
				break;
			default:
				break;
			}
			a[k++] = loop;
			a[k++] = wl;
			a[k++] = ncalls;
			a[k++] = t == T_BASE ? expect_base[w] : "EIO";
			if (path)
				a[k++] = path;
			a[k] = NULL;
		}
	}
	if (have_strace) {
		int before = strace_openat_before_main(loop, missing, calfile);

		if (before < 0) {
			pc[W_OPEN][T_STRACE].unavailable =
			    "strace calibration run failed";
		} else {
			snprintf(inject[W_OPEN], sizeof(inject[W_OPEN]),
				 "inject=openat:error=EIO:when=%d+", before + 1);
		}
	}

	for (w = 0; w < W_COUNT; w++)
		for (t = 0; t < T_COUNT; t++)
			if (!pc[w][t].unavailable)
				order[nord++] = &pc[w][t];
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nord; i++) {
			/* rotate the order each round so no variant always runs first */
			struct percall *p = order[(i + r) % nord];

			progress("per call, round %d/%d: %-8s %s", r + 1, rounds,
				 p->w == W_GETPPID ? "getppid" : "open",
				 tool_label[p->t]);
			percall_once(p, calls);
			reap_orphans(0);
		}
	}

	out("\n2. Per intercepted call: %ld calls timed inside the target (clock_gettime "
	    "around "
	    "the loop),\n   median of %d interleaved runs per variant\n\n",
	    calls, rounds);
	for (w = 0; w < W_COUNT; w++) {
		for (t = 0; t < T_COUNT; t++) {
			if (pc[w][t].unavailable)
				continue;
			cmd_string(&pc[w][t].cmd, line, sizeof(line));
			out("   [%c%d] %s\n", w == W_GETPPID ? 'G' : 'O', t, line);
		}
	}
	out("\n   %-4s %-8s %-30s %11s %19s %9s  %s\n", "", "workload", "variant",
	    "ns/call", "min..max", "vs base", "calls as expected");
	for (w = 0; w < W_COUNT; w++) {
		double base =
		    pc[w][T_BASE].n ? median(pc[w][T_BASE].ns, pc[w][T_BASE].n) : 0;

		for (t = 0; t < T_COUNT; t++) {
			struct percall *p = &pc[w][t];
			const char *wl = w == W_GETPPID ? "getppid" : "open";
			double med;

			if (p->unavailable) {
				out("   %-4s %-8s %-30s %11s   (%s)\n", "", wl,
				    tool_label[t], "n/a", p->unavailable);
				continue;
			}
			if (!p->n) {
				out("   [%c%d] %-8s %-30s %11s   (did not run: see "
				    "stderr)\n",
				    w == W_GETPPID ? 'G' : 'O', t, wl, tool_label[t],
				    "FAILED");
				broken = 1;
				continue;
			}
			med = median(p->ns, p->n);
			out("   [%c%d] %-8s %-30s %11.1f %9.1f..%-9.1f %9s  %ld/%ld "
			    "%s%s\n",
			    w == W_GETPPID ? 'G' : 'O', t, wl, tool_label[t], med,
			    percentile(p->ns, p->n, 0), percentile(p->ns, p->n, 100),
			    base > 0 ? ratio(med / base, rb, sizeof(rb)) : "-",
			    p->matched_min, calls, t == T_BASE ? expect_base[w] : "EIO",
			    p->matched_min == calls
				? ""
				: "  <- FAULT DID NOT FIRE ON EVERY CALL");
			if (p->matched_min != calls || p->failed)
				broken = 1;
			if (p->failed)
				out("        ^ %d run(s) failed and are not counted\n",
				    p->failed);
		}
	}

	out("\n3. Speed-up of minderbinder: the other tool's ns/call / ours (>1x: ours "
	    "is "
	    "faster)\n\n");
	out("   %-42s %12s %12s\n", "", "getppid", "open");
	for (t = T_STRACE; t <= T_LIBFIU; t++) {
		int ours;

		for (ours = T_MB_ERRNO; ours <= T_MB_NOTIF; ours++) {
			char label[64], cell[W_COUNT][32];

			snprintf(label, sizeof(label), "%s / %s",
				 t == T_STRACE ? "strace" : "libfiu",
				 ours == T_MB_ERRNO ? "minderbinder in-filter errno"
						    : "minderbinder USER_NOTIF");
			for (w = 0; w < W_COUNT; w++) {
				struct percall *o = &pc[w][t], *m = &pc[w][ours];

				if (o->unavailable || !o->n || !m->n)
					snprintf(cell[w], sizeof(cell[w]), "n/a");
				else if (o->matched_min != calls ||
					 m->matched_min != calls)
					snprintf(cell[w], sizeof(cell[w]), "invalid");
				else
					ratio(median(o->ns, o->n) / median(m->ns, m->n),
					      cell[w], sizeof(cell[w]));
			}
			out("   %-42s %12s %12s\n", label, cell[0], cell[1]);
		}
	}
}

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
