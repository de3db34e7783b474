/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>

#include "lib/fd_path.h"

int mb_read_link(const struct mb_fs_ops *ops, const char *path, char *out, size_t size)
{
	long n = ops->readlink(path, out, size - 1);

	if (n < 0)
		return (int)n;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int mb_fd_link_path(const struct mb_fs_ops *ops, const char *proc, char *out, size_t size)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	struct stat fd_st, name_st;
	size_t len;
	int err;

	err = mb_read_link(ops, proc, out, size);
	if (err)
		return err;
	if (out[0] != '/')
		return -ENOENT;
	len = strlen(out);
	if (len > dl && !strcmp(out + len - dl, deleted) &&
	    (ops->stat(proc, &fd_st, 0) || ops->stat(out, &name_st, 1) ||
	     fd_st.st_dev != name_st.st_dev || fd_st.st_ino != name_st.st_ino))
		out[len - dl] = '\0';
	return 0;
}
