/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A descriptor's path as path= rules match it, from its /proc link: the
 * one way, for the supervisor (/proc/TID/fd/N of its target, with libc)
 * and the agent's SIGSYS handler (/proc/self/fd/N, through the gate).
 */
#ifndef MB_FD_PATH_H
#define MB_FD_PATH_H

#include <stddef.h>
#include <sys/stat.h>

struct mb_fs_ops {
	/* readlink(2): bytes, or -errno */
	long (*readlink)(const char *path, char *buf, size_t size);
	/* stat(2), lstat(2) when nofollow: 0, or -errno */
	int (*stat)(const char *path, struct stat *st, int nofollow);
};

/* The link's target in out (size bytes, NUL included): 0, -ENAMETOOLONG,
 * or readlink's -errno. */
int mb_read_link(const struct mb_fs_ops *ops, const char *path, char *out, size_t size);

/*
 * The path descriptor link proc names. A socket, pipe or anon inode has
 * none (-ENOENT: never matches). A file unlinked while open is matched by
 * the name it had: the descriptor still writes to it. The kernel's
 * " (deleted)" suffix is dropped unless the whole name is that very file,
 * so a live file whose name really ends so is matched by its whole name
 * (the suffix costs two stats more).
 */
int mb_fd_link_path(const struct mb_fs_ops *ops, const char *proc, char *out, size_t size);

#endif
