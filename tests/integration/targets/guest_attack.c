/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The attacker's tool of test_security_guest.sh: what a process can do
 * with a C API session's guest protocol (backend/engines/seccomp/guest.c)
 * by hand, bypassing the agent. Prints key=value lines.
 *
 *   guest_attack session LIB SPEC CMD...  (not an attack) a C API session:
 *          dlopens LIB, enables and disables SPEC, runs CMD, exits with
 *          its status
 *   guest_attack hello                    says hello: hello=FD or -errno
 *   guest_attack handoff FILE             hello, then the socket's holder
 *          is a child and the process that said hello exits before the
 *          child sends REGISTER (openat:ENOENT:path=FILE)
 *   guest_attack sender FILE              hello; a child that never said
 *          hello sends REGISTER (scope process) and opens FILE; then the
 *          process that said hello opens it
 *   guest_attack garbage                  hello, then bytes that are no
 *          REGISTER
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/name_tables.h"
#include "lib/seccomp_filter.h"
#include "lib/spec_parse.h"
#include "minderbinder/wire.h"

static int session(char **argv)
{
	int (*enable)(const char *, int, void **);
	int (*disable)(void *);
	const char *(*why)(void);
	void *lib = dlopen(argv[0], RTLD_NOW), *h;
	int status;
	pid_t pid;

	if (!lib) {
		printf("session=dlopen: %s\n", dlerror());
		return 2;
	}
	enable = (int (*)(const char *, int, void **))dlsym(lib, "mb_enable");
	disable = (int (*)(void *))dlsym(lib, "mb_disable");
	why = (const char *(*)(void))dlsym(lib, "mb_last_error");
	if (enable(argv[1], 1 /* MB_SCOPE_PROCESS */, &h) || disable(h)) {
		printf("session=%s\n", why());
		return 2;
	}
	printf("session_pid=%d\n", (int)getpid());
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int send_register(int sock, const char *file, enum mb_scope scope)
{
	struct mb_register_msg *m = calloc(1, sizeof(*m));
	struct mb_defaults d;
	struct mb_error err;
	char rule[512];
	ssize_t n;

	mb_spec_init(&m->spec, mb_native_arch());
	mb_defaults_init(&d);
	snprintf(rule, sizeof(rule), "openat:ENOENT:path=%s", file);
	if (mb_spec_add_syscalls(&m->spec, "X", rule, &d, &err)) {
		printf("spec=%s\n", err.msg);
		return -EINVAL;
	}
	m->hdr = (struct mb_msg_hdr){ MB_WIRE_MAGIC, MB_WIRE_VERSION, MB_MSG_REGISTER };
	m->scope = scope;
	n = send(sock, m, sizeof(*m), MSG_NOSIGNAL);
	free(m);
	return n == (ssize_t)sizeof(*m) ? 0 : -errno;
}

/* PLAN's status and message, or how the socket ended. */
static void print_plan(int sock)
{
	struct mb_plan_msg plan;
	ssize_t n = recv(sock, &plan, sizeof(plan), 0);

	if (n != (ssize_t)sizeof(plan)) {
		printf("plan=none (%zd bytes)\n", n);
		return;
	}
	plan.msg[sizeof(plan.msg) - 1] = '\0';
	printf("plan=%d\nplan_msg=%s\n", plan.status, plan.msg);
}

static int open_errno(const char *file)
{
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int sock, p[2];
	pid_t pid;
	char c;

	if (argc >= 5 && !strcmp(argv[1], "session"))
		return session(argv + 2);
	if (argc < 2)
		return 2;
	sock = mb_seccomp_hello();
	printf("hello=%d\n", sock);
	fflush(stdout);
	if (sock < 0 || !strcmp(argv[1], "hello"))
		return 0;
	if (!strcmp(argv[1], "garbage")) {
		if (send(sock, "not a REGISTER", 14, MSG_NOSIGNAL) != 14)
			return 1;
		print_plan(sock);
		return 0;
	}
	if (argc < 3 || pipe(p))
		return 2;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!strcmp(argv[1], "handoff")) {
		if (pid > 0)
			_exit(0); /* the one that said hello is gone at once */
		/* EOF once the one that said hello has gone: then talk. */
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		printf("sender_pid=%d\n", (int)getpid());
		if (send_register(sock, argv[2], MB_SCOPE_TREE)) {
			printf("plan=none (the socket is closed)\n");
			printf("sender_open=%d\n", open_errno(argv[2]));
			return 0;
		}
		print_plan(sock);
		printf("sender_open=%d\n", open_errno(argv[2]));
		return 0;
	}
	if (!strcmp(argv[1], "sender")) {
		if (pid == 0) {
			printf("sender_pid=%d\n", (int)getpid());
			if (send_register(sock, argv[2], MB_SCOPE_PROCESS))
				_exit(1);
			print_plan(sock);
			fflush(stdout);
			/* The registration is the hello caller's: it says
			 * INSTALLED itself, below. */
			printf("sender_open=%d\n", open_errno(argv[2]));
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		{
			struct mb_installed_msg inst = { .hdr = { MB_WIRE_MAGIC, MB_WIRE_VERSION,
								  MB_MSG_INSTALLED } };
			struct mb_done_msg done;

			send(sock, &inst, sizeof(inst), MSG_NOSIGNAL);
			printf("done=%zd\n", recv(sock, &done, sizeof(done), 0));
		}
		/* Live now, for the process that said hello (scope process):
		 * not for the sender, nor for a child that did not. */
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			printf("child_open=%d\n", open_errno(argv[2]));
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		printf("hello_pid=%d\nhello_open=%d\n", (int)getpid(), open_errno(argv[2]));
		return 0;
	}
	return 2;
}
