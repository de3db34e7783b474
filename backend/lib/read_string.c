/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>

#include "lib/read_string.h"

int mb_read_string(mb_readv_fn readv, pid_t pid, unsigned long addr, char *buf, size_t size,
		   size_t page)
{
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	while (got < size) {
		unsigned long at = addr + got;
		size_t chunk = page - (size_t)(at % page);
		struct iovec local, remote;
		long n;

		if (chunk > size - got)
			chunk = size - got;
		local.iov_base = buf + got;
		local.iov_len = chunk;
		remote.iov_base = (void *)at;
		remote.iov_len = chunk;
		n = readv(pid, &local, &remote);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EFAULT;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}
