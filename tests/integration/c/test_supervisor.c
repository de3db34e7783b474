/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The seccomp supervisor against a real kernel, with no privilege: each
 * scenario forks a child that installs its own user-notification filter
 * (as the agent would), hands the listener to us and runs a workload while
 * we supervise it with mb_supervise().
 *
 * The child may not be able to write (write:+0 is one of the rules), so it
 * reports through a shared mapping, which needs no syscall; we print its
 * lines once the supervisor has returned. One line per check:
 * "PASS name" or "FAIL name: why" (names hold no ": "); the exit status
 * is 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engines/seccomp/supervise.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/seccomp_filter.h"
#include "lib/spec_parse.h"
#include "minderbinder/rng.h"

#define RATE_CALLS 4000
#define MS (1000000ULL)
#define TEST_DIR "/tmp/mbtest"

struct shared {
	char log[16384];
	size_t len;
	unsigned char bits[RATE_CALLS]; /* rate: 1 = faulted */
	/* latency: the other thread's call */
	volatile int a_calling;
	__u64 b_ns, b_end, a_end;
	long b_ret;
	/* scope: what a grandchild's getppid returned */
	long gc_ret;
	int gc_errno;
};

static struct shared *sh;
static int failures;
static enum mb_scope cur_scope;

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- reporting (child side writes to the mapping, no syscall) ----------- */

static void __attribute__((format(printf, 3, 4)))
report(bool ok, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(sh->log) - sh->len;
	int n;

	if (ok) {
		n = snprintf(sh->log + sh->len, room, "PASS %s\n", name);
	} else {
		va_list ap;

		n = snprintf(sh->log + sh->len, room, "FAIL %s: ", name);
		if (n > 0 && (size_t)n < room) {
			sh->len += (size_t)n;
			room -= (size_t)n;
			va_start(ap, fmt);
			n = vsnprintf(sh->log + sh->len, room, fmt, ap);
			va_end(ap);
			if (n > 0 && (size_t)n + 1 < room) {
				sh->log[sh->len + (size_t)n] = '\n';
				n++;
			}
		}
	}
	if (n > 0 && (size_t)n < room)
		sh->len += (size_t)n;
}

