/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A target for the in-process path (test_inprocess.sh): programs whose
 * signal behaviour the agent's SIGSYS handler must not change. Each mode
 * prints "key value" lines and "done"; getppid through syscall(2) (libc's
 * text, so the trap layer takes it) is the call the rules fault.
 *
 *   inproc_target sigsys N       own SIGSYS handler (sigaction): it sees it
 *                                back from sigaction(SIGSYS, NULL, &old),
 *                                gets raise(SIGSYS); then N getppid
 *   inproc_target rawsigsys N    the same, installed and read back with
 *                                raw syscall instructions of this program's
 *                                own (as Go's runtime or a sandbox does):
 *                                outside libc, the trap layer lets them by
 *   inproc_target blockall N     a thread blocks every signal
 *                                (sigfillset + pthread_sigmask), N getppid
 *   inproc_target masked N       a SIGUSR1 handler whose sa_mask is full
 *                                makes N getppid inside the handler
 *   inproc_target maskworks N    sigprocmask still blocks: a raised SIGUSR1
 *                                stays pending until unblocked; N getppid
 *   inproc_target fork N         N getppid in a forked child, then N here
 *   inproc_target threads T N    T threads x N getppid at once
 *   inproc_target exec PROG...   fork + exec each PROG, its exit status
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_long failed, calls;
static volatile sig_atomic_t got_sigsys;
static long n_calls;
static pthread_barrier_t start;

static void some_calls(long n)
{
	long i;

	for (i = 0; i < n; i++) {
		atomic_fetch_add(&calls, 1);
		if (syscall(SYS_getppid) == -1)
			atomic_fetch_add(&failed, 1);
	}
}

static void report(void)
{
	printf("calls %ld\nfailed %ld\n", atomic_load(&calls), atomic_load(&failed));
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGSYS && si->si_code == SI_TKILL)
		got_sigsys++;
}

static int mode_sigsys(long n)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	if (sigaction(SIGSYS, &sa, NULL) || sigaction(SIGSYS, NULL, &old))
		return 1;
	printf("own_handler_seen %d\n", old.sa_sigaction == on_sigsys &&
					 (old.sa_flags & SA_SIGINFO) &&
					 sigismember(&old.sa_mask, SIGUSR2));
	raise(SIGSYS);
	printf("own_sigsys %d\n", (int)got_sigsys);
	some_calls(n);
	report();
	return 0;
}

/* The kernel's rt_sigaction layout, and a syscall instruction of our own
 * text (not libc's). */
struct raw_sigaction {
	unsigned long handler, flags, restorer, mask;
};

#if defined(__x86_64__)
__asm__(".text\n.type raw_restore,@function\nraw_restore:\n\tmov $15, %rax\n\tsyscall\n");
void raw_restore(void);

static long raw_sigaction(int sig, const struct raw_sigaction *act, struct raw_sigaction *old)
{
	register long r10 __asm__("r10") = 8;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_rt_sigaction), "D"((long)sig), "S"(act), "d"(old), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static int mode_rawsigsys(long n)
{
	struct raw_sigaction sa = { (unsigned long)on_sigsys, SA_SIGINFO | 0x04000000 /* SA_RESTORER */,
				    (unsigned long)raw_restore, 1UL << (SIGUSR2 - 1) };
	struct raw_sigaction old = { 0 };

	if (raw_sigaction(SIGSYS, &sa, NULL) || raw_sigaction(SIGSYS, NULL, &old))
		return 1;
	printf("own_handler_seen %d\n", old.handler == (unsigned long)on_sigsys &&
					 (old.flags & SA_SIGINFO) &&
					 old.mask == 1UL << (SIGUSR2 - 1));
	raise(SIGSYS);
	printf("own_sigsys %d\n", (int)got_sigsys);
	some_calls(n);
	report();
	return 0;
}
#else
static int mode_rawsigsys(long n)
{
	(void)n;
	fprintf(stderr, "rawsigsys: x86_64 only\n");
	return 2;
}
#endif

static void *blocker(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, NULL))
		return (void *)1;
	some_calls(n_calls);
	return NULL;
}

static int mode_blockall(long n)
{
	pthread_t t;
	void *r;

	n_calls = n;
	if (pthread_create(&t, NULL, blocker, NULL) || pthread_join(t, &r) || r)
		return 1;
	report();
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
	some_calls(n_calls);
}

static int mode_masked(long n)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigfillset(&sa.sa_mask);
	n_calls = n;
	if (sigaction(SIGUSR1, &sa, NULL))
		return 1;
	raise(SIGUSR1);
	report();
	return 0;
}

static volatile sig_atomic_t got_usr1;

static void count_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

static int mode_maskworks(long n)
{
	sigset_t one, old, pending;

	signal(SIGUSR1, count_usr1);
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	sigaddset(&one, SIGSYS);
	if (sigprocmask(SIG_BLOCK, &one, NULL))
		return 1;
	raise(SIGUSR1);
	some_calls(n);
	sigpending(&pending);
	printf("held_while_blocked %d\n", !got_usr1 && sigismember(&pending, SIGUSR1));
	if (sigprocmask(SIG_UNBLOCK, &one, &old))
		return 1;
	printf("old_mask_had_it %d\n", sigismember(&old, SIGUSR1));
	printf("delivered_after %d\n", (int)got_usr1);
	report();
	return 0;
}

static int mode_fork(long n)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		some_calls(n);
		printf("child_failed %ld\n", atomic_load(&failed));
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	some_calls(n);
	printf("parent_failed %ld\n", atomic_load(&failed));
	return 0;
}

static void *storm(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	some_calls(n_calls);
	return NULL;
}

static int mode_threads(int t, long n)
{
	pthread_t th[256];
	int i;

	if (t < 1 || t > 256 || pthread_barrier_init(&start, NULL, (unsigned)t))
		return 1;
	n_calls = n;
	for (i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, storm, NULL))
			return 1;
	for (i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	report();
	return 0;
}

static int mode_exec(int argc, char **argv)
{
	int i, st;

	for (i = 0; i < argc; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			execl(argv[i], argv[i], (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid)
			return 1;
		printf("exec %s %s %d\n", argv[i], WIFEXITED(st) ? "exit" : "signal",
		       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	return 0;
}

int main(int argc, char **argv)
{
	int r = 2;

	if (argc >= 3 && !strcmp(argv[1], "sigsys"))
		r = mode_sigsys(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "rawsigsys"))
		r = mode_rawsigsys(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "blockall"))
		r = mode_blockall(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "masked"))
		r = mode_masked(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "maskworks"))
		r = mode_maskworks(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "fork"))
		r = mode_fork(atol(argv[2]));
	else if (argc >= 4 && !strcmp(argv[1], "threads"))
		r = mode_threads(atoi(argv[2]), atol(argv[3]));
	else if (argc >= 3 && !strcmp(argv[1], "exec"))
		r = mode_exec(argc - 2, argv + 2);
	else
		fprintf(stderr, "usage: inproc_target sigsys|rawsigsys|blockall|masked|maskworks|fork N | threads T N | "
				"exec PROG...\n");
	if (!r)
		printf("done\n");
	return r;
}
