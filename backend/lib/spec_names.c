/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names in a rule: errno names and numbers (with "did you mean"), and which
 * argument of a syscall holds the path that path= matches: a path string,
 * or a descriptor whose current path is matched.
 */
#include <ctype.h>
#include <string.h>

#include "lib/name_tables.h"
#include "lib/spec_internal.h"

const char *spec_nearest_in(const char *word, const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return mb_nearest(word, n, mb_nearest_list_at, (void *)list);
}

/* "ENOENT", "-ENOENT" or "-2" -> 2. */
int spec_parse_errno(const struct ctx *c, const struct field *f, int *out)
{
	const char *t = f->text;
	__u64 v;
	int e;

	if (t[0] == '-' && isdigit((unsigned char)t[1])) {
		if (spec_parse_u64(t + 1, &v) || v < 1 || v > MB_ERRNO_MAX)
			return spec_fail(c, f->col, "errno out of range (1..4095)", t, NULL);
		*out = (int)v;
		return 0;
	}
	if (t[0] == '-')
		t++;
	e = mb_errno_by_name(t);
	if (e > 0) {
		*out = e;
		return 0;
	}
	return spec_fail(c, f->col, "unknown errno", f->text,
		    mb_nearest(t, mb_errno_count(), mb_nearest_errno_at, NULL));
}

/* Which argument of a syscall carries the path that path= matches; the
 * first path when there are two (rename, link). */
struct syscall_arg {
	const char *name;
	int arg;
};

static const struct syscall_arg path_syscalls[] = {
	{ "open", 0 },	       { "creat", 0 },	      { "openat", 1 },
	{ "openat2", 1 },      { "stat", 0 },	      { "lstat", 0 },
	{ "newfstatat", 1 },   { "statx", 1 },	      { "access", 0 },
	{ "faccessat", 1 },    { "faccessat2", 1 },   { "unlink", 0 },
	{ "unlinkat", 1 },     { "mkdir", 0 },	      { "mkdirat", 1 },
	{ "rmdir", 0 },	       { "rename", 0 },	      { "renameat", 1 },
	{ "renameat2", 1 },    { "chdir", 0 },	      { "chroot", 0 },
	{ "execve", 0 },       { "execveat", 1 },     { "truncate", 0 },
	{ "readlink", 0 },     { "readlinkat", 1 },   { "chmod", 0 },
	{ "fchmodat", 1 },     { "fchmodat2", 1 },    { "chown", 0 },
	{ "lchown", 0 },       { "fchownat", 1 },     { "mknod", 0 },
	{ "mknodat", 1 },      { "link", 0 },	      { "linkat", 1 },
	{ "symlink", 1 },      { "symlinkat", 2 },    { "utimensat", 1 },
	{ "utimes", 0 },       { "utime", 0 },	      { "statfs", 0 },
	{ "getxattr", 0 },     { "lgetxattr", 0 },    { "setxattr", 0 },
	{ "lsetxattr", 0 },    { "listxattr", 0 },    { "llistxattr", 0 },
	{ "removexattr", 0 },  { "lremovexattr", 0 }, { "inotify_add_watch", 1 },
	{ "swapon", 0 },       { "acct", 0 },
};

static int arg_in(const struct syscall_arg *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return t[i].arg;
	return -1;
}

int spec_path_arg_of(const char *name)
{
	return arg_in(path_syscalls, sizeof(path_syscalls) / sizeof(path_syscalls[0]), name);
}

int mb_syscall_path_arg(const char *name)
{
	return name ? spec_path_arg_of(name) : -1;
}

/*
 * Syscalls without a path argument whose descriptor argument names a file:
 * path= matches the descriptor's current path. The transfers match the
 * descriptor they write to (sendfile's out_fd, copy_file_range's and
 * splice's fd_out): a disk-full or I/O-error test aims at the file written.
 */
static const struct syscall_arg fd_path_syscalls[] = {
	{ "read", 0 },		  { "write", 0 },	    { "pread64", 0 },
	{ "pwrite64", 0 },	  { "readv", 0 },	    { "writev", 0 },
	{ "preadv", 0 },	  { "preadv2", 0 },	    { "pwritev", 0 },
	{ "pwritev2", 0 },	  { "fsync", 0 },	    { "fdatasync", 0 },
	{ "syncfs", 0 },	  { "ftruncate", 0 },	    { "fallocate", 0 },
	{ "sync_file_range", 0 }, { "fstat", 0 },	    { "lseek", 0 },
	{ "sendfile", 0 },	  { "copy_file_range", 2 }, { "splice", 2 },
	{ "close", 0 },		  { "fchmod", 0 },	    { "fchown", 0 },
	{ "flock", 0 },		  { "fgetxattr", 0 },	    { "fsetxattr", 0 },
	{ "flistxattr", 0 },	  { "fremovexattr", 0 },    { "fstatfs", 0 },
	{ "fadvise64", 0 },	  { "readahead", 0 },	    { "getdents", 0 },
	{ "getdents64", 0 },	  { "fchdir", 0 },	    { "fcntl", 0 },
	{ "ioctl", 0 },		  { "mmap", 4 },	    { "dup", 0 },
	{ "dup2", 0 },		  { "dup3", 0 },
};

int spec_fd_path_arg_of(const char *name)
{
	return arg_in(fd_path_syscalls, sizeof(fd_path_syscalls) / sizeof(fd_path_syscalls[0]),
		      name);
}

int mb_syscall_fd_path_arg(const char *name)
{
	return name ? spec_fd_path_arg_of(name) : -1;
}

/* Syscalls whose path argument is relative to the fd in the argument
 * before it. */
/* clang-format off */
static const char *const at_syscalls[] = {
	"openat", "openat2", "newfstatat", "statx", "faccessat", "faccessat2",
	"unlinkat", "mkdirat", "renameat", "renameat2", "execveat", "readlinkat",
	"fchmodat", "fchmodat2", "fchownat", "mknodat", "linkat", "symlinkat",
	"utimensat",
};
/* clang-format on */

int mb_syscall_dirfd_arg(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(at_syscalls) / sizeof(at_syscalls[0]); i++)
		if (!strcmp(at_syscalls[i], name))
			return spec_path_arg_of(name) - 1;
	return -1;
}
