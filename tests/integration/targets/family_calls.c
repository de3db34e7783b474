/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscalls of a family, each made raw (no libc choice between them),
 * for tests/integration/test_families.sh. Results are printed only after
 * every call is made: printing is a write, and a %write rule counts it.
 *
 *   family_calls open PATH   SYS_open (where the arch has it), then openat
 *   family_calls write FILE  write, pwrite64, writev, pwritev, write, pwrite64
 *   family_calls sync FILE   write, then fdatasync, fsync, syncfs
 *
 * One line per call: "NAME ok" or "NAME ERRNO-NAME".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_CALLS 8

static struct {
	const char *name;
	int err;
} calls[MAX_CALLS];
static int n_calls;

static void note(const char *name, long r)
{
	calls[n_calls].name = name;
	calls[n_calls].err = r < 0 ? errno : 0;
	n_calls++;
}

int main(int argc, char **argv)
{
	char b[2] = "x";
	struct iovec iov = { .iov_base = b, .iov_len = 1 };
	int fd = -1, i;

	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "open")) {
#ifdef SYS_open
		note("open", fd = (int)syscall(SYS_open, argv[2], O_RDONLY));
		if (fd >= 0)
			close(fd);
#endif
		note("openat", fd = (int)syscall(SYS_openat, AT_FDCWD, argv[2], O_RDONLY));
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(argv[1], "write") || !strcmp(argv[1], "sync")) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		if (!strcmp(argv[1], "write")) {
			note("write", syscall(SYS_write, fd, b, 1));
			note("pwrite64", syscall(SYS_pwrite64, fd, b, 1, 1));
			note("writev", syscall(SYS_writev, fd, &iov, 1));
			note("pwritev", syscall(SYS_pwritev, fd, &iov, 1, 3, 0));
			note("write", syscall(SYS_write, fd, b, 1));
			note("pwrite64", syscall(SYS_pwrite64, fd, b, 1, 5));
		} else {
			note("write", syscall(SYS_write, fd, b, 1));
			note("fdatasync", syscall(SYS_fdatasync, fd));
			note("fsync", syscall(SYS_fsync, fd));
			note("syncfs", syscall(SYS_syncfs, fd));
		}
		close(fd);
	} else {
		return 2;
	}
	for (i = 0; i < n_calls; i++)
		printf("%s %s\n", calls[i].name,
		       calls[i].err ? strerrorname_np(calls[i].err) : "ok");
	return 0;
}
