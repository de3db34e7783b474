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
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/audit.h>

#include "cli/cli.h"
#include "cli/exec.h"
#include "mb_paths.h"
#include "minderbinder/registry.h"
#include "lib/escape.h"
#include "lib/name_tables.h"
#include "lib/proc_info.h"
#include "lib/spec_parse.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "sweep: unknown architecture"
#endif

#define DEFAULT_MAX_RUNS 1000UL
#define DEFAULT_TIMEOUT_S 10.0
#define SHOWN_PATH_MAX 1024
#define CALL_WIDTH 40
#define EXIT_SWEEP_FAILED 125

#define TRACE_OPTIONS                                                                    \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |              \
	 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |                 \
	 PTRACE_O_EXITKILL)

extern char **environ;

struct sweep {
	struct mb_spec spec; /* one rule; after= and times= set per run */
	const char *name;    /* the syscall's name */
	int nr;
	int path_arg;        /* which argument is a path, -1: none */
	long long expect;    /* what the faulted call returns */
	char helper[PATH_MAX];
	char **argv;
	double timeout_s;
	bool verbose;
	bool json;
	int counters_fd;
};

struct task {
	pid_t tid;
	pid_t tgid;
	bool pending; /* between a matching call's entry and its exit */
	bool has_path;
	char path[SHOWN_PATH_MAX];
};

struct run {
	unsigned long k;
	pid_t top;       /* CMD: the registered target, its own process group */
	__u64 top_ticks; /* its start time, as its counters entry holds it */
	struct task *tasks;
	size_t n_tasks, cap;
	bool top_gone, timed_out, we_killed;
	int top_status;
	bool registered; /* its counters entry was seen */
	__u64 calls, faults;
	bool found;      /* the faulted call was seen at its exit */
	bool found_has_path;
	char path[SHOWN_PATH_MAX];
	pid_t crash_pid; /* another process of the tree that crashed */
	int crash_sig;
	int fail_status; /* CMD could not be started: the exit status */
};

struct totals {
	unsigned long runs, crashed, timeouts;
	char crashed_ks[256];
};

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
		sw->path_arg = tmp->rules[0].sys.path_arg;
	free(tmp);
	return 0;
}

/* --- the child: becomes CMD ---------------------------------------------- */

/* What the child says on its report pipe: 'R' (about to exec, attach
 * now), or 'E' and this (it could not start CMD). */
struct child_failure {
	int status;
	char msg[MB_ERR_MAX];
};

struct child_fds {
	int report; /* to the parent; close-on-exec */
	int go;     /* from the parent; close-on-exec */
};

