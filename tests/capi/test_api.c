/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API (include/minderbinder.h) against the real kernel, as root:
 * scopes with a second thread running the same syscall at the same time,
 * nesting, exact counts, spec errors, the block macro on every way out,
 * 10,000 enables leaving nothing behind, fork, and network rules.
 *
 * Criterion runs each test in a process of its own, so every test starts
 * unregistered. Run with --jobs 1: tests time real loops and sockets.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <minderbinder.h>
#include <minderbinder/registry.h> /* MB_PIN_DIR: the layout this build pins */

#define LOOP_MS 100

#ifndef MB_BUILD_DIR /* where libmbpreload.so is; the Makefile sets it */
#define MB_BUILD_DIR "build"
#endif

/* A file of this test's own: rules carry path=FILE so nothing else the
 * process opens (Criterion's own files) is touched. */
static char file[64];

static void make_file(void)
{
	int fd;

	snprintf(file, sizeof(file), "/tmp/mb-capi-XXXXXX");
	fd = mkstemp(file);
	cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, "x\n", 2), 2);
	close(fd);
}

static void remove_file(void)
{
	unlink(file);
}

TestSuite(capi, .init = make_file, .fini = remove_file, .timeout = 30);

/* 0 when FILE opens, else the errno. */
static int try_open(void)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* "PREFIX:path=FILE", in one of a few rotating buffers. */
static const char *on_file(const char *prefix)
{
	static char bufs[4][256];
	static unsigned n;
	char *b = bufs[n++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s:path=%s", prefix, file);
	return b;
}

static struct mb_handle *enable(const char *spec, enum mb_scope scope)
{
	struct mb_handle *h = NULL;
	int ret = mb_enable(spec, scope, &h);

	cr_assert_eq(ret, 0, "mb_enable(\"%s\") = %d: %s", spec, ret, mb_last_error());
	cr_assert_not_null(h);
	return h;
}

static void disable(struct mb_handle *h)
{
	int ret = mb_disable(h);

	cr_assert_eq(ret, 0, "mb_disable = %d: %s", ret, mb_last_error());
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- two threads, one syscall ------------------------------------------ */

struct looper {
	pthread_barrier_t *start; /* both threads begin together */
	unsigned long calls, fails;
	int want;       /* the errno a failure must carry */
	int unexpected; /* the last other errno seen, 0 if none */
};

static void run_loop(struct looper *l)
{
	long long end = now_ms() + LOOP_MS;

	while (now_ms() < end) {
		int e = try_open();

		l->calls++;
		if (e)
			l->fails++;
		if (e && e != l->want)
			l->unexpected = e;
	}
}

static void *looper_thread(void *arg)
{
	struct looper *l = arg;

	pthread_barrier_wait(l->start);
	run_loop(l);
	return NULL;
}

/* Main enables SPEC in SCOPE while a second thread already exists, then
 * both loop on openat(FILE) for LOOP_MS at the same time. */
static void two_threads(const char *spec, enum mb_scope scope, struct looper *me,
			struct looper *other, struct mb_rule_stats *st)
{
	pthread_barrier_t b;
	struct mb_handle *h;
	pthread_t t;

	pthread_barrier_init(&b, NULL, 2);
	me->start = other->start = &b;
	cr_assert_eq(pthread_create(&t, NULL, looper_thread, other), 0);
	h = enable(spec, scope);
	pthread_barrier_wait(&b);
	run_loop(me);
	pthread_join(t, NULL);
	cr_assert_eq(mb_stats(h, st, 1), 1, "mb_stats: %s", mb_last_error());
	disable(h);
	pthread_barrier_destroy(&b);
}

Test(capi, thread_scope_spares_a_concurrent_thread)
{
	struct looper me = { .want = EACCES }, other = { .want = EACCES };
	struct mb_rule_stats st;

	two_threads(on_file("openat:EACCES"), MB_SCOPE_THREAD, &me, &other, &st);
	cr_assert_gt(me.calls, 10, "the enabling thread made %lu calls", me.calls);
	cr_assert_gt(other.calls, 10, "the other thread made %lu calls", other.calls);
	cr_assert_eq(me.unexpected, 0, "enabling thread saw %s", strerror(me.unexpected));
	cr_assert_eq(me.fails, me.calls, "enabling thread: %lu of %lu calls failed", me.fails,
		     me.calls);
	cr_assert_eq(other.fails, 0, "other thread: %lu of %lu calls failed (last other errno %s)",
		     other.fails, other.calls, strerror(other.unexpected));
	cr_assert_eq(st.faults, me.fails, "stats faults %llu, enabling thread saw %lu",
		     (unsigned long long)st.faults, me.fails);
	cr_assert_eq(st.calls, me.calls, "stats calls %llu, enabling thread made %lu",
		     (unsigned long long)st.calls, me.calls);
	cr_assert_eq(try_open(), 0);
}

Test(capi, process_scope_reaches_every_thread)
{
	struct looper me = { .want = EACCES }, other = { .want = EACCES };
	struct mb_rule_stats st;

	two_threads(on_file("openat:EACCES"), MB_SCOPE_PROCESS, &me, &other, &st);
	cr_assert_gt(me.calls, 10);
	cr_assert_gt(other.calls, 10);
	cr_assert_eq(me.unexpected + other.unexpected, 0, "unexpected errno %s / %s",
		     strerror(me.unexpected), strerror(other.unexpected));
	cr_assert_eq(me.fails, me.calls, "enabling thread: %lu of %lu failed", me.fails, me.calls);
	cr_assert_eq(other.fails, other.calls, "other thread: %lu of %lu failed", other.fails,
		     other.calls);
	cr_assert_eq(st.faults, me.fails + other.fails, "stats faults %llu, threads saw %lu",
		     (unsigned long long)st.faults, me.fails + other.fails);
	cr_assert_eq(st.calls, me.calls + other.calls);
	cr_assert_eq(try_open(), 0);
}

/* The runner's other threads keep working while the code under test turns
 * rules on for syscalls it had not named before (each is a new filter
 * layer): thread scope must never fail another thread's call. */
struct bystander {
	volatile int stop;
	unsigned long calls, fails;
	int last;
};

static void *bystander_thread(void *arg)
{
	struct bystander *b = arg;

	while (!b->stop) {
		int e = try_open();

		b->calls++;
		if (e) {
			b->fails++;
			b->last = e;
		}
	}
	return NULL;
}

/*
 * The kernel allows one seccomp listener per filter chain, so an enable
 * that names a syscall no earlier one routed swaps the filter layer, and
 * for that instant another thread's routed calls fail with ENOSYS
 * (docs/design-notes.md). Syscalls declared up front in
 * MINDERBINDER_API_SYSCALLS are routed by the first layer: no swap, and
 * no other thread's call may fail.
 */
Test(capi, new_rules_never_fail_another_threads_calls_when_declared_up_front)
{
	static const char *const specs[] = { "openat:EACCES:path=/nonexistent/a",
					     "getppid:EIO", "getpgid:EIO",
					     "umask:EIO",   "getsid:EIO",  "getpriority:EIO",
					     "sched_yield:EIO" };
	struct bystander b = { 0 };
	pthread_t t;
	size_t i;

	setenv("MINDERBINDER_API_SYSCALLS",
	       "openat,getppid,getpgid,umask,getsid,getpriority,sched_yield", 1);

	cr_assert_eq(pthread_create(&t, NULL, bystander_thread, &b), 0);
	while (b.calls < 100)
		sched_yield();
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct mb_handle *h = enable(specs[i], MB_SCOPE_THREAD);

		usleep(10000);
		disable(h);
	}
	b.stop = 1;
	pthread_join(t, NULL);
	cr_assert_eq(b.fails, 0, "other thread: %lu of %lu openat calls failed, last with %s",
		     b.fails, b.calls, strerror(b.last));
}

/* ---- nesting, sequence, disable ---------------------------------------- */

Test(capi, nested_inner_wins_then_outer_again)
{
	struct mb_handle *outer, *inner;
	struct mb_rule_stats st;

	outer = enable(on_file("openat:ENOENT"), MB_SCOPE_THREAD);
	cr_assert_eq(try_open(), ENOENT);
	inner = enable(on_file("openat:EACCES"), MB_SCOPE_THREAD);
	cr_assert_eq(try_open(), EACCES, "inner rule must win while both are on");
	cr_assert_eq(try_open(), EACCES);
	disable(inner);
	cr_assert_eq(try_open(), ENOENT, "outer rule must apply again");
	cr_assert_eq(mb_stats(outer, &st, 1), 1);
	cr_assert_eq(st.faults, 2, "outer injected %llu faults, want 2",
		     (unsigned long long)st.faults);
	disable(outer);
	cr_assert_eq(try_open(), 0);
}

struct nested_other {
	int err;
};

static void *open_once(void *arg)
{
	((struct nested_other *)arg)->err = try_open();
	return NULL;
}

Test(capi, nested_thread_inside_process_scope)
{
	struct nested_other o = { -1 };
	struct mb_handle *outer, *inner;
	pthread_t t;

	outer = enable(on_file("openat:ENOENT"), MB_SCOPE_PROCESS);
	inner = enable(on_file("openat:EACCES"), MB_SCOPE_THREAD);
	cr_assert_eq(try_open(), EACCES);
	cr_assert_eq(pthread_create(&t, NULL, open_once, &o), 0);
	pthread_join(t, NULL);
	cr_assert_eq(o.err, ENOENT, "another thread sees the process rule only, got %s",
		     strerror(o.err));
	disable(inner);
	cr_assert_eq(try_open(), ENOENT);
	disable(outer);
	cr_assert_eq(try_open(), 0);
}

Test(capi, sequential_enables)
{
	static const char *const res[] = { "ENOENT", "EACCES", "EIO", "EMFILE" };
	static const int want[] = { ENOENT, EACCES, EIO, EMFILE };
	int round, i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 4; i++) {
			char prefix[32];
			struct mb_handle *h;

			snprintf(prefix, sizeof(prefix), "openat:%s", res[i]);
			h = enable(on_file(prefix), i % 2 ? MB_SCOPE_PROCESS : MB_SCOPE_THREAD);
			cr_assert_eq(try_open(), want[i], "round %d rule %s", round, res[i]);
			disable(h);
			cr_assert_eq(try_open(), 0, "round %d after %s", round, res[i]);
		}
	}
}

