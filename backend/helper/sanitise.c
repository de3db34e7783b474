/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The caller controls our environment, descriptors and signal state. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/request.h"
#include "helper/sanitise.h"

uid_t mb_caller_uid;
gid_t mb_caller_gid;

int mb_sanitise(void)
{
	sigset_t all;
	int fd, type = 0, domain = 0;
	socklen_t len = sizeof(type);

	clearenv();
	umask(077);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The terminal sends these to the caller's process group with no
	 * permission check: a stopped helper holding the registry lock would
	 * stop every other registration. (A kill() from the caller is
	 * refused once our ids are all root; SIGCONT, which the session may
	 * always send, only resumes us; SIGHUP or SIGINT end us, and the
	 * lock with us.) */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	if (getsockopt(SOCK, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET)
		return -ENOTSOCK;
	len = sizeof(domain);
	if (getsockopt(SOCK, SOL_SOCKET, SO_DOMAIN, &domain, &len) || domain != AF_UNIX)
		return -ENOTSOCK;
	close_range(SOCK + 1, ~0U, 0);
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			return -EBADF;
	}
	return 0;
}

int mb_become_root(void)
{
	/* All our ids root from here on (set-uid leaves the real uid the
	 * caller's, which lets the caller SIGSTOP us while we hold the
	 * registry lock); the caller's are kept for the children that drop. */
	mb_caller_uid = getuid();
	mb_caller_gid = getgid();
	if (geteuid() == 0 && setresuid(0, 0, 0))
		return -errno;
	return 0;
}
