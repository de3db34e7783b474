/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A static program (no dynamic loader, so LD_PRELOAD cannot reach it):
 * opens each file named on the command line and prints "PATH ok" or
 * "PATH errno N", then "pid N", "seccomp N" (its filter count) and
 * "done".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long seccomp_filters(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "Seccomp_filters:");
	return p ? strtol(p + 16, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	int i, fd;

	for (i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("%s errno %d\n", argv[i], errno);
		} else {
			printf("%s ok\n", argv[i]);
			close(fd);
		}
	}
	printf("pid %d\nseccomp %ld\ndone\n", (int)getpid(), seccomp_filters());
	return 0;
}
