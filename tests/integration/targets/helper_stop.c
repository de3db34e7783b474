/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 *   helper_stop HELPER < HOLD
 *
 * An honest caller of mb-helper (it makes the socketpair and starts the
 * helper itself) that then attacks its own helper the way issue 19 item 4
 * did: a network rule (the helper takes the registry lock to attach it),
 * /proc/locks watched until the helper holds the lock, then SIGSTOP, and
 * the tty's stop signals sent with kill(). A helper that stopped is kept
 * stopped until stdin reaches end of file (every other registration with
 * network rules hangs meanwhile), then resumed; one that answered is kept
 * waiting for INSTALLED as long (as long as any caller can hold it).
 *
 * Prints "pid P", "helper H", "caught_lock 0|1", "sigstop_errno E" (0:
 * the kill worked), "sigtstp_errno E", "sigttin_errno E", "sigttou_errno
 * E", "stopped 0|1", "holding" (when stopped), "plan_status S", "parked"
 * (when it answered, after "ignores_tty_stops 0|1") and "helper_exit N". The registration is withdrawn (INSTALLED with an
 * error), so nothing is left behind.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "minderbinder/registry.h"
#include "minderbinder/wire.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

/* Whether /proc/locks shows pid holding a lock. */
static int holds_lock(pid_t pid)
{
	char line[256], want[32];
	int found = 0;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), " %d ", (int)pid);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "FLOCK") && strstr(line, want);
	fclose(f);
	return found;
}

/* Whether the helper ignores every one of the tty's stop signals (which
 * the terminal sends with no permission check): its SigIgn mask. */
static int ignores_tty_stops(pid_t pid)
{
	char path[64], line[256];
	unsigned long long ign = 0, want = (1ULL << (SIGTSTP - 1)) | (1ULL << (SIGTTIN - 1)) |
					  (1ULL << (SIGTTOU - 1));
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "SigIgn: %llx", &ign);
	fclose(f);
	return (ign & want) == want;
}

/* Until stdin reaches end of file. */
static void hold(void)
{
	char c;

	while (read(0, &c, 1) > 0 || errno == EINTR)
		;
}

static int kill_errno(pid_t pid, int sig)
{
	return kill(pid, sig) ? errno : 0;
}

int main(int argc, char **argv)
{
	struct mb_register_msg *req;
	struct mb_installed_msg inst;
	struct mb_plan_msg plan;
	struct mb_defaults d;
	struct mb_error err = { "" };
	struct pollfd p;
	pid_t helper;
	int sv[2], status = 0, caught = 0, stopped = 0, stop_err, i;
	siginfo_t si;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: helper_stop HELPER < HOLD\n");
		return 2;
	}
	req = calloc(1, sizeof(*req));
	if (!req)
		return 1;
	req->hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_REGISTER };
	req->scope = MB_SCOPE_TREE;
	mb_defaults_init(&d);
	mb_spec_init(&req->spec, mb_native_arch());
	if (mb_spec_add_net(&req->spec, "spec", "tcp:9:drop", &d, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	helper = fork();
	if (helper < 0) {
		perror("fork");
		return 1;
	}
	if (helper == 0) {
		if (dup2(sv[1], MB_HELPER_FD) < 0)
			_exit(126);
		execl(argv[1], "mb-helper", "--agent", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	printf("pid %d\nhelper %d\n", (int)getpid(), (int)helper);
	if (send(sv[0], req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
		printf("send_failed %d\n", errno);
		return 1;
	}
	/* Until the helper holds the lock, or has answered (then it is past
	 * the lock: the stop below still tells whether it could be stopped). */
	p = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	for (i = 0; i < 2000000 && !caught; i++) {
		caught = holds_lock(helper);
		if (!caught && poll(&p, 1, 0) == 1)
			break;
	}
	printf("caught_lock %d\n", caught);
	stop_err = kill_errno(helper, SIGSTOP);
	printf("sigstop_errno %d\n", stop_err);
	printf("sigtstp_errno %d\n", kill_errno(helper, SIGTSTP));
	printf("sigttin_errno %d\n", kill_errno(helper, SIGTTIN));
	printf("sigttou_errno %d\n", kill_errno(helper, SIGTTOU));
	/* A stop takes effect at the helper's next return to user space. One
	 * that was sent is waited for; otherwise the answer (or a stop from
	 * the tty signals, ignored by a fixed helper) is. */
	memset(&si, 0, sizeof(si));
	if (!stop_err)
		waitid(P_PID, (id_t)helper, &si, WSTOPPED | WEXITED | WNOWAIT);
	else if (poll(&p, 1, 30000) >= 0)
		waitid(P_PID, (id_t)helper, &si, WSTOPPED | WEXITED | WNOHANG | WNOWAIT);
	stopped = si.si_pid == helper && si.si_code == CLD_STOPPED;
	printf("stopped %d\n", stopped);
	fflush(stdout);
	if (stopped) {
		printf("holding\n");
		fflush(stdout);
		hold();
		kill(helper, SIGCONT);
	}
	memset(&plan, 0, sizeof(plan));
	if (poll(&p, 1, 30000) == 1)
		n = recv(sv[0], &plan, sizeof(plan), 0);
	else
		n = -1;
	printf("plan_status %d\n", n == (ssize_t)sizeof(plan) ? plan.status : -9999);
	if (!stopped && n == (ssize_t)sizeof(plan) && !plan.status) {
		printf("ignores_tty_stops %d\n", ignores_tty_stops(helper));
		printf("parked\n");
		fflush(stdout);
		hold();
	}
	memset(&inst, 0, sizeof(inst));
	inst.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_INSTALLED };
	inst.status = -ECANCELED;
	send(sv[0], &inst, sizeof(inst), MSG_NOSIGNAL);
	close(sv[0]);
	waitpid(helper, &status, 0);
	printf("helper_exit %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	free(req);
	return 0;
}
