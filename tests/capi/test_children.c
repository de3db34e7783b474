/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Children after in-process rules: once this process used a syscall rule,
 * its filter chain's one listener is its supervisor's, and a child that
 * opts in with a supervised rule registers through it (a guest).
 */
#include <sys/prctl.h>

#include "capi_test.h"

#define MB_CLI MB_BUILD_DIR "/minderbinder"

/* Starts argv with the agent and rule (NULL: neither) in its environment,
 * stdin from a pipe whose write end goes to *go, stdout and stderr into
 * one pipe whose read end goes to *out. */
static pid_t start(const char *rule, char *const argv[], int *go, int *out)
{
	int in[2], o[2];
	pid_t pid;

	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(o), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(o[1], 2);
		if (rule) {
			setenv("LD_PRELOAD", MB_BUILD_DIR "/libmbpreload.so", 1);
			setenv("MINDERBINDER_SYSCALL", rule, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	*go = in[1];
	*out = o[0];
	return pid;
}

static void collect(int fd, char *buf, size_t len)
{
	ssize_t n, got = 0;

	while ((n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
}

/* Runs argv to its end (nothing on stdin): its exit status, output in buf. */
static int run(const char *rule, char *const argv[], char *buf, size_t len)
{
	int go, out, status;
	pid_t pid = start(rule, argv, &go, &out);

	close(go);
	collect(out, buf, len);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* What the issue asks: a rule enabled and disabled, then cat under a
 * supervised rule of its own fails with ENOENT, not 125. */
static void after_a_rule(void)
{
	struct mb_handle *h = enable(on_file("openat:EACCES"), MB_SCOPE_PROCESS);

	cr_assert_eq(try_open(), EACCES);
	disable(h);
}

Test(capi, child_cat_under_the_agent_fails_with_enoent)
{
	char out[4096];
	int st;

	after_a_rule();
	st = run(on_file("openat:ENOENT"), (char *[]){ "cat", file, NULL }, out, sizeof(out));
	cr_assert_eq(st, 1, "cat: status %d: %s", st, out);
	cr_assert(strstr(out, "No such file or directory"), "%s", out);
	cr_assert_eq(try_open(), 0, "the child's rule reached the parent");
}

Test(capi, child_cat_under_minderbinder_run_fails_with_enoent)
{
	char out[4096];
	int st;

	after_a_rule();
	st = run(NULL, (char *[]){ MB_CLI, "run", "-s", (char *)on_file("openat:ENOENT"), "--",
				   "cat", file, NULL }, out, sizeof(out));
	cr_assert_eq(st, 1, "run cat: status %d: %s", st, out);
	cr_assert(strstr(out, "No such file or directory"), "%s", out);
	cr_assert_eq(try_open(), 0, "the child's rule reached the parent");
}

/* Exact counts on both sides: the child's times=1 fires once across its
 * tree while the parent, under a rule of its own on the same file, makes
 * the same calls, each counted once and never faulted. */
Test(capi, child_exact_counts_in_the_child_and_the_parent)
{
	struct mb_rule_stats st[1];
	struct mb_handle *h = enable(on_file("openat:EACCES:after=1000000"), MB_SCOPE_PROCESS);
	char cmd[512], out[8192];
	int go, fd, status, i;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "read x; cat %s; cat %s; cat %s; %s status", file, file, file,
		 MB_CLI);
	pid = start(on_file("openat:ENOENT:times=1"), (char *[]){ "sh", "-c", cmd, NULL }, &go,
		    &fd);
	cr_assert_eq(write(go, "go\n", 3), 3);
	close(go);
	for (i = 0; i < 50; i++)
		cr_assert_eq(try_open(), 0, "parent open %d faulted", i);
	collect(fd, out, sizeof(out));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(occurrences(out, "No such file or directory"), 1, "%s", out);
	/* The child's registration, in status: its rule and exact counts. */
	cr_assert(strstr(out, "calls 3 faults 1"), "%s", out);
	cr_assert_eq(mb_stats(h, st, 1), 1, "%s", mb_last_error());
	cr_assert_eq(st[0].calls, 50, "the parent's rule saw %llu calls",
		     (unsigned long long)st[0].calls);
	cr_assert_eq(st[0].faults, 0);
	disable(h);
}

/* A syscall our layer does not route cannot be served to the child:
 * refused, naming the syscall, whose layer, what it routes, the remedy. */
Test(capi, child_a_syscall_not_routed_is_refused_with_the_remedy)
{
	char out[4096], pid[32];
	int st;

	after_a_rule();
	st = run("getppid:EIO:times=1", (char *[]){ "cat", file, NULL }, out, sizeof(out));
	cr_assert_eq(st, 125, "status %d: %s", st, out);
	snprintf(pid, sizeof(pid), "pid %d", (int)getpid());
	cr_assert(strstr(out, "getppid"), "%s", out);
	cr_assert(strstr(out, pid), "%s", out);
	cr_assert(strstr(out, "routes only openat"), "%s", out);
	cr_assert(strstr(out, "MINDERBINDER_API_SYSCALLS=getppid"), "%s", out);
}

/* A forced BPF engine cannot serve a child's rules: said, not ignored. */
Test(capi, child_a_forced_bpf_engine_is_refused)
{
	char out[4096];
	int st;

	after_a_rule();
	setenv("MINDERBINDER_ENGINE", "kprobe", 1);
	st = run(on_file("openat:ENOENT"), (char *[]){ "cat", file, NULL }, out, sizeof(out));
	unsetenv("MINDERBINDER_ENGINE");
	cr_assert_eq(st, 125, "status %d: %s", st, out);
	cr_assert(strstr(out, "MINDERBINDER_ENGINE=kprobe: the rules of a process under the "
			      "seccomp filter inherited from pid"), "%s", out);
}

/* The remedy works: declared up front, getppid is routed by the first
 * layer, and a child's getppid rule is served (dash prints the raw
 * return, -5, as $PPID). */
Test(capi, child_declared_syscalls_can_be_served)
{
	char out[4096];
	int st;

	setenv("MINDERBINDER_API_SYSCALLS", "getppid", 1);
	after_a_rule();
	st = run("getppid:EIO:times=1", (char *[]){ "sh", "-c", "echo $PPID", NULL }, out,
		 sizeof(out));
	unsetenv("MINDERBINDER_API_SYSCALLS");
	cr_assert_eq(st, 0, "status %d: %s", st, out);
	cr_assert(!strcmp(out, "-5\n"), "%s", out);
	cr_assert_eq(getppid() > 0, 1, "the child's rule reached the parent");
}

/* Reads the child's first line, "ready": its agent registered it (the
 * constructor runs before sh). */
static void wait_ready(int fd)
{
	char c = 0, line[64];
	size_t n = 0;

	while (n + 1 < sizeof(line) && read(fd, &c, 1) == 1 && c != '\n')
		line[n++] = c;
	line[n] = '\0';
	cr_assert_str_eq(line, "ready");
}

/* No ENOSYS, no hang: a child still running when the session that
 * served it disabled its rule and exited is served on. */
Test(capi, child_a_child_outlives_the_session)
{
	char cmd[512], out[4096];
	int in[2], o[2], status;
	pid_t session, child = 0;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(o), 0);
	snprintf(cmd, sizeof(cmd),
		 "echo ready; read x; cat %s; cat /etc/hostname > /dev/null && echo still-served",
		 file);
	session = fork();
	cr_assert_geq(session, 0);
	if (session == 0) {
		struct mb_handle *h;
		pid_t c;

		if (mb_enable(on_file("openat:EACCES"), MB_SCOPE_PROCESS, &h))
			_exit(2);
		c = fork();
		if (c == 0) {
			dup2(in[0], 0);
			dup2(o[1], 1);
			dup2(o[1], 2);
			setenv("LD_PRELOAD", MB_BUILD_DIR "/libmbpreload.so", 1);
			setenv("MINDERBINDER_SYSCALL", on_file("openat:ENOENT"), 1);
			execlp("sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		wait_ready(o[0]);
		_exit(mb_disable(h) ? 3 : 0);
	}
	close(in[0]);
	close(o[1]);
	cr_assert_eq(waitpid(session, &status, 0), session);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "session: %#x", status);
	/* The session is gone; its child is ours now (subreaper). */
	cr_assert_eq(write(in[1], "go\n", 3), 3);
	close(in[1]);
	collect(o[0], out, sizeof(out));
	child = wait(&status);
	cr_assert_gt(child, 0);
	cr_assert(strstr(out, "No such file or directory"), "%s", out);
	cr_assert(strstr(out, "still-served"), "%s", out);
	cr_assert(!strstr(out, "not implemented"), "ENOSYS: %s", out);
}

/* A new layer would cut a live child off its listener: mb_enable says
 * so and changes nothing; once the child is gone it works. */
Test(capi, child_a_wider_layer_waits_for_the_child)
{
	struct mb_handle *h, *h2;
	char cmd[256], out[4096], pid[32];
	int go, fd, status, ret;
	pid_t child;

	h = enable(on_file("openat:EACCES"), MB_SCOPE_PROCESS);
	snprintf(cmd, sizeof(cmd), "echo ready; read x; cat %s", file);
	child = start(on_file("openat:ENOENT"), (char *[]){ "sh", "-c", cmd, NULL }, &go, &fd);
	wait_ready(fd);
	snprintf(pid, sizeof(pid), "pid %d", (int)child);
	ret = mb_enable("getppid:EIO", MB_SCOPE_PROCESS, &h2);
	cr_assert_eq(ret, -EBUSY, "mb_enable = %d: %s", ret, mb_last_error());
	cr_assert(strstr(mb_last_error(), pid), "%s", mb_last_error());
	cr_assert_eq(try_open(), EACCES, "our own rule went with the refusal");
	cr_assert_eq(write(go, "go\n", 3), 3);
	close(go);
	collect(fd, out, sizeof(out));
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(strstr(out, "No such file or directory"), "%s", out);
	h2 = enable("getppid:EIO", MB_SCOPE_PROCESS);
	disable(h2);
	disable(h);
	cr_assert_eq(try_open(), 0);
}
