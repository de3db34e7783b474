/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A target that outlives a Ctrl-C: it catches SIGINT, and only then makes
 * the supervised call, as a program's clean-up would. Prints "ready PID",
 * waits for SIGINT, calls getppid and prints "getppid after SIGINT: E"
 * (the errno name, or "ok"), then exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_int(int sig)
{
	(void)sig;
	got = 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_int };
	long r;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL)) {
		perror("sigaction");
		return 1;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (!got)
		pause();
	r = syscall(SYS_getppid);
	printf("getppid after SIGINT: %s\n", r == -1 ? strerrorname_np(errno) : "ok");
	return 0;
}