Test(capi, disable_stops_faults_at_once)
{
	enum mb_scope scopes[] = { MB_SCOPE_THREAD, MB_SCOPE_PROCESS };
	int i;

	cr_assert_eq(try_open(), 0);
	for (i = 0; i < 2; i++) {
		struct mb_handle *h = enable(on_file("openat:ENOENT"), scopes[i]);

		cr_assert_eq(try_open(), ENOENT, "the very next call is subject to the rule");
		disable(h);
		cr_assert_eq(try_open(), 0, "the very next call after mb_disable runs");
	}
	/* a rule without path=: every openat of the thread */
	{
		struct mb_handle *h = enable("openat:EACCES", MB_SCOPE_THREAD);
		int err = try_open();

		disable(h);
		cr_assert_eq(err, EACCES);
		cr_assert_eq(try_open(), 0);
	}
}

/* ---- counts ------------------------------------------------------------ */

Test(capi, stats_times_counts_exactly)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int i, failed = 0;

	h = enable(on_file("openat:ENOENT:times=3"), MB_SCOPE_THREAD);
	for (i = 0; i < 10; i++) {
		int e = try_open();

		cr_assert(e == 0 || e == ENOENT, "call %d: %s", i, strerror(e));
		if (e) {
			cr_assert_lt(i, 3, "call %d failed: times=3 fails the first three", i);
			failed++;
		}
	}
	cr_assert_eq(failed, 3);
	cr_assert_eq(mb_stats(h, &st, 1), 1);
	cr_assert_eq(st.calls, 10, "calls %llu", (unsigned long long)st.calls);
	cr_assert_eq(st.faults, 3, "faults %llu", (unsigned long long)st.faults);
	disable(h);
}

