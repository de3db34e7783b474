/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * For test_log.sh: a known set of calls for MINDERBINDER_LOG to record.
 * Prints "pid P", then "tid T" (the main thread), then "done".
 *
 *   log_target               getppid x20, open /nonexistent/a x3,
 *                            open /etc/hostname x1, getpgid(0) x1
 *   log_target -n N          getppid only, N times
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i, fd, n = -1;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		n = atoi(argv[2]);
	printf("pid %d\ntid %ld\n", (int)getpid(), (long)syscall(SYS_gettid));
	fflush(stdout);
	for (i = 0; i < (n < 0 ? 20 : n); i++)
		syscall(SYS_getppid);
	if (n < 0) {
		for (i = 0; i < 3; i++) {
			fd = open("/nonexistent/a", O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		fd = open("/etc/hostname", O_RDONLY);
		if (fd >= 0)
			close(fd);
		syscall(SYS_getpgid, 0);
	}
	printf("done\n");
	return 0;
}