static int child_ready(void *ctx)
{
	const struct child_fds *fds = ctx;
	char c = 'R';
	ssize_t n;

	if (write(fds->report, &c, 1) != 1)
		return -EPIPE;
	do
		n = read(fds->go, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && c == 'G' ? 0 : -EPIPE;
}

/* The run gets exactly our rule: no MINDERBINDER_* of the caller's. */
static void clear_our_environment(void)
{
	char name[128];
	char **e;
	bool again = true;

	while (again) {
		again = false;
		for (e = environ; e && *e; e++) {
			const char *eq = strchr(*e, '=');

			if (strncmp(*e, "MINDERBINDER_", 13) || !eq ||
			    (size_t)(eq - *e) >= sizeof(name))
				continue;
			memcpy(name, *e, (size_t)(eq - *e));
			name[eq - *e] = '\0';
			unsetenv(name);
			again = true;
			break;
		}
	}
}

static void __attribute__((noreturn))
child_main(struct sweep *sw, struct child_fds *fds, const sigset_t *mask)
{
	/* seccomp, whatever MINDERBINDER_ENGINE says: k counts the calls of
	 * CMD's whole tree, and only the supervisor keeps one set of counters
	 * for a tree (a BPF engine counts per process, and a child's counts
	 * go with it). */
	struct mb_cli_exec x = { .engine = "seccomp", .before_exec = child_ready, .ctx = fds };
	struct child_failure f = { 0 };
	struct mb_error err = { "" };
	int null_fd;

	sigprocmask(SIG_SETMASK, mask, NULL);
	setpgid(0, 0);
	null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		if (!sw->verbose) {
			dup2(null_fd, STDOUT_FILENO);
			dup2(null_fd, STDERR_FILENO);
		}
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
	clear_our_environment();
	f.status = mb_cli_exec_with_spec(&sw->spec, &x, sw->argv, &err);
	snprintf(f.msg, sizeof(f.msg), "%s", err.msg);
	if (write(fds->report, "E", 1) == 1 && write(fds->report, &f, sizeof(f)) < 0) {
		/* the parent is gone: nobody to tell */
	}
	_exit(f.status);
}

/* --- the tracer ------------------------------------------------------------ */

static struct task *task_find(struct run *r, pid_t tid)
{
	size_t i;

	for (i = 0; i < r->n_tasks; i++)
		if (r->tasks[i].tid == tid)
			return &r->tasks[i];
	return NULL;
}

static pid_t tgid_of(pid_t tid)
{
	char val[32];
	int tgid = 0;

	if (mb_proc_status(tid, "Tgid", val, sizeof(val)) || sscanf(val, "%d", &tgid) != 1)
		return tid;
	return tgid > 0 ? (pid_t)tgid : tid;
}

static struct task *task_add(struct run *r, pid_t tid)
{
	struct task *t;

	if (r->n_tasks == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;

		t = realloc(r->tasks, cap * sizeof(*t));
		if (!t)
			return NULL;
		r->tasks = t;
		r->cap = cap;
	}
	t = &r->tasks[r->n_tasks++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid_of(tid);
	return t;
}

static void task_remove(struct run *r, pid_t tid)
{
	struct task *t = task_find(r, tid);

	if (t)
		*t = r->tasks[--r->n_tasks];
}

/* SIGKILL for the run's process group and every process we trace. */
static void kill_all(struct run *r)
{
	size_t i;

	r->we_killed = true;
	kill(-r->top, SIGKILL);
	for (i = 0; i < r->n_tasks; i++)
		kill(r->tasks[i].tgid, SIGKILL);
}

/* A string argument of a stopped tracee; truncated ones end in "...". */
static int read_string(pid_t tid, __u64 addr, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len - 1, (off_t)addr);
	close(fd);
	if (n <= 0)
		return -EFAULT;
	buf[n] = '\0';
	if (strnlen(buf, (size_t)n) == (size_t)n && n >= 4)
		memcpy(buf + n - 3, "...", 4);
	return 0;
}

/* The supervisor's counters of our rule, for CMD: 0, or -errno when CMD
 * is not (or no longer) registered. */
static int read_counters(struct sweep *sw, struct run *r)
{
	struct mb_rule_key key = { .tgid = (__u32)r->top, .idx = 0 };
	struct mb_counters c;

	if (sw->counters_fd < 0) {
		sw->counters_fd = bpf_obj_get(MB_COUNTERS_PIN);
		if (sw->counters_fd < 0)
			return -errno;
	}
	if (bpf_map_lookup_elem(sw->counters_fd, &key, &c))
		return -errno;
	if (r->top_ticks && c.start_ticks != r->top_ticks)
		return -ESRCH;
	r->registered = true;
	if (c.calls > r->calls)
		r->calls = c.calls;
	if (c.faults > r->faults)
		r->faults = c.faults;
	return 0;
}

/* Returns 1 when the task was let go (the helper's execve). */
static int on_syscall(struct sweep *sw, struct run *r, struct task *t)
{
	struct __ptrace_syscall_info info;
	char file[PATH_MAX];

	memset(&info, 0, sizeof(info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info) <= 0)
		return 0;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		if (info.arch != NATIVE_AUDIT_ARCH)
			return 0;
		if (info.entry.nr == (__u64)sw->nr) {
			t->pending = true;
			t->has_path = sw->path_arg >= 0 &&
				      !read_string(t->tid, info.entry.args[sw->path_arg],
						   t->path, sizeof(t->path));
		}
		if (info.entry.nr == SYS_execve &&
		    !read_string(t->tid, info.entry.args[0], file, sizeof(file)) &&
		    !strcmp(file, sw->helper)) {
			/* mb-helper (set-uid) and the supervisor it forks are
			 * not the run: never trace them. */
			ptrace(PTRACE_DETACH, t->tid, NULL, NULL);
			task_remove(r, t->tid);
			return 1;
		}
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT && t->pending) {
		t->pending = false;
		if (read_counters(sw, r) || r->found || !r->faults ||
		    info.exit.rval != sw->expect)
			return 0;
		r->found = true;
		r->found_has_path = t->has_path;
		memcpy(r->path, t->path, sizeof(r->path));
	}
	return 0;
}