/* 200 calls at rate=50% with a seed: the faults counted are those seen,
 * and the same seed gives the same pattern again. */
static unsigned seeded_pattern(char *pattern, struct mb_rule_stats *st)
{
	struct mb_handle *h = enable(on_file("openat:EIO:rate=50%:seed=42"), MB_SCOPE_THREAD);
	unsigned fails = 0;
	int i;

	for (i = 0; i < 200; i++) {
		int e = try_open();

		cr_assert(e == 0 || e == EIO, "call %d: %s", i, strerror(e));
		pattern[i] = e ? 'x' : '.';
		fails += e != 0;
	}
	pattern[200] = '\0';
	cr_assert_eq(mb_stats(h, st, 1), 1);
	disable(h);
	return fails;
}

Test(capi, stats_rate_counts_what_was_seen)
{
	char p1[201], p2[201];
	struct mb_rule_stats st;
	unsigned seen;

	seen = seeded_pattern(p1, &st);
	cr_assert(seen > 50 && seen < 150, "%u of 200 failed at rate=50%%", seen);
	cr_assert_eq(st.faults, seen, "stats faults %llu, test saw %u",
		     (unsigned long long)st.faults, seen);
	cr_assert_eq(st.calls, 200);
	seen = seeded_pattern(p2, &st);
	cr_assert_eq(st.faults, seen);
	cr_assert_str_eq(p1, p2, "seed=42 must repeat exactly");
}

