/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A NUL-terminated string out of a process's memory, read a page at a
 * time with process_vm_readv (the string may end just before an unmapped
 * page): the one way, for the supervisor reading its target and the
 * agent's SIGSYS handler reading itself (a bad pointer is EFAULT there,
 * never a SIGSEGV).
 */
#ifndef MB_READ_STRING_H
#define MB_READ_STRING_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* process_vm_readv(pid, local, 1, remote, 1, 0) or a stand-in (the
 * handler's goes through the gate): bytes read, or -errno. */
typedef long (*mb_readv_fn)(pid_t pid, const struct iovec *local, const struct iovec *remote);

/* 0 with buf holding the string, -EFAULT, -ENAMETOOLONG (no NUL in size
 * bytes) or readv's -errno. page: the page size. */
int mb_read_string(mb_readv_fn readv, pid_t pid, unsigned long addr, char *buf, size_t size,
		   size_t page);

#endif
