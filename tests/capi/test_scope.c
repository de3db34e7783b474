/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The C API: Scopes, with a second thread running the same syscall at the same time;
 * nesting, sequences and disable.
 */
#include "capi_test.h"

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
