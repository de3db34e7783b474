/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API: 10,000 enables leave nothing behind; children started by fork and exec.
 */
#include "capi_test.h"

/* ---- nothing left behind ----------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* bpftool's JSON dump of a pinned map (static buffer). */
static const char *dump(const char *map)
{
	static char out[1 << 20];
	char cmd[256];
	size_t n = 0, r;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned " MB_PIN_DIR "/%s 2>&1", map);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while ((r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	cr_assert_eq(pclose(f), 0, "%s: %s", cmd, out);
	cr_assert_eq(out[0], '[', "%s: %s", cmd, out);
	return out;
}

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* Entries of PID in the target map, its rules and its counters. */
static void registry_entries(int pid, int *targets, int *rules, int *counters)
{
	char key[64], tgid[64];

	snprintf(key, sizeof(key), "\"formatted\":{\"key\":%d,", pid);
	snprintf(tgid, sizeof(tgid), "\"tgid\":%d,", pid);
	*targets = occurrences(dump("mb_targets"), key);
	*rules = occurrences(dump("mb_rules"), tgid);
	*counters = occurrences(dump("mb_counters"), tgid);
}

/* The supervisor pid the registry holds for PID, 0 if none. */
static int supervisor_of(int pid)
{
	const char *d = dump("mb_targets");
	char needle[64];
	const char *p, *s;

	snprintf(needle, sizeof(needle), "\"formatted\":{\"key\":%d,", pid);
	p = strstr(d, needle);
	if (!p || !(s = strstr(p, "\"supervisor\":")))
		return 0;
	return atoi(s + strlen("\"supervisor\":"));
}

struct churn_report {
	int fds_start, fds_before, fds_after, fds_after_net;
	int failed_at, err; /* iteration and errno of a failed call, -1 if none */
	char msg[256];
};

/* The child: 10,000 syscall enables and disables in both scopes, then 50
 * with a network rule as well, then one handle left on for the parent to
 * look at. */
static void churn_child(int report_fd, int go_fd, int port)
{
	struct churn_report r = { .failed_at = -1 };
	struct mb_handle *h;
	char spec[300];
	int i, ret;
	char c;

	/* The first enable starts the session: a control socket to the
	 * supervisor, kept for the life of the process (the filters that
	 * route to it cannot be removed). Count from after it. */
	r.fds_start = count_fds();
	if (mb_enable(on_file("openat:ENOENT"), MB_SCOPE_THREAD, &h) || mb_disable(h)) {
		snprintf(r.msg, sizeof(r.msg), "%s", mb_last_error());
		r.failed_at = 0;
	}
	r.fds_before = count_fds();
	for (i = 0; r.failed_at < 0 && i < 10000; i++) {
		ret = mb_enable(on_file("openat:ENOENT"), i % 2 ? MB_SCOPE_PROCESS : MB_SCOPE_THREAD,
				&h);
		if (!ret && try_open() != ENOENT)
			ret = -EPROTO;
		if (!ret)
			ret = mb_disable(h);
		if (ret) {
			r.failed_at = i;
			r.err = -ret;
			snprintf(r.msg, sizeof(r.msg), "%s", mb_last_error());
			break;
		}
	}
	r.fds_after = count_fds();
	snprintf(spec, sizeof(spec), "%s;tcp:%d:refuse", on_file("openat:ENOENT"), port);
	for (i = 0; r.failed_at < 0 && i < 50; i++) {
		ret = mb_enable(spec, MB_SCOPE_THREAD, &h);
		if (!ret)
			ret = mb_disable(h);
		if (ret) {
			r.failed_at = 10000 + i;
			r.err = -ret;
			snprintf(r.msg, sizeof(r.msg), "%s", mb_last_error());
		}
	}
	r.fds_after_net = count_fds();
	if (r.failed_at < 0 && mb_enable(spec, MB_SCOPE_THREAD, &h)) {
		r.failed_at = 20000;
		snprintf(r.msg, sizeof(r.msg), "%s", mb_last_error());
	}
	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	if (read(go_fd, &c, 1) != 1)
		_exit(3);
	_exit(0);
}

