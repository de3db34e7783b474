/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* 2. per intercepted call: ours against strace -e inject and libfiu. */
#include "bench.h"

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

void bench_percall(const char *agent, const char *loop, const char *dir,
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
