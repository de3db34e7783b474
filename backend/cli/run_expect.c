/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder run --expect-faults: did every rule fire?
 *
 * The counters live in the pinned registry, keyed by CMD's pid, and the
 * kernel's exit hook forgets them when CMD's last thread exits; after a
 * wait there is nothing left to read. So CMD runs as our child under
 * PTRACE_SEIZE with only PTRACE_O_TRACEEXIT: it stops once, at its main
 * thread's exit, before the hook runs (the same moment sweep reads at),
 * and we read its counters there. No syscall stops, no fork following:
 * what CMD's children and the mb-helper the agent starts do is not traced.
 *
 * Transparency: the child is set up exactly as `run` would set up itself
 * (mb_cli_exec_with_spec), in our process group; a signal sent to us by
 * someone (kill, SI_USER) goes on to CMD, one the terminal sends reaches
 * CMD itself; CMD's exit status is ours, and a CMD killed by a signal
 * kills us with the same signal (no core of ours).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/expect.h"
#include "lib/fired.h"
#include "registry/snapshot.h"

static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
				 SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH };
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile pid_t child_pid;

/* A signal the terminal sends (SI_KERNEL) reached CMD too: only a sent
 * one (kill, sigqueue, tgkill) is passed on, and not back to its sender. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if ((si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) &&
	    si->si_pid != child_pid && child_pid > 0)
		kill(child_pid, sig);
}

struct child_fds {
	int go;     /* from the parent */
	int report; /* to the parent; close-on-exec */
};

/* Set up, about to exec: the parent attaches now, not before, since a
 * tracee's every signal (the helper's SIGCHLD) waits for its tracer. */
static int wait_go(void *ctx)
{
	const struct child_fds *fds = ctx;
	char c = 0;
	ssize_t n;

	if (write(fds->report, "R", 1) != 1)
		return -EPIPE;
	do
		n = read(fds->go, &c, 1);
	while (n < 0 && errno == EINTR);
	close(fds->go);
	return n == 1 && c == 'G' ? 0 : -ECANCELED;
}

static void __attribute__((noreturn))
child_main(const struct mb_spec *spec, const struct mb_cli_exec *x, char **argv, int go,
	   int report, const sigset_t *mask)
{
	struct child_fds fds = { go, report };
	struct mb_cli_exec cx = *x;
	struct mb_error err = { "" };
	int status;

	sigprocmask(SIG_SETMASK, mask, NULL);
	cx.before_exec = wait_go;
	cx.ctx = &fds;
	status = mb_cli_exec_with_spec(spec, &cx, argv, &err);
	/* CMD did not start: tell the parent, which then reports nothing. */
	if (write(report, "E", 1) != 1) {
		/* the parent is gone: nobody to tell */
	}
	_exit(mb_cli_fail(status, "%s", err.msg));
}

static const struct mb_snapshot_target *target_of(const struct mb_snapshot *s, __u32 pid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->targets[i].pid == pid)
			return &s->targets[i];
	return NULL;
}

/* What did not fire, as lines on stderr; the number of such rules, or
 * -errno when the counters cannot be read. A warning (no --expect-faults)
 * says nothing it cannot show. */
static int report_counts(pid_t pid, int warn, struct mb_error *err)
{
	const struct mb_snapshot_target *t, *at;
	struct mb_snapshot s;
	char line[1024];
	int ret, missed = 0;
	__u32 i;

	ret = mb_snapshot_read(&s);
	if (ret) {
		mb_error_set(err, "cannot read the counters: %s%s", strerror(-ret),
			     ret == -EACCES || ret == -EPERM ? " (reading them needs root)" : "");
		return ret;
	}
	t = target_of(&s, (__u32)pid);
	if (!t) {
		mb_snapshot_free(&s);
		mb_error_set(err, "CMD (pid %d) was not registered: no rule could fire", pid);
		return -ENOENT;
	}
	for (i = 0; i < t->n_rules; i++) {
		const struct mb_snapshot_rule *r = &t->rules[i];
		__u64 calls = r->calls, faults = r->faults;

		/* Unproven is not fired: the caller asked for proof. */
		if (r->how == MB_IN_FILTER) {
			if (warn)
				continue;
			fprintf(stderr,
				"minderbinder: rule %u '%s' cannot be shown to fire: the seccomp filter answers it and nothing counts (times=N or --scope process put it under the supervisor, which counts)\n",
				r->idx, r->text);
			missed++;
			continue;
		}
		if (r->how == MB_AT_ANCESTOR && (at = target_of(&s, r->counted_at)) &&
		    r->idx < at->n_rules) {
			calls = at->rules[r->idx].calls;
			faults = at->rules[r->idx].faults;
		}
		if (faults)
			continue;
		mb_never_fired_line(line, sizeof(line), r->idx, r->text, calls);
		fprintf(stderr, "minderbinder: %s%s\n", warn ? "warning: " : "", line);
		missed++;
	}
	mb_snapshot_free(&s);
	return missed;
}

static void __attribute__((noreturn)) die_of(int sig)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t one;

	/* CMD dumped its core, if it did; ours would be noise. */
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* Waits for CMD, letting every stop but its exit go on as if nobody
 * watched; at the exit stop, reads the counters. */
static int watch(pid_t pid, int report, int warn, int *status, int *missed, int *no_cmd,
		 struct mb_error *err)
{
	int st, read_them = 0;
	char c;

