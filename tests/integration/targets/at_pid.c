/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Runs a command under a pid of the test's choosing, in this process's pid
 * namespace: clone3's set_tid (root, Linux 5.5+). The identity tests stage
 * a pid reuse and a pid-namespace collision with it; /proc/sys/kernel/
 * ns_last_pid would serve too, but kernels without CHECKPOINT_RESTORE
 * (the VM tier's fault-injection one) have none.
 *
 *   at_pid PID CMD [ARG]...
 *
 * Waits for CMD and exits with its status; exit 75 when PID is taken
 * (EEXIST) or the kernel cannot (the reason on stderr).
 */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_TAKEN 75

int main(int argc, char **argv)
{
	pid_t want, pid;
	struct clone_args ca;
	int status;

	if (argc < 3 || (want = (pid_t)strtol(argv[1], NULL, 10)) <= 1) {
		fprintf(stderr, "usage: %s PID CMD [ARG]...\n", argv[0]);
		return 2;
	}
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.set_tid = (uint64_t)(uintptr_t)&want;
	ca.set_tid_size = 1; /* the innermost namespace: ours */
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		fprintf(stderr, "at_pid: clone3 with pid %d: %s\n", (int)want, strerror(errno));
		return EXIT_TAKEN;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "at_pid: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
