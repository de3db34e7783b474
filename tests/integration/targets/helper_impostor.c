/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Talks to mb-helper the way the agent does (include/minderbinder/wire.h),
 * but sets the socket up the way an attacker would, to register a process
 * that is not the helper's caller:
 *
 *   helper_impostor self HELPER        the honest way: this process makes
 *                                      the socketpair and starts the helper
 *                                      (the control: must be accepted)
 *   helper_impostor forked HELPER      this process makes the socketpair,
 *                                      a forked child starts the helper:
 *                                      the peer is not the helper's parent
 *   helper_impostor dropuid UID HELPER run as root: make the socketpair, drop
 *                                      to UID, then start the (set-uid)
 *                                      helper: the peer's uid is not the
 *                                      helper's real uid
 *   helper_impostor park FIFO PORT HELPER [PROG ARG...]
 *                                      the honest start, then park the
 *                                      helper after it identified us and
 *                                      before it writes our entry: a
 *                                      MINDERBINDER_LOG that is the FIFO
 *                                      nobody reads, then SIGSTOP; a child
 *                                      keeps the socket open (so the entry
 *                                      would stay), and this process exits
 *                                      (its pid free for reuse) or execs
 *                                      PROG (a set-uid program, say). The
 *                                      rules: tcp:PORT:ENETUNREACH and
 *                                      mkdirat:EROFS. FIFO "-": no log,
 *                                      SIGSTOP as soon as the helper runs
 *                                      (where a helper refuses FIFO logs).
 *                                      With MB_IMPOSTOR_EXIT_WHEN=FILE it
 *                                      sends no SIGSTOP and exits (or
 *                                      execs) only once FILE exists (the
 *                                      test holds the helper another way).
 *
 * Prints "pid P", "plan_status S" (0 or -errno), "plan_msg TEXT" and
 * "helper_exit N". An accepted registration is withdrawn at once (an
 * INSTALLED message with an error), so nothing is left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <time.h>
#include <poll.h>
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

static pid_t start_helper(const char *helper, int fd)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (dup2(fd, MB_HELPER_FD) < 0)
		_exit(126);
	execl(helper, "mb-helper", "--agent", (char *)NULL);
	_exit(127);
}

/* Whether pid runs the helper yet (its comm is the binary's name after
 * the exec): before, a signal would stop our own fork, not the helper. */
static int is_helper(pid_t pid)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "(mb-helper)") != NULL;
}

/* A child of pid, if it has one: the helper forks only to open the log. */
static int has_child(pid_t pid)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	int found = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		ssize_t n;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		/* ") S PPID ..." */
		if (p && p[1] == ' ' && p[2] && p[3] == ' ' && atoi(p + 4) == (int)pid)
			found = 1;
	}
	closedir(d);
	return found;
}

/* A REGISTER for this process (tree scope, engine auto) with the rules
 * mkdirat:EROFS and, when net is not NULL, net; NULL after saying why. */
static struct mb_register_msg *new_request(const char *net)
{
	struct mb_register_msg *req = calloc(1, sizeof(*req));
	struct mb_error err = { "" };
	struct mb_defaults d;

	if (!req)
		return NULL;
	req->hdr.magic = MB_WIRE_MAGIC;
	req->hdr.version = MB_WIRE_VERSION;
	req->hdr.type = MB_MSG_REGISTER;
	req->scope = MB_SCOPE_TREE;
	req->wish = MB_WISH_AUTO;
	mb_defaults_init(&d);
	mb_spec_init(&req->spec, mb_native_arch());
	if (mb_spec_add_syscalls(&req->spec, "spec", "mkdirat:EROFS", &d, &err) ||
	    (net && mb_spec_add_net(&req->spec, "spec", net, &d, &err))) {
		fprintf(stderr, "%s\n", err.msg);
		free(req);
		return NULL;
	}
	return req;
}