Test(capi, stats_per_rule_in_spec_order)
{
	struct mb_rule_stats st[3] = { { 0, 0 }, { 0, 0 }, { 77, 77 } };
	struct mb_handle *h;
	char spec[300];
	int i;

	snprintf(spec, sizeof(spec), "%s;getppid:EIO:times=1", on_file("openat:ENOENT:times=2"));
	h = enable(spec, MB_SCOPE_THREAD);
	for (i = 0; i < 5; i++)
		try_open();
	cr_assert_eq(syscall(SYS_getppid), -1);
	cr_assert_eq(errno, EIO);
	cr_assert_gt(syscall(SYS_getppid), 0);
	cr_assert_eq(mb_stats(h, st, 3), 2, "two rules");
	cr_assert_eq(st[0].calls, 5);
	cr_assert_eq(st[0].faults, 2);
	cr_assert_eq(st[1].calls, 2);
	cr_assert_eq(st[1].faults, 1);
	cr_assert_eq(st[2].calls, 77, "only as many as there are rules are written");
	memset(st, 0xff, sizeof(st));
	cr_assert_eq(mb_stats(h, st, 1), 2, "returns the count even when n is smaller");
	cr_assert_eq(st[0].faults, 2);
	cr_assert_eq(st[1].faults, UINT64_MAX, "only n entries are written");
	disable(h);
}

/* ---- errors ------------------------------------------------------------ */

struct bad_spec {
	const char *spec, *token, *suggestion;
};

