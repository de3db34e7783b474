/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process an attack on the helper's notion of identity aims at (a
 * root process at a reused pid, a set-uid-root program, a process outside
 * a pid namespace), or the honest target beside it:
 *
 *   identity_victim [-f] GOFILE PORT DIR
 *
 * prints "pid P" and "euid U", waits until GOFILE exists (the test stages
 * the attack meanwhile), then makes its calls through syscall(2) and
 * reports each: "connect_errno E" (TCP connect to 127.0.0.1:PORT; 0 or
 * the errno), "mkdir_errno E" (mkdirat DIR/victim.P) and "done". With -f
 * it first forks a child that prints "child C" and lives until
 * GOFILE.end exists, so the test can look for the child in the registry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The test owns the deadline (its wait_for); this only bounds a test
 * that died without telling us. */
static int wait_file(const char *path)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 60000; i++) {
		if (!access(path, F_OK))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char path[4096], end[4096];
	pid_t child = -1;
	int fork_child = 0, fd;
	long r;

	if (argc > 1 && !strcmp(argv[1], "-f")) {
		fork_child = 1;
		argv++, argc--;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: identity_victim [-f] GOFILE PORT DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid %d\neuid %d\n", (int)getpid(), (int)geteuid());
	if (wait_file(argv[1]))
		return 3;
	snprintf(end, sizeof(end), "%s.end", argv[1]);
	if (fork_child) {
		child = fork();
		if (child == 0) {
			printf("child %d\n", (int)getpid());
			_exit(wait_file(end) ? 3 : 0);
		}
	}
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = syscall(SYS_connect, fd, (struct sockaddr *)&sa, sizeof(sa));
	printf("connect_errno %d\n", r < 0 ? errno : 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/victim.%d", argv[3], (int)getpid());
	r = syscall(SYS_mkdirat, AT_FDCWD, path, 0700);
	printf("mkdir_errno %d\n", r < 0 ? errno : 0);
	if (!r)
		rmdir(path);
	if (child > 0)
		waitpid(child, NULL, 0);
	printf("done\n");
	return 0;
}