Test(capi, ten_thousand_enables_leave_nothing_behind, .timeout = 60)
{
	int rep[2], go[2], status, t, r, c, sup;
	struct churn_report rp;
	long long deadline;
	pid_t pid;

	cr_assert_eq(pipe(rep), 0);
	cr_assert_eq(pipe(go), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		churn_child(rep[1], go[0], 9); /* port 9: nothing listens */
	}
	close(rep[1]);
	close(go[0]);
	cr_assert_eq(read(rep[0], &rp, sizeof(rp)), (ssize_t)sizeof(rp), "child died early");
	cr_assert_eq(rp.failed_at, -1, "call %d failed with %s: %s", rp.failed_at,
		     strerror(rp.err), rp.msg);
	cr_assert_leq(rp.fds_before - rp.fds_start, 1, "the session holds %d fds, want 1",
		      rp.fds_before - rp.fds_start);
	cr_assert_eq(rp.fds_after, rp.fds_before, "fds: %d before, %d after 10,000 enables",
		     rp.fds_before, rp.fds_after);
	cr_assert_eq(rp.fds_after_net, rp.fds_before, "fds: %d before, %d after network enables",
		     rp.fds_before, rp.fds_after_net);

	/* one handle on: one target entry, one rule (the network one; the
	 * supervisor decides syscall rules) and its counter */
	registry_entries(pid, &t, &r, &c);
	cr_assert_eq(t, 1, "mb_targets holds %d entries for pid %d", t, pid);
	cr_assert_eq(r, 1, "mb_rules holds %d entries for pid %d", r, pid);
	cr_assert_leq(c, 1, "mb_counters holds %d entries for pid %d", c, pid);
	sup = supervisor_of(pid);
	cr_assert_gt(sup, 0, "no supervisor recorded for pid %d", pid);

	cr_assert_eq(write(go[1], "x", 1), 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	registry_entries(pid, &t, &r, &c);
	cr_assert_eq(t + r + c, 0, "after exit, pid %d still has %d targets, %d rules, %d counters",
		     pid, t, r, c);
	/* and its supervisor goes with it */
	for (deadline = now_ms() + 2000; kill(sup, 0) == 0 && now_ms() < deadline;)
		usleep(10000);
	cr_assert(kill(sup, 0) && errno == ESRCH, "supervisor %d outlived its target", sup);
}
/* ---- fork -------------------------------------------------------------- */

struct fork_report {
	int before, enable_ret, inside, disable_ret, after;
	char msg[256];
};

Test(capi, fork_child_is_told_it_cannot_have_a_second_listener)
{
	struct fork_report r = { -1, -1, -1, -1, -1, "" };
	struct mb_handle *h;
	int p[2], status;
	pid_t pid;

	h = enable(on_file("openat:ENOENT"), MB_SCOPE_PROCESS);
	cr_assert_eq(try_open(), ENOENT);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct mb_handle *c;

		r.before = try_open();
		r.enable_ret = mb_enable(on_file("openat:EACCES"), MB_SCOPE_THREAD, &c);
		snprintf(r.msg, sizeof(r.msg), "%s", mb_last_error());
		if (!r.enable_ret) {
			r.inside = try_open();
			r.disable_ret = mb_disable(c);
			r.after = try_open();
		}
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(r.before, 0, "the parent's process rule reached the fork child (%s)",
		     strerror(r.before));
	/* The documented limit: the child inherited a filter chain whose
	 * listener is the parent's supervisor's, and a chain has one. */
	cr_assert_eq(r.enable_ret, -EBUSY, "fork child: mb_enable = %d: %s", r.enable_ret, r.msg);
	cr_assert(strstr(r.msg, "one per filter chain"), "fork child's message: %s", r.msg);
	cr_assert_eq(try_open(), ENOENT, "the parent's rule is still on after the child");
	disable(h);
	cr_assert_eq(try_open(), 0);
}

/* A program this process starts (fork + exec) is not a target: the
 * parent's process rule does not reach it, and it can opt in on its own
 * through the environment, with a rule the supervisor decides (path=). */
static void exec_cat(const void *env_rule)
{
	dup2(open("/dev/null", O_WRONLY), 1);
	if (env_rule) {
		setenv("LD_PRELOAD", MB_BUILD_DIR "/libmbpreload.so", 1);
		setenv("MINDERBINDER_SYSCALL", env_rule, 1);
	}
	execlp("cat", "cat", file, (char *)NULL);
}

static int run_cat(const char *env_rule, char *err, size_t len)
{
	int status = child_stderr(exec_cat, env_rule, err, len);

	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(capi, exec_child_is_not_a_target)
{
	struct mb_handle *h = enable(on_file("openat:ENOENT"), MB_SCOPE_PROCESS);
	char err[512];
	int st = run_cat(NULL, err, sizeof(err));

	cr_assert_eq(try_open(), ENOENT);
	disable(h);
	cr_assert_eq(st, 0, "cat started by a process-scope target: status %d, %s", st, err);
}

Test(capi, exec_child_can_opt_in_through_the_environment)
{
	struct mb_handle *h = enable(on_file("openat:ENOENT"), MB_SCOPE_THREAD);
	char err[512];
	int st;

	disable(h);
	/* An unconditional rule lives in the child's own filter: fine. */
	st = run_cat("openat:EACCES", err, sizeof(err));
	cr_assert_eq(st, 1, "cat with MINDERBINDER_SYSCALL: status %d, stderr: %s", st, err);
	cr_assert(strstr(err, "Permission denied"), "%s", err);
	/* A supervised one is served by our supervisor, through the listener
	 * the child inherited (it registers as a guest: test_children.c). */
	st = run_cat(on_file("openat:EACCES"), err, sizeof(err));
	cr_assert_eq(st, 1, "cat with a supervised rule: status %d, stderr: %s", st, err);
	cr_assert(strstr(err, "Permission denied"), "%s", err);
	cr_assert_eq(try_open(), 0, "the child's rule reached its parent");
}