Test(capi, bad_specs_name_the_token)
{
	static const struct bad_spec cases[] = {
		{ "opennat:ENOENT", "'opennat'", "did you mean 'openat'" },
		{ "openat:ENOENTT", "'ENOENTT'", "did you mean 'ENOENT'" },
		{ "openat:ENOENT:rat=50%", "'rat'", "did you mean 'rate'" },
		{ "tcp:8080:refusee", "'refusee'", "did you mean 'refuse'" },
		{ "write:ENOSPC;closee:EIO", "'closee'", "did you mean 'close'" },
		{ "tcp:80:drop:addr=10.1.2.3/8", "'10.1.2.3/8'", "did you mean '10.0.0.0/8'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mb_handle *h = (struct mb_handle *)&h;
		int ret = mb_enable(cases[i].spec, MB_SCOPE_THREAD, &h);
		const char *msg = mb_last_error();

		cr_assert_eq(ret, -EINVAL, "\"%s\": %d (%s)", cases[i].spec, ret, msg);
		cr_assert_null(h, "\"%s\": *out must be NULL on failure", cases[i].spec);
		cr_assert(strstr(msg, cases[i].token), "\"%s\": message \"%s\" lacks %s",
			  cases[i].spec, msg, cases[i].token);
		cr_assert(strstr(msg, cases[i].suggestion), "\"%s\": message \"%s\" lacks \"%s\"",
			  cases[i].spec, msg, cases[i].suggestion);
	}
	/* nothing was turned on by any of them */
	cr_assert_eq(try_open(), 0);
}

Test(capi, bad_arguments)
{
	struct mb_handle *h;

	cr_assert_eq(mb_enable(NULL, MB_SCOPE_THREAD, &h), -EINVAL);
	cr_assert_eq(mb_enable("", MB_SCOPE_THREAD, &h), -EINVAL);
	cr_assert_eq(mb_enable("openat:ENOENT", MB_SCOPE_THREAD, NULL), -EINVAL);
	cr_assert_eq(mb_enable("openat:ENOENT", (enum mb_scope)42, &h), -EINVAL);
	cr_assert(strstr(mb_last_error(), "scope"), "%s", mb_last_error());
	cr_assert_eq(mb_disable(NULL), -EINVAL);
	cr_assert_eq(mb_with_failures("openat:ENOENT", NULL, NULL), -EINVAL);
}

/* ---- mb_with_failures and MB_WITH_FAILURES ----------------------------- */

struct probe {
	int called, err;
};

static void probe_open(void *arg)
{
	struct probe *p = arg;

	p->called++;
	p->err = try_open();
}

Test(capi, with_failures_runs_fn_with_faults_on)
{
	struct probe p = { 0, -1 };
	int ret;

	ret = mb_with_failures(on_file("openat:ENOENT"), probe_open, &p);
	cr_assert_eq(ret, 0, "%d: %s", ret, mb_last_error());
	cr_assert_eq(p.called, 1);
	cr_assert_eq(p.err, ENOENT);
	cr_assert_eq(try_open(), 0, "faults are off after mb_with_failures returns");

	p.called = 0;
	ret = mb_with_failures("opennat:ENOENT", probe_open, &p);
	cr_assert_eq(ret, -EINVAL);
	cr_assert_eq(p.called, 0, "fn is not called when the spec is bad");
	cr_assert(strstr(mb_last_error(), "did you mean"), "%s", mb_last_error());
}

Test(capi, block_off_after_falling_off_the_end)
{
	int inside = -1;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		inside = try_open();
	}
	cr_assert_eq(inside, ENOENT);
	cr_assert_eq(try_open(), 0);
}

Test(capi, block_runs_exactly_once)
{
	int runs = 0;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		runs++;
	}
	cr_assert_eq(runs, 1);
}

Test(capi, block_off_after_break)
{
	int inside = -1, after_break = 0;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		inside = try_open();
		if (inside)
			break;
		after_break = 1;
	}
	cr_assert_eq(inside, ENOENT);
	cr_assert_eq(after_break, 0);
	cr_assert_eq(try_open(), 0, "break left the block with the faults on");
}