static int park(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct mb_register_msg *req;
	char net[64];
	const char *fifo = argv[2], *helper = argv[4];
	pid_t helper_pid, holder;
	int sv[2], i, parked = 0;

	snprintf(net, sizeof(net), "tcp:%s:ENETUNREACH", argv[3]);
	req = new_request(net);
	if (!req)
		return 1;
	if (strcmp(fifo, "-"))
		snprintf(req->log_path, sizeof(req->log_path), "%s", fifo);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	helper_pid = start_helper(helper, sv[1]);
	if (helper_pid < 0) {
		perror("fork");
		return 1;
	}
	close(sv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid %d\nhelper %d\n", (int)getpid(), (int)helper_pid);
	if (send(sv[0], req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
		printf("send_failed %d\n", errno);
		return 1;
	}
	/* Parked on the FIFO once its log check has forked; an answer first
	 * means it refused (the FIFO, or anything else). */
	for (i = 0; req->log_path[0] && i < 3000 && !parked; i++) {
		struct pollfd p = { .fd = sv[0], .events = POLLIN };

		if (poll(&p, 1, 0) == 1) {
			struct mb_plan_msg plan;

			memset(&plan, 0, sizeof(plan));
			recv(sv[0], &plan, sizeof(plan), MSG_DONTWAIT);
			plan.msg[sizeof(plan.msg) - 1] = '\0';
			printf("refused %d %s\n", plan.status, plan.msg);
			break;
		}
		parked = has_child(helper_pid);
		if (!parked)
			nanosleep(&tick, NULL);
	}
	printf("parked %s\n", parked ? "fifo" : "no");
	for (i = 0; !req->log_path[0] && i < 3000 && !is_helper(helper_pid); i++)
		nanosleep(&tick, NULL);
	/* As the caller, whose real uid the helper has (unless the test
	 * holds it another way). */
	if (!getenv("MB_IMPOSTOR_EXIT_WHEN"))
		printf("sigstop %d\n", kill(helper_pid, SIGSTOP) ? errno : 0);
	/* The socket stays open in a child, as an accomplice would keep it:
	 * the helper then waits for INSTALLED with the entry in place. */
	holder = fork();
	if (holder == 0) {
		for (;;)
			pause();
	}
	printf("holder %d\n", (int)holder);
	if (getenv("MB_IMPOSTOR_EXIT_WHEN"))
		for (i = 0; i < 60000 && access(getenv("MB_IMPOSTOR_EXIT_WHEN"), F_OK); i++)
			nanosleep(&tick, NULL);
	if (argc > 5) {
		execv(argv[5], argv + 5);
		printf("exec_failed %d\n", errno);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mb_register_msg *req;
	struct mb_plan_msg plan;
	struct pollfd p;
	const char *mode, *helper;
	pid_t child = -1, helper_pid;
	int sv[2], status = 0;
	ssize_t n;

	if (argc >= 5 && !strcmp(argv[1], "park"))
		return park(argc, argv);
	if (argc < 3 || (!strcmp(argv[1], "dropuid") && argc < 4)) {
		fprintf(stderr, "usage: helper_impostor self|forked|dropuid [UID] HELPER\n");
		return 2;
	}
	mode = argv[1];
	helper = argv[argc - 1];
	req = new_request(NULL);
	if (!req)
		return 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	if (!strcmp(mode, "dropuid")) {
		uid_t uid = (uid_t)atol(argv[2]);

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
			perror("drop privileges");
			return 1;
		}
	}
	if (!strcmp(mode, "forked")) {
		/* The child starts the helper and then just waits for it. */
		child = fork();
		if (child == 0) {
			helper_pid = start_helper(helper, sv[1]);
			if (helper_pid < 0)
				_exit(126);
			waitpid(helper_pid, &status, 0);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		}
		helper_pid = child;
	} else if (!strcmp(mode, "self") || !strcmp(mode, "dropuid")) {
		helper_pid = start_helper(helper, sv[1]);
	} else {
		fprintf(stderr, "helper_impostor: unknown mode '%s'\n", mode);
		return 2;
	}
	if (helper_pid < 0) {
		perror("fork");
		return 1;
	}
	close(sv[1]);
	printf("pid %d\n", (int)getpid());
	n = send(sv[0], req, sizeof(*req), MSG_NOSIGNAL);
	if (n != (ssize_t)sizeof(*req)) {
		printf("send_failed %d\n", errno);
		return 1;
	}
	p.fd = sv[0];
	p.events = POLLIN;
	if (poll(&p, 1, 30000) != 1) {
		printf("no_answer\n");
		return 1;
	}
	memset(&plan, 0, sizeof(plan));
	n = recv(sv[0], &plan, sizeof(plan), 0);
	if (n != (ssize_t)sizeof(plan) || plan.hdr.magic != MB_WIRE_MAGIC ||
	    plan.hdr.type != MB_MSG_PLAN) {
		printf("plan_status none (read %zd bytes)\n", n);
	} else {
		plan.msg[sizeof(plan.msg) - 1] = '\0';
		printf("plan_status %d\nplan_msg %s\n", plan.status, plan.msg);
	}
	if (n == (ssize_t)sizeof(plan) && plan.status == 0) {
		/* Accepted: withdraw, the helper then forgets us. */
		struct mb_installed_msg inst;

		memset(&inst, 0, sizeof(inst));
		inst.hdr.magic = MB_WIRE_MAGIC;
		inst.hdr.version = MB_WIRE_VERSION;
		inst.hdr.type = MB_MSG_INSTALLED;
		inst.status = -ECANCELED;
		send(sv[0], &inst, sizeof(inst), MSG_NOSIGNAL);
	}
	close(sv[0]);
	waitpid(helper_pid, &status, 0);
	printf("helper_exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	free(req);
	return 0;
}