/* Parent side: straight to stdout. */
static void __attribute__((format(printf, 3, 4)))
verdict(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	failures++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A raw syscall's result as "ret" or "-1 ENAME". */
static const char *res(long r, int e)
{
	static char buf[4][64];
	static int k;
	char *b = buf[k++ % 4];

	if (r == -1)
		snprintf(b, 64, "-1 %s", mb_errno_name(e) ? mb_errno_name(e) : "?");
	else
		snprintf(b, 64, "%ld", r);
	return b;
}

#define CALL(expr, r, e)                                                                 \
	do {                                                                             \
		errno = 0;                                                               \
		(r) = (long)(expr);                                                      \
		(e) = errno;                                                             \
	} while (0)

/* --- the child: the agent's own filter ---------------------------------- */

static int install_filter(const struct mb_spec *spec, const __u32 *engines)
{
	struct sock_filter prog[MB_FILTER_MAX];
	int len = mb_seccomp_build(spec, engines, 0, prog, MB_FILTER_MAX);

	if (len < 0)
		return len;
	return mb_seccomp_install(prog, (size_t)len, MB_SECCOMP_WANT_LISTENER);
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {&c, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* --- the parent: supervise one child ------------------------------------ */

struct reaper {
	pid_t pid;
	int status;
	__u64 reaped_ns;
};

static void *reap(void *arg)
{
	struct reaper *r = arg;

	/* Reaping releases the child's hold on the filter: only then does
	 * the listener report POLLHUP. */
	while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->reaped_ns = mono_ns();
	return NULL;
}

struct run_result {
	int sup_ret;
	int status;
	__u64 exit_lag_ns; /* from the reap to mb_supervise returning */
};

static int all_supervised_ok = 1;
static char exit_why[256];

/* Runs workload in a child under the rules of text; 0 when it could. */
static int run(const char *name, const char *text, enum mb_scope scope,
	       void (*workload)(void), struct run_result *out)
{
	__u32 engines[MB_MAX_RULES];
	struct mb_supervisor_args args;
	struct mb_defaults d;
	struct mb_error err;
	struct mb_spec spec;
	struct reaper rp = {0};
	pthread_t th;
	int sv[2], fd, i;
	__u64 ticks, returned;
	pid_t pid;

	mb_spec_init(&spec, mb_native_arch());
	mb_defaults_init(&d);
	if (mb_spec_add_syscalls(&spec, "test", text, &d, &err)) {
		verdict(false, name, "spec '%s': %s", text, err.msg);
		return -EINVAL;
	}
	for (i = 0; i < (int)spec.n_rules; i++)
		engines[i] = MB_ENGINE_SECCOMP_NOTIF;
	memset(sh, 0, sizeof(*sh));
	cur_scope = scope;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		verdict(false, name, "socketpair: %s", strerror(errno));
		return -errno;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		verdict(false, name, "fork: %s", strerror(errno));
		return -EAGAIN;
	}
	if (pid == 0) {
		close(sv[0]);
		fd = install_filter(&spec, engines);
		/* One byte with the fd: recv_fd reads exactly that. */
		if (fd < 0 || mb_gate_send_fds(sv[1], "F", 1, &fd, 1))
			_exit(3);
		close(fd);
		close(sv[1]);
		workload();
		_exit(0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	if (fd < 0) {
		waitpid(pid, NULL, 0);
		verdict(false, name, "the child could not install its filter");
		return -EPROTO;
	}
	if (mb_proc_start_ticks(pid, &ticks)) {
		verdict(false, name, "no start time for %d", (int)pid);
		kill(pid, SIGKILL);
		close(fd);
		waitpid(pid, NULL, 0);
		return -ESRCH;
	}
	rp.pid = pid;
	pthread_create(&th, NULL, reap, &rp);
	args = (struct mb_supervisor_args){
	    .listener_fd = fd,
	    .control_fd = -1,
	    .counters_fd = -1,
	    .sv_counters_fd = -1,
	    .tgid = pid,
	    .start_ticks = ticks,
	    .scope = scope,
	    .spec = &spec,
	    .engines = engines,
	};
	out->sup_ret = mb_supervise(&args);
	returned = mono_ns();
	pthread_join(th, NULL);
	close(fd);
	out->status = rp.status;
	/* The reaper may note the time after the supervisor saw the hang-up. */
	out->exit_lag_ns = returned > rp.reaped_ns ? returned - rp.reaped_ns : 0;

	fputs(sh->log, stdout);
	if (sh->len) {
		char *p;

		for (p = sh->log; (p = strstr(p, "FAIL ")); p++)
			if (p == sh->log || p[-1] == '\n')
				failures++;
	}
	if (!WIFEXITED(rp.status) || WEXITSTATUS(rp.status)) {
		verdict(false, name, "child ended with status 0x%x", rp.status);
	}
	if (out->sup_ret || out->exit_lag_ns > 1000 * MS) {
		if (all_supervised_ok)
			snprintf(exit_why, sizeof(exit_why),
				 "%s: mb_supervise returned %d, %llu ms after the child "
				 "was reaped",
				 name, out->sup_ret,
				 (unsigned long long)(out->exit_lag_ns / MS));
		all_supervised_ok = 0;
	}
	return 0;
}

/* --- workloads (run in the child) -------------------------------------- */

static void w_errno(void)
{
	long r;
	int e;

	CALL(syscall(SYS_getppid), r, e);
	report(r == -1 && e == EACCES, "errno - getppid:EACCES fails with EACCES",
	       "got %s", res(r, e));
	CALL(syscall(SYS_getuid), r, e);
	report(r == -1 && e == EPERM, "errno - getuid:-1 fails with EPERM", "got %s",
	       res(r, e));
	CALL(syscall(SYS_getpid), r, e);
	report(r == getpid(), "errno - an unlisted syscall is untouched", "got %s",
	       res(r, e));
}

static void w_value(void)
{
	char buf[8];
	int p[2];
	long r, r2;
	int e, e2;

	if (pipe2(p, O_NONBLOCK)) {
		report(false, "value - write:+0", "pipe2: %s", strerror(errno));
		return;
	}
	CALL(write(p[1], "hello", 5), r, e);
	CALL(read(p[0], buf, sizeof(buf)), r2, e2);
	report(r == 0, "value - write:+0 returns 0", "got %s", res(r, e));
	report(r2 == -1 && e2 == EAGAIN, "value - write:+0 writes nothing",
	       "the pipe holds %s", res(r2, e2));
}

static void w_rate(void)
{
	int i;

	for (i = 0; i < RATE_CALLS; i++)
		sh->bits[i] = syscall(SYS_getppid) == -1 && errno == EIO;
}

static void w_after_times(void)
{
	char got[64] = "", want[] = "...XX.....";
	int i;

	for (i = 0; i < 10; i++) {
		long r = syscall(SYS_getppid);

		got[i] = r == -1 && errno == EIO ? 'X' : r > 0 ? '.' : '?';
	}
	report(!strcmp(got, want), "after=3:times=2 - calls 4 and 5 fail, no other",
	       "got %s, want %s", got, want);
}

static const char *outside_file(void)
{
	/* Some containers have no /etc/hostname; any readable file outside
	 * the glob will do. */
	return access("/etc/hostname", R_OK) ? "/etc/passwd" : "/etc/hostname";
}

static void check_open(const char *name, int dirfd, const char *path, bool want_fault)
{
	long r;
	int e;

	CALL(openat(dirfd, path, O_RDONLY | O_CLOEXEC), r, e);
	if (want_fault)
		report(r == -1 && e == ENOENT, name, "openat(%s) got %s", path,
		       res(r, e));
	else
		report(r >= 0, name, "openat(%s) got %s", path, res(r, e));
	if (r >= 0)
		close((int)r);
}

static void w_path(void)
{
	const char *other = outside_file();
	int dfd;

	check_open("path - absolute path inside the glob fails", AT_FDCWD,
		   TEST_DIR "/file", true);
	check_open("path - a file outside the glob opens", AT_FDCWD, other, false);
	if (chdir(TEST_DIR)) {
		report(false, "path - relative path inside the glob fails", "chdir: %s",
		       strerror(errno));
		return;
	}
	check_open("path - relative path inside the glob fails (after chdir)", AT_FDCWD,
		   "file", true);
	check_open("path - ./relative path inside the glob fails", AT_FDCWD, "./file",
		   true);
	dfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		report(false, "path - dirfd-relative path inside the glob fails",
		       "open /tmp: %s", strerror(errno));
		return;
	}
	check_open("path - dirfd-relative path inside the glob fails", dfd, "mbtest/file",
		   true);
	close(dfd);
	if (chdir("/etc")) {
		report(false, "path - relative path outside the glob opens", "chdir: %s",
		       strerror(errno));
		return;
	}
	check_open("path - relative path outside the glob opens", AT_FDCWD,
		   other + strlen("/etc/"), false);
}

static void w_delay(void)
{
	long r1, r2;
	int e1, e2;

	CALL(syscall(SYS_getppid), r1, e1);
	sleep_ms(450);
	CALL(syscall(SYS_getppid), r2, e2);
	report(r1 > 0, "delay=300ms - no fault right after start", "got %s", res(r1, e1));
	report(r2 == -1 && e2 == EIO, "delay=300ms - faults after 450 ms", "got %s",
	       res(r2, e2));
}

static void *latency_other(void *arg)
{
	__u64 t0;

	(void)arg;
	while (!sh->a_calling)
		sched_yield();
	/* Let the slowed call reach the supervisor and wait there. */
	sleep_ms(30);
	t0 = mono_ns();
	sh->b_ret = syscall(SYS_getuid);
	sh->b_end = mono_ns();
	sh->b_ns = sh->b_end - t0;
	return NULL;
}

static void w_latency(void)
{
	pthread_t th;
	__u64 t0, d;
	long r;
	int e;

	if (pthread_create(&th, NULL, latency_other, NULL)) {
		report(false, "latency=200ms", "pthread_create failed");
		return;
	}
	sh->a_calling = 1;
	t0 = mono_ns();
	CALL(syscall(SYS_getppid), r, e);
	sh->a_end = mono_ns();
	d = sh->a_end - t0;
	pthread_join(th, NULL);
	report(r == -1 && e == EIO && d >= 200 * MS,
	       "latency=200ms - the call fails after >= 200 ms", "got %s after %llu ms",
	       res(r, e), (unsigned long long)(d / MS));
	report(sh->b_ret == 4242 && sh->b_ns < 100 * MS && sh->b_end < sh->a_end,
	       "latency=200ms - another thread's call is not held up",
	       "getuid got %ld after %llu ms (%s the slow call)", sh->b_ret,
	       (unsigned long long)(sh->b_ns / MS),
	       sh->b_end < sh->a_end ? "before" : "after");
}

static void w_first_match(void)
{
	char got[8] = "";
	long r;
	int e, i;

	for (i = 0; i < 4; i++) {
		CALL(syscall(SYS_getppid), r, e);
		got[i] = r != -1 ? '.' : e == EPERM ? 'P' : e == EIO ? 'I' : '?';
	}
	report(!strcmp(got, "PPII"),
	       "first match - the first rule decides, then the next once it is spent",
	       "got %s, want PPII", got);
	CALL(syscall(SYS_getuid), r, e);
	report(r == getuid(),
	       "first match - an open rule whose coin says no lets the call run",
	       "got %s", res(r, e));
	CALL(openat(AT_FDCWD, TEST_DIR "/file", O_RDONLY), r, e);
	report(r == -1 && e == ENOENT,
	       "first match - a matching rule held back by after= leaves the call to the "
	       "next",
	       "got %s", res(r, e));
	CALL(openat(AT_FDCWD, TEST_DIR "/file", O_RDONLY), r, e);
	report(r == -1 && e == EACCES,
	       "first match - the path rule decides a path it matches", "got %s",
	       res(r, e));
	CALL(openat(AT_FDCWD, outside_file(), O_RDONLY), r, e);
	report(r == -1 && e == ENOENT,
	       "first match - a path that does not match falls to the next rule",
	       "got %s", res(r, e));
}

static void w_latency_only(void)
{
	char buf[8] = "";
	int p[2];
	__u64 t0, d;
	long r;
	int e;

	if (pipe(p) || write(p[1], "abc", 3) != 3) {
		report(false, "latency only", "pipe: %s", strerror(errno));
		return;
	}
	t0 = mono_ns();
	CALL(read(p[0], buf, sizeof(buf)), r, e);
	d = mono_ns() - t0;
	report(r == 3 && !memcmp(buf, "abc", 3) && d >= 100 * MS,
	       "read:latency=100ms - the real result, >= 100 ms later",
	       "got %s \"%.3s\" after %llu ms", res(r, e), buf,
	       (unsigned long long)(d / MS));
}

static void *scope_thread(void *arg)
{
	long *r = arg;

	*r = syscall(SYS_getppid) == -1 ? -errno : 0;
	return NULL;
}

static void w_scope(void)
{
	bool tree = cur_scope == MB_SCOPE_TREE;
	const char *s = tree ? "scope=tree" : "scope=process";
	char name[128];
	long r, tr = 1;
	pthread_t th;
	pid_t gc;
	int e;

	CALL(syscall(SYS_getppid), r, e);
	snprintf(name, sizeof(name), "%s - the process faults", s);
	report(r == -1 && e == EIO, name, "got %s", res(r, e));
	pthread_create(&th, NULL, scope_thread, &tr);
	pthread_join(th, NULL);
	snprintf(name, sizeof(name), "%s - its other threads fault", s);
	report(tr == -EIO, name, "got %ld", tr);
	gc = fork();
	if (gc == 0) {
		errno = 0;
		sh->gc_ret = syscall(SYS_getppid);
		sh->gc_errno = errno;
		_exit(0);
	}
	waitpid(gc, NULL, 0);
	snprintf(name, sizeof(name), "%s - a child process %s", s,
		 tree ? "faults" : "is untouched");
	if (tree)
		report(sh->gc_ret == -1 && sh->gc_errno == EIO, name, "got %s",
		       res(sh->gc_ret, sh->gc_errno));
	else
		report(sh->gc_ret == getpid(), name, "got %s",
		       res(sh->gc_ret, sh->gc_errno));
}

/* --- the rate checks need two runs side by side ------------------------- */

static void rate_checks(void)
{
	static unsigned char first[RATE_CALLS], third[RATE_CALLS];
	struct run_result rr;
	__u64 seed42;
	int i, n = 0;

	if (run("rate", "getppid:EIO:rate=50%:seed=42", MB_SCOPE_PROCESS, w_rate, &rr))
		return;
	memcpy(first, sh->bits, sizeof(first));
	for (i = 0; i < RATE_CALLS; i++)
		n += first[i];
	verdict(n >= RATE_CALLS * 45 / 100 && n <= RATE_CALLS * 55 / 100,
		"rate=50% - 45..55% of 4000 calls fault", "%d of %d faulted", n,
		RATE_CALLS);
	/* One draw per call of the one generator every engine uses: the
	 * fmod_ret and kprobe engines fault these very calls too. */
	for (i = 0, seed42 = mb_rng_state(42); i < RATE_CALLS; i++)
		if (first[i] != mb_rng_faults(mb_rng_next(&seed42), MB_RATE_ONE / 2))
			break;
	verdict(i == RATE_CALLS,
		"rate=50%:seed=42 - the faults are minderbinder/rng.h's stream for seed 42",
		"call %d of %d %s, the stream says otherwise", i, RATE_CALLS,
		i < RATE_CALLS && first[i] ? "faulted" : "ran");
	if (run("rate", "getppid:EIO:rate=50%:seed=42", MB_SCOPE_PROCESS, w_rate, &rr))
		return;
	verdict(!memcmp(first, sh->bits, sizeof(first)),
		"rate=50%:seed=42 - the same seed gives the same faults",
		"the two runs differ");
	if (run("rate", "getppid:EIO:rate=50%:seed=43", MB_SCOPE_PROCESS, w_rate, &rr))
		return;
	memcpy(third, sh->bits, sizeof(third));
	verdict(memcmp(first, third, sizeof(first)),
		"rate=50% - another seed gives other faults", "seeds 42 and 43 agree");
}

int main(void)
{
	struct run_result rr;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A supervisor that never answers would hang the child forever. */
	alarm(120);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED) {
		printf("FAIL setup: mmap: %s\n", strerror(errno));
		return 1;
	}
	if ((mkdir(TEST_DIR, 0755) && errno != EEXIST) ||
	    (fd = open(TEST_DIR "/file", O_RDONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		printf("FAIL setup: %s: %s\n", TEST_DIR "/file", strerror(errno));
		return 1;
	}
	close(fd);

	run("errno", "getppid:EACCES;getuid:-1", MB_SCOPE_PROCESS, w_errno, &rr);
	run("value", "write:+0", MB_SCOPE_PROCESS, w_value, &rr);
	rate_checks();
	run("after/times", "getppid:EIO:after=3:times=2", MB_SCOPE_PROCESS, w_after_times,
	    &rr);
	run("path", "openat:ENOENT:path=" TEST_DIR "/*", MB_SCOPE_PROCESS, w_path, &rr);
	run("delay", "getppid:EIO:delay=300ms", MB_SCOPE_PROCESS, w_delay, &rr);
	run("latency", "getppid:EIO:latency=200ms;getuid:+4242", MB_SCOPE_PROCESS,
	    w_latency, &rr);
	run("first match",
	    "getppid:EPERM:times=2;getppid:EIO;getuid:EPERM:rate=0%;getuid:EIO;"
	    "openat:EACCES:path=" TEST_DIR "/*:after=1;openat:ENOENT",
	    MB_SCOPE_PROCESS, w_first_match, &rr);
	run("latency only", "read:latency=100ms", MB_SCOPE_PROCESS, w_latency_only, &rr);
	run("scope=process", "getppid:EIO", MB_SCOPE_PROCESS, w_scope, &rr);
	run("scope=tree", "getppid:EIO", MB_SCOPE_TREE, w_scope, &rr);

	verdict(all_supervised_ok, "mb_supervise returns 0 when the child exits", "%s",
		exit_why);
	return failures ? 1 : 0;
}