static bool core_signal(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return true;
	}
	return false;
}

static void on_gone(struct run *r, pid_t tid, int status)
{
	struct task *t = task_find(r, tid);
	bool leader = !t || t->tgid == tid;

	task_remove(r, tid);
	if (tid == r->top) {
		r->top_gone = true;
		r->top_status = status;
		/* The counters went with CMD: what is left is not the run. */
		if (r->n_tasks)
			kill_all(r);
		return;
	}
	if (leader && WIFSIGNALED(status) && !r->we_killed && !r->crash_pid &&
	    core_signal(WTERMSIG(status))) {
		r->crash_pid = tid;
		r->crash_sig = WTERMSIG(status);
	}
}

static int on_wait(struct sweep *sw, struct run *r, pid_t tid, int status)
{
	unsigned int event = (unsigned int)status >> 16;
	struct task *t;
	int sig;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_gone(r, tid, status);
		return 0;
	}
	if (!WIFSTOPPED(status))
		return 0;
	t = task_find(r, tid);
	if (!t && !(t = task_add(r, tid)))
		return -ENOMEM;
	sig = WSTOPSIG(status);
	if (sig == (SIGTRAP | 0x80)) {
		if (on_syscall(sw, r, t))
			return 0;
		sig = 0;
	} else if (event == PTRACE_EVENT_STOP) {
		/* A group-stop stays a stop until SIGCONT; anything else is
		 * a new task's first stop or our interrupt. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			ptrace(PTRACE_LISTEN, tid, NULL, NULL);
			return 0;
		}
		sig = 0;
	} else if (event) {
		if (event == PTRACE_EVENT_EXIT && t->tgid == r->top)
			read_counters(sw, r);
		if (event == PTRACE_EVENT_EXEC) {
			unsigned long former = 0;

			/* A thread's exec takes over the leader's tid. */
			if (!ptrace(PTRACE_GETEVENTMSG, tid, NULL, &former) &&
			    (pid_t)former != tid)
				task_remove(r, (pid_t)former);
			t = task_find(r, tid);
			if (t)
				t->tgid = tid;
		}
		sig = 0;
	}
	/* Otherwise a signal-delivery stop: the signal goes on to the task. */
	ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Until every task we trace is gone; SIGCHLD is blocked, so sigtimedwait
 * wakes us for each stop and the deadline needs no timer. */
