/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One run of `minderbinder sweep` (how it works: cli/sweep.c): the child
 * that becomes CMD with the rule in force, and the ptrace loop that
 * follows CMD's tree and reads the supervisor's counters while it is
 * stopped.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "cli/exec.h"
#include "cli/sweep.h"
#include "lib/proc_info.h"
#include "minderbinder/registry.h"
#include "registry/registry.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "sweep: unknown architecture"
#endif

#define TRACE_OPTIONS                                                                    \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |              \
	 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |                 \
	 PTRACE_O_EXITKILL)

extern char **environ;

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
	__u32 tgid = (__u32)r->top;
	struct mb_counters c;
	struct mb_target t;
	int err;

	if (sw->counters_fd < 0) {
		sw->counters_fd = bpf_obj_get(MB_COUNTERS_PIN);
		if (sw->counters_fd < 0)
			return -errno;
	}
	if (sw->targets_fd < 0) {
		sw->targets_fd = bpf_obj_get(MB_TARGETS_PIN);
		if (sw->targets_fd < 0)
			return -errno;
	}
	if (bpf_map_lookup_elem(sw->targets_fd, &tgid, &t))
		return -errno;
	if (r->top_ticks && t.start_ticks != r->top_ticks)
		return -ESRCH;
	err = mb_registry_counters(sw->counters_fd, &t, tgid, 0, &c);
	if (err)
		return err;
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

int mb_sweep_run_once(struct sweep *sw, struct run *r, const sigset_t *chld,
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
	/* reopened each run: unload may replace them */
	if (sw->counters_fd >= 0)
		close(sw->counters_fd);
	if (sw->targets_fd >= 0)
		close(sw->targets_fd);
	sw->counters_fd = sw->targets_fd = -1;
	return ret;
}