Test(capi, block_break_and_continue_leave_only_the_block)
{
	int inside[3] = { -1, -1, -1 }, after[3] = { -1, -1, -1 };
	int rounds = 0, i;

	for (i = 0; i < 3; i++) {
		MB_WITH_FAILURES(on_file("openat:ENOENT")) {
			inside[i] = try_open();
			if (i == 1)
				continue;
			break;
		}
		after[i] = try_open();
		rounds++;
	}
	cr_assert_eq(rounds, 3, "break/continue in the block must not leave the outer loop");
	for (i = 0; i < 3; i++) {
		cr_assert_eq(inside[i], ENOENT, "round %d inside", i);
		cr_assert_eq(after[i], 0, "round %d after", i);
	}
}

static int open_and_return_from_block(void)
{
	MB_WITH_FAILURES(on_file("openat:EACCES")) {
		return try_open();
	}
	return -1;
}

Test(capi, block_off_after_return)
{
	cr_assert_eq(open_and_return_from_block(), EACCES);
	cr_assert_eq(try_open(), 0, "return from inside the block left the faults on");
	cr_assert_eq(open_and_return_from_block(), EACCES, "and a second time");
	cr_assert_eq(try_open(), 0);
}

Test(capi, block_off_after_goto)
{
	int inside = -1;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		inside = try_open();
		goto out;
	}
	cr_assert_fail("goto did not leave the block");
out:
	cr_assert_eq(inside, ENOENT);
	cr_assert_eq(try_open(), 0);
}

/* Nested blocks in one function: built with -Wshadow -Werror like the rest,
 * so the macro's variables must be unique per use. */
Test(capi, block_nested)
{
	int outer = -1, inner = -1, outer_again = -1;

	MB_WITH_FAILURES(on_file("openat:ENOENT")) {
		outer = try_open();
		MB_WITH_FAILURES(on_file("openat:EACCES")) {
			inner = try_open();
		}
		outer_again = try_open();
	}
	cr_assert_eq(outer, ENOENT);
	cr_assert_eq(inner, EACCES);
	cr_assert_eq(outer_again, ENOENT);
	cr_assert_eq(try_open(), 0);
}

/* A block whose rules cannot be turned on must not run: the process
 * says why on stderr and aborts. */
Test(capi, block_aborts_loudly_on_a_bad_spec)
{
	char msg[1024] = "";
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(p[1], 2);
		signal(SIGABRT, SIG_DFL);
		MB_WITH_FAILURES("opennat:ENOENT") {
			_exit(0); /* must not be reached */
		}
		_exit(1);
	}
	close(p[1]);
	while ((n = read(p[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
		got += n;
	msg[got] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		  "child status 0x%x, stderr: %s", status, msg);
	cr_assert(strstr(msg, "MB_WITH_FAILURES"), "%s", msg);
	cr_assert(strstr(msg, "test_api.c:"), "names the file and line: %s", msg);
	cr_assert(strstr(msg, "'opennat'"), "%s", msg);
	cr_assert(strstr(msg, "did you mean 'openat'"), "%s", msg);
}

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
static int run_cat(const char *env_rule, char *err, size_t len)
{
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(p[1], 2);
		dup2(open("/dev/null", O_WRONLY), 1);
		if (env_rule) {
			setenv("LD_PRELOAD", MB_BUILD_DIR "/libmbpreload.so", 1);
			setenv("MINDERBINDER_SYSCALL", env_rule, 1);
		}
		execlp("cat", "cat", file, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], err + got, len - 1 - (size_t)got)) > 0)
		got += n;
	err[got] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
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
	/* A supervised one needs a listener of its own: strict mode says why. */
	st = run_cat(on_file("openat:EACCES"), err, sizeof(err));
	cr_assert_eq(st, 125, "cat with a supervised rule: status %d, stderr: %s", st, err);
	cr_assert(strstr(err, "one per filter chain"), "%s", err);
}

/* ---- network rules ----------------------------------------------------- */