static int trace_run(struct sweep *sw, struct run *r, const sigset_t *chld)
{
	double deadline = now_s() + sw->timeout_s, left;
	struct timespec ts;
	int status, err;
	pid_t tid;

	for (;;) {
		tid = waitpid(-1, &status, __WALL | WNOHANG);
		if (tid > 0) {
			err = on_wait(sw, r, tid, status);
			if (err)
				return err;
			continue;
		}
		if (tid < 0 && errno == ECHILD)
			return 0;
		if (tid < 0 && errno != EINTR)
			return -errno;
		left = 0.5;
		if (!r->top_gone && !r->timed_out) {
			left = deadline - now_s();
			if (left <= 0) {
				r->timed_out = true;
				kill_all(r);
				continue;
			}
		}
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		sigtimedwait(chld, NULL, &ts);
	}
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The child's 'E' report, if it made one: CMD could not be started. */
static int child_failed(int fd, struct run *r, struct mb_error *err, bool tag_read)
{
	struct child_failure f;
	char tag = 'E';

	if (!tag_read && read_full(fd, &tag, 1) != 1)
		return 0;
	if (tag != 'E' || read_full(fd, &f, sizeof(f)) != (ssize_t)sizeof(f)) {
		mb_error_set(err, "CMD's runner said nonsense");
		r->fail_status = EXIT_SWEEP_FAILED;
		return -EPROTO;
	}
	f.msg[sizeof(f.msg) - 1] = '\0';
	mb_error_set(err, "%s", f.msg);
	r->fail_status = f.status ? f.status : EXIT_SWEEP_FAILED;
	return -ECHILD;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* One run: 0 with r filled in, or -errno with err and r->fail_status. */
static int run_once(struct sweep *sw, struct run *r, const sigset_t *chld,
		    const sigset_t *old_mask, struct mb_error *err)
{
	int report[2] = { -1, -1 }, go[2] = { -1, -1 }, status, ret = 0;
	struct child_fds fds;
	ssize_t n;
	pid_t pid;
	char tag;

	if (pipe2(report, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		ret = -errno;
		mb_error_set(err, "failed to create pipe: %s", strerror(-ret));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		mb_error_set(err, "failed to fork: %s", strerror(-ret));
		goto out;
	}
	if (pid == 0) {
		close(report[0]);
		close(go[1]);
		fds.report = report[1];
		fds.go = go[0];
		child_main(sw, &fds, old_mask);
	}
	r->top = pid;
	setpgid(pid, pid);
	close_fd(&report[1]);
	close_fd(&go[0]);

	do
		n = read(report[0], &tag, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || tag != 'R') {
		close_fd(&go[1]);
		ret = n == 1 ? child_failed(report[0], r, err, true) : -ECHILD;
		if (n != 1) {
			mb_error_set(err, "CMD's runner exited before CMD started");
			r->fail_status = EXIT_SWEEP_FAILED;
		}
		waitpid(pid, &status, 0);
		goto out;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)TRACE_OPTIONS) ||
	    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL)) {
		ret = -errno;
		mb_error_set(err, "failed to trace CMD: %s", strerror(-ret));
		r->fail_status = EXIT_SWEEP_FAILED;
		kill(pid, SIGKILL);
		close_fd(&go[1]);
		waitpid(pid, &status, 0);
		goto out;
	}
	mb_proc_start_ticks(pid, &r->top_ticks);
	if (write(go[1], "G", 1) != 1) {
		/* the child is gone: trace_run reaps it */
	}
	close_fd(&go[1]);
	ret = trace_run(sw, r, chld);
	if (ret) {
		mb_error_set(err, "failed to trace CMD: %s", strerror(-ret));
		r->fail_status = EXIT_SWEEP_FAILED;
		goto out;
	}
	/* execv failed after we attached */
	ret = child_failed(report[0], r, err, false);
out:
	close_fd(&report[0]);
	close_fd(&report[1]);
	close_fd(&go[0]);
	close_fd(&go[1]);
	if (sw->counters_fd >= 0)
		close(sw->counters_fd); /* reopened each run: unload may replace it */
	sw->counters_fd = -1;
	return ret;
}

/* --- output ------------------------------------------------------------------ */

static void signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
}

static bool faulted(const struct run *r)
{
	return r->faults > 0 || r->calls >= r->k;
}

/* The top is "crashed" when it died of any signal we did not send; the
 * rest of the tree only for a signal that dumps core (a SIGPIPE or a
 * parent's SIGTERM in a pipeline is no crash). */
static bool crashed(const struct run *r)
{
	return !r->timed_out && ((r->top_gone && WIFSIGNALED(r->top_status)) || r->crash_pid);
}

/* C-like escapes for the table: a path may hold anything. */
static void put_c_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void put_json_string(const char *s)
{
	putchar('"');
	mb_escape_file(stdout, s, MB_ESC_JSON);
	putchar('"');
}

static int call_text(const struct sweep *sw, const struct run *r, char *buf, size_t len)
{
	if (!faulted(r))
		return snprintf(buf, len, "-");
	if (r->found && r->found_has_path)
		return -1; /* printed escaped by the caller */
	if (!r->found && sw->path_arg >= 0)
		return snprintf(buf, len, "%s(?)", sw->name);
	return snprintf(buf, len, "%s", sw->name);
}

static void print_row(const struct sweep *sw, const struct run *r)
{
	char call[64], exit_s[32], sig[32];
	int width;

	if (r->timed_out)
		snprintf(exit_s, sizeof(exit_s), "timeout");
	else if (WIFSIGNALED(r->top_status))
		signal_name(WTERMSIG(r->top_status), exit_s, sizeof(exit_s));
	else
		snprintf(exit_s, sizeof(exit_s), "%d", WEXITSTATUS(r->top_status));
	printf("%4lu  ", r->k);
	if (call_text(sw, r, call, sizeof(call)) < 0) {
		/* name("path"), padded like the others */
		printf("%s(", sw->name);
		put_c_string(r->path);
		putchar(')');
		width = (int)(strlen(sw->name) + strlen(r->path) + 4);
	} else {
		width = printf("%s", call);
	}
	printf("%*s  %-8s  %s", width < CALL_WIDTH ? CALL_WIDTH - width : 0, "", exit_s,
	       crashed(r) ? "yes" : "no");
	if (crashed(r) && r->crash_pid && !(r->top_gone && WIFSIGNALED(r->top_status))) {
		signal_name(r->crash_sig, sig, sizeof(sig));
		printf(" (pid %d: %s)", (int)r->crash_pid, sig);
	}
	putchar('\n');
	fflush(stdout);
}

