/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Talks to the node daemon (mb-helper --daemon) the way the agent does
 * (include/minderbinder/wire.h), or the way an attacker would:
 *
 *   daemon_client honest SOCK PORT          REGISTER tcp:PORT:ENETUNREACH
 *                                           for this process (the control)
 *   daemon_client pidfd SOCK PORT VICTIM    the same, with a pidfd of VICTIM
 *                                           riding along (SCM_RIGHTS)
 *   daemon_client creds SOCK PORT VICTIM    the same, claiming VICTIM's pid
 *                                           in SCM_CREDENTIALS
 *   daemon_client handoff SOCK PORT         connect, fork, the connecting
 *                                           process exits, its child sends
 *                                           REGISTER on the connection
 *   daemon_client silent SOCK PORT          connect, print "connected", then
 *                                           say nothing until killed (a slow
 *                                           or hostile caller)
 *
 * Prints "pid P" (of the process that sends), "send_errno E", then
 * "plan_status S" (0 or -errno), "plan_key K" (whom the daemon registered)
 * and "plan_msg TEXT". An accepted registration is withdrawn at once (an
 * INSTALLED with an error), so nothing is left behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "minderbinder/registry.h"
#include "minderbinder/wire.h"
#include "lib/name_tables.h"
#include "lib/spec_parse.h"

static struct mb_register_msg *new_request(const char *port)
{
	struct mb_register_msg *req = calloc(1, sizeof(*req));
	struct mb_error err = { "" };
	struct mb_defaults d;
	char net[64];

	if (!req)
		return NULL;
	req->hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_REGISTER };
	req->scope = MB_SCOPE_PROCESS;
	req->wish = MB_WISH_AUTO;
	mb_defaults_init(&d);
	mb_spec_init(&req->spec, mb_native_arch());
	snprintf(net, sizeof(net), "tcp:%s:ENETUNREACH", port);
	if (mb_spec_add_net(&req->spec, "spec", net, &d, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		free(req);
		return NULL;
	}
	return req;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("connect_errno %d\n", errno);
		exit(1);
	}
	return s;
}

/* REGISTER, with one piece of ancillary data when type is set. */
static int send_request(int s, const struct mb_register_msg *req, int type, const void *data,
			size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (type) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(len);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = type;
		c->cmsg_len = CMSG_LEN(len);
		memcpy(CMSG_DATA(c), data, len);
	}
	if (sendmsg(s, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
		printf("send_errno %d\n", errno);
		return -1;
	}
	printf("send_errno 0\n");
	return 0;
}

static int answer(int s)
{
	struct mb_installed_msg inst = { .status = -ECANCELED };
	struct mb_plan_msg plan;
	struct mb_done_msg done;
	ssize_t n;

	memset(&plan, 0, sizeof(plan));
	n = recv(s, &plan, sizeof(plan), 0);
	if (n != (ssize_t)sizeof(plan)) {
		printf("plan_recv %zd %d\n", n, errno);
		return 1;
	}
	plan.msg[sizeof(plan.msg) - 1] = '\0';
	printf("plan_status %d\nplan_key %u\nplan_msg %s\n", plan.status, plan.key, plan.msg);
	if (plan.status)
		return 0;
	inst.hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_INSTALLED };
	send(s, &inst, sizeof(inst), MSG_NOSIGNAL);
	n = recv(s, &done, sizeof(done), 0);
	printf("done_status %d\n", n == (ssize_t)sizeof(done) ? done.status : -EPROTO);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct mb_register_msg *req;
	const char *mode;
	pid_t victim, parent;
	int s, i;

	if (argc < 4) {
		fprintf(stderr, "usage: daemon_client honest|pidfd|creds|handoff|silent SOCK PORT [VICTIM]\n");
		return 2;
	}
	mode = argv[1];
	victim = argc > 4 ? (pid_t)atoi(argv[4]) : 0;
	req = new_request(argv[3]);
	if (!req)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	s = connect_to(argv[2]);
	if (!strcmp(mode, "silent")) {
		printf("connected\n");
		for (;;)
			pause();
	}
	if (!strcmp(mode, "handoff")) {
		parent = getpid();
		if (fork() != 0)
			return 0; /* the connecting process goes */
		for (i = 0; i < 3000 && !kill(parent, 0); i++)
			nanosleep(&tick, NULL);
	}
	printf("pid %d\n", (int)getpid());
	if (!strcmp(mode, "pidfd")) {
		int fd = (int)syscall(SYS_pidfd_open, victim, 0);

		if (fd < 0) {
			printf("pidfd_errno %d\n", errno);
			return 1;
		}
		if (send_request(s, req, SCM_RIGHTS, &fd, sizeof(fd)))
			return 1;
	} else if (!strcmp(mode, "creds")) {
		struct ucred c = { .pid = victim, .uid = getuid(), .gid = getgid() };
		int one = 1;

		setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
		if (send_request(s, req, SCM_CREDENTIALS, &c, sizeof(c)))
			return 0; /* the kernel refused the lie: that is the result */
	} else if (send_request(s, req, 0, NULL, 0)) {
		return 1;
	}
	return answer(s);
}