/* A listener on 127.0.0.1, any free port: connects complete in the kernel
 * (backlog) without accept. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 64), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* 0 when a TCP connect to 127.0.0.1:PORT completes within 300 ms,
 * ETIMEDOUT when it does not, else connect's errno. */
static int try_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = 0;
	socklen_t len = sizeof(err);
	struct pollfd pfd = { .fd = s, .events = POLLOUT };

	if (s < 0)
		return errno;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
		goto out;
	err = errno;
	if (err != EINPROGRESS)
		goto out;
	err = 0;
	if (poll(&pfd, 1, 300) == 0)
		err = ETIMEDOUT;
	else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
out:
	close(s);
	return err;
}

struct conn {
	int port, err;
};

static void *connect_once(void *arg)
{
	struct conn *c = arg;

	c->err = try_connect(c->port);
	return NULL;
}

static int connect_from_other_thread(int port)
{
	struct conn c = { port, -1 };
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, connect_once, &c), 0);
	pthread_join(t, NULL);
	return c.err;
}

Test(capi, net_refuse_thread_scope)
{
	struct mb_rule_stats st;
	struct mb_handle *h;
	int port, s = listener(&port), other;
	char spec[64];

	cr_assert_eq(try_connect(port), 0, "the server answers without rules");
	snprintf(spec, sizeof(spec), "tcp:%d:refuse", port);
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_connect(port), ECONNREFUSED);
	other = connect_from_other_thread(port);
	cr_assert_eq(other, 0, "another thread's connect: %s", strerror(other));
	cr_assert_eq(try_connect(port), ECONNREFUSED);
	cr_assert_eq(mb_stats(h, &st, 1), 1, "%s", mb_last_error());
	cr_assert_eq(st.faults, 2, "faults %llu", (unsigned long long)st.faults);
	disable(h);
	cr_assert_eq(try_connect(port), 0, "connects again after mb_disable");
	close(s);
}

Test(capi, net_refuse_process_scope)
{
	struct mb_handle *h;
	int port, s = listener(&port), other;
	char spec[64];

	snprintf(spec, sizeof(spec), "tcp:%d:refuse", port);
	h = enable(spec, MB_SCOPE_PROCESS);
	cr_assert_eq(try_connect(port), ECONNREFUSED);
	other = connect_from_other_thread(port);
	cr_assert_eq(other, ECONNREFUSED, "another thread's connect: %s", strerror(other));
	disable(h);
	cr_assert_eq(try_connect(port), 0);
	close(s);
}

Test(capi, net_drop_times_out)
{
	struct mb_handle *h;
	int port, s = listener(&port), other;
	char spec[64];

	snprintf(spec, sizeof(spec), "tcp:%d:drop", port);
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_connect(port), ETIMEDOUT, "the SYN must vanish");
	other = connect_from_other_thread(port);
	cr_assert_eq(other, 0, "another thread's socket: %s", strerror(other));
	disable(h);
	cr_assert_eq(try_connect(port), 0);
	close(s);
}

Test(capi, mixed_spec_stats_in_order)
{
	struct mb_rule_stats st[2];
	struct mb_handle *h;
	int port, s = listener(&port);
	char spec[300];

	snprintf(spec, sizeof(spec), "tcp:%d:ECONNRESET;%s", port, on_file("openat:ENOENT:times=1"));
	h = enable(spec, MB_SCOPE_THREAD);
	cr_assert_eq(try_connect(port), ECONNRESET);
	cr_assert_eq(try_open(), ENOENT);
	cr_assert_eq(try_open(), 0);
	cr_assert_eq(mb_stats(h, st, 2), 2, "%s", mb_last_error());
	cr_assert_eq(st[0].faults, 1, "network rule first: faults %llu",
		     (unsigned long long)st[0].faults);
	cr_assert_eq(st[1].calls, 2);
	cr_assert_eq(st[1].faults, 1);
	disable(h);
	cr_assert_eq(try_connect(port), 0);
	close(s);
}