static void print_json_row(const struct sweep *sw, const struct run *r, bool first)
{
	char sig[32];

	printf("%s\n  {\"k\": %lu, \"pid\": %d, \"syscall\": ", first ? "" : ",", r->k,
	       (int)r->top);
	put_json_string(sw->name);
	printf(", \"faulted\": %s, \"path\": ", faulted(r) ? "true" : "false");
	if (faulted(r) && r->found && r->found_has_path)
		put_json_string(r->path);
	else
		printf("null");
	printf(", \"calls\": %llu", (unsigned long long)r->calls);
	if (!r->timed_out && WIFEXITED(r->top_status))
		printf(", \"exit\": %d, \"signal\": null", WEXITSTATUS(r->top_status));
	else if (!r->timed_out) {
		signal_name(WTERMSIG(r->top_status), sig, sizeof(sig));
		printf(", \"exit\": null, \"signal\": \"%s\"", sig);
	} else {
		printf(", \"exit\": null, \"signal\": null");
	}
	printf(", \"timeout\": %s, \"crashed\": %s", r->timed_out ? "true" : "false",
	       crashed(r) ? "true" : "false");
	if (r->crash_pid && !r->timed_out) {
		signal_name(r->crash_sig, sig, sizeof(sig));
		printf(", \"crash_pid\": %d, \"crash_signal\": \"%s\"", (int)r->crash_pid, sig);
	}
	putchar('}');
	fflush(stdout);
}

static void count_run(struct totals *t, const struct run *r)
{
	size_t len = strlen(t->crashed_ks);

	t->runs++;
	if (r->timed_out)
		t->timeouts++;
	if (!crashed(r))
		return;
	t->crashed++;
	if (len + 32 < sizeof(t->crashed_ks))
		snprintf(t->crashed_ks + len, sizeof(t->crashed_ks) - len, "%sk=%lu",
			 len ? ", " : "", r->k);
	else if (!strstr(t->crashed_ks, "..."))
		strcat(t->crashed_ks, ", ...");
}

static void print_summary(FILE *f, const struct totals *t, unsigned long max, bool capped)
{
	fprintf(f, "sweep: %lu run%s", t->runs, t->runs == 1 ? "" : "s");
	if (capped)
		fprintf(f, " (stopped at --max %lu)", max);
	fprintf(f, ", %lu crashed", t->crashed);
	if (t->crashed)
		fprintf(f, " (%s)", t->crashed_ks);
	fprintf(f, ", %lu timeout%s\n", t->timeouts, t->timeouts == 1 ? "" : "s");
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
	sw->counters_fd = -1;
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
	if (mb_cli_find_helper(sw->helper, sizeof(sw->helper))) {
		free(sw);
		return mb_cli_fail(EXIT_SWEEP_FAILED,
				   "cannot find mb-helper next to minderbinder or in %s",
				   MB_LIBEXECDIR);
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
		ret = run_once(sw, &r, &chld, &old_mask, &err);
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
		if (k == 1 && sw->json)
			putchar('[');
		else if (k == 1)
			printf("%4s  %-*s  %-8s  %s\n", "k", CALL_WIDTH, "call", "exit", "crashed");
		if (sw->json)
			print_json_row(sw, &r, k == 1);
		else
			print_row(sw, &r);
		count_run(&tot, &r);
		/* Fewer than k calls (or none before the timeout): the last run. */
		if (!faulted(&r)) {
			capped = false;
			break;
		}
	}
	free(r.tasks);
	if (sw->json && tot.runs)
		printf("\n]\n");
	if (!status) {
		print_summary(sw->json ? stderr : stdout, &tot, max, capped);
		status = tot.crashed || tot.timeouts ? 1 : 0;
	}
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	free(sw);
	return status;
}
