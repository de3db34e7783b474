/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A number from this thread's /proc/thread-self/status, read with raw
 * syscalls: the targets ask it while a fault rule may be failing libc's
 * open() and read().
 */
#ifndef MB_TARGET_THREAD_STATUS_H
#define MB_TARGET_THREAD_STATUS_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* name with its colon ("Seccomp_filters:"); -1 when it cannot be read. */
static inline long thread_status_field(const char *name)
{
	char buf[4096], *p;
	ssize_t n;
	int fd;

	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, name);
	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

#endif