	for (;;) {
		unsigned event;

		if (waitpid(pid, &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (!WIFSTOPPED(st))
			continue;
		event = (unsigned)st >> 16;
		if (event == PTRACE_EVENT_EXIT) {
			/* The exec failed: the child said so before it exits. */
			*no_cmd = report >= 0 && read(report, &c, 1) == 1;
			if (!*no_cmd)
				*missed = report_counts(pid, warn, err);
			read_them = 1;
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		} else if (event == PTRACE_EVENT_STOP) {
			int sig = WSTOPSIG(st);

			/* A group-stop stays a stop until SIGCONT. */
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
				ptrace(PTRACE_LISTEN, pid, NULL, NULL);
			else
				ptrace(PTRACE_CONT, pid, NULL, NULL);
		} else {
			/* A signal-delivery stop: the signal goes on to CMD. */
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
		}
	}
	*status = st;
	if (!read_them) {
		/* A SIGKILL ends a task without the exit stop. */
		mb_error_set(err, "cannot tell whether the rules fired: CMD ended without an exit stop (%s)",
			     WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited");
		*missed = -ESRCH;
	}
	return 0;
}

int mb_cli_run_expecting(const struct mb_spec *spec, const struct mb_cli_exec *x, char **argv,
			 struct mb_error *err)
{
	int go[2], report[2], status = 0, missed = 0, no_cmd = 0, ret, seized;
	sigset_t block, old;
	struct sigaction sa;
	char c;
	ssize_t n;
	pid_t pid;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < N_FORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	if (pipe2(go, O_CLOEXEC) || (pipe2(report, O_CLOEXEC) && (close(go[0]), close(go[1]), 1))) {
		mb_error_set(err, "--expect-faults: pipe: %s", strerror(errno));
		return 125;
	}
	fflush(NULL);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid < 0) {
		mb_error_set(err, "--expect-faults: fork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 125;
	}
	if (pid == 0) {
		close(go[1]);
		close(report[0]);
		child_main(spec, x, argv, go[0], report[1], &old);
	}
	close(go[0]);
	close(report[1]);
	child_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
	/* The child may be gone already: its 'E' must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* 'R' when the child is set up and about to exec; 'E' (or nothing)
	 * when it failed, and then it said why. */
	do
		n = read(report[0], &c, 1);
	while (n < 0 && errno == EINTR);
	seized = n == 1 && c == 'R' &&
		 !ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT);
	ret = seized ? 0 : -errno;
	if (n == 1 && c == 'R' && write(go[1], seized ? "G" : "X", 1) != 1)
		seized = 0;
	close(go[1]);
	if (!seized) {
		close(report[0]);
		while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
			;
		if (n == 1 && c == 'R') {
			mb_error_set(err, "--expect-faults: cannot watch CMD: ptrace: %s",
				     strerror(-ret));
			return 125;
		}
		mb_error_set(err, "%s", "");
		if (WIFSIGNALED(status))
			die_of(WTERMSIG(status));
		return WEXITSTATUS(status);
	}
	fcntl(report[0], F_SETFL, O_NONBLOCK);
	ret = watch(pid, report[0], 0, &status, &missed, &no_cmd, err);
	close(report[0]);
	if (!ret && no_cmd) {
		mb_error_set(err, "%s", "");
		if (WIFSIGNALED(status))
			die_of(WTERMSIG(status));
		return WEXITSTATUS(status);
	}
	if (ret) {
		mb_error_set(err, "--expect-faults: waiting for CMD: %s", strerror(-ret));
		return 125;
	}
	if (missed < 0)
		fprintf(stderr, "minderbinder: --expect-faults: %s\n", err->msg);
	mb_error_set(err, "%s", "");
	if (!missed) {
		if (WIFSIGNALED(status))
			die_of(WTERMSIG(status));
		return WEXITSTATUS(status);
	}
	/* Nothing was tested, whatever CMD's own status says: that status
	 * is told, the exit status is ours. */
	if (WIFSIGNALED(status))
		fprintf(stderr, "minderbinder: --expect-faults: exit %d (CMD was killed by %s)\n",
			EXIT_NOT_FIRED, strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "minderbinder: --expect-faults: exit %d (CMD exited with %d)\n",
			EXIT_NOT_FIRED, WEXITSTATUS(status));
	return EXIT_NOT_FIRED;
}

/*
 * Without --expect-faults we exec CMD (its pid stays ours), so the
 * warnings come from a watcher that is nobody's child: forked twice, so
 * CMD (a shell that waits for all its children) never sees it, in a
 * process group of its own, so the terminal's ^C is not for it, holding
 * no descriptor but stderr. It attaches to us before we go on, prints at
 * CMD's exit stop (so before CMD's parent sees it end) and goes.
 */
int mb_cli_start_watcher(void)
{
	static const int quiet[] = { SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE };
	pid_t me = getpid(), w;
	int ready[2], fd;
	char c = 0;
	size_t i;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	w = fork();
	if (w < 0) {
		close(ready[0]);
		close(ready[1]);
		return -errno;
	}
	if (w == 0) {
		struct mb_error err = { "" };
		int status, missed = 0, no_cmd = 0;
		sigset_t none;

		if (fork() != 0)
			_exit(0);
		setpgid(0, 0);
		for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
			signal(quiet[i], SIG_IGN);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		c = ptrace(PTRACE_SEIZE, me, NULL, (void *)(long)PTRACE_O_TRACEEXIT) ? 'N' : 'A';
		if (write(ready[1], &c, 1) != 1 || c != 'A')
			_exit(0);
		close(ready[0]);
		close(ready[1]);
		close_range(STDERR_FILENO + 1, ~0U, 0);
		watch(me, -1, 1, &status, &missed, &no_cmd, &err);
		_exit(0);
	}
	close(ready[1]);
	while (waitpid(w, NULL, 0) < 0 && errno == EINTR)
		;
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	return c == 'A' ? 0 : -EPERM;
}
