/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* errno and syscall names <-> numbers, generated from the installed
 * headers at build time (see gen-errno.sh, gen-syscalls.sh). */
#ifndef MB_NAME_TABLES_H
#define MB_NAME_TABLES_H

#include <stddef.h>
#include "minderbinder/rule.h"

/* Positive errno for "ENOENT", or -ENOENT when unknown. Aliases
 * (EWOULDBLOCK, EDEADLOCK, ENOTSUP) resolve to their number. */
int mb_errno_by_name(const char *name);
/* Canonical name of an errno, NULL when unknown. */
const char *mb_errno_name(int err);
/* All names, aliases included, for "did you mean". */
size_t mb_errno_count(void);
const char *mb_errno_name_at(size_t i);

enum mb_arch mb_native_arch(void);
const char *mb_arch_name(enum mb_arch arch);
/* Syscall number on arch, or -ENOENT (unknown name) / -EINVAL (bad arch). */
int mb_syscall_by_name(enum mb_arch arch, const char *name);
const char *mb_syscall_name(enum mb_arch arch, int nr);
size_t mb_syscall_count(enum mb_arch arch);
const char *mb_syscall_name_at(enum mb_arch arch, size_t i);

/* The closest candidate to word by edit distance, or NULL when nothing is
 * close enough to be a plausible typo. */
const char *mb_nearest(const char *word, size_t n,
		       const char *(*name_at)(void *ctx, size_t i), void *ctx);
/* name_at functions for mb_nearest: every errno name (ctx unused), every
 * syscall of *(enum mb_arch *)ctx, or the entries of a const char *const
 * array ctx. */
const char *mb_nearest_errno_at(void *ctx, size_t i);
const char *mb_nearest_syscall_at(void *ctx, size_t i);
const char *mb_nearest_list_at(void *ctx, size_t i);

#endif
